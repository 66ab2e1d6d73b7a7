// The kernels' CUDA C through the real NVRTC, which needs no GPU: the source
// must compile with no headers for the architectures the backend meets, and
// the CUBIN must export every kernel the network launches. .ci/run installs
// NVRTC from PyPI (the nvidia-cuda-nvrtc wheel) and puts its folder on
// LD_LIBRARY_PATH; without it these tests skip and say so.
import XCTest
@testable import Engine

final class CUDAKernelCompileTests: XCTestCase {
    static func compiler() throws -> NVRTC {
        do { return try NVRTC() } catch {
            throw XCTSkip("NVRTC is not installed here (\(error)); .ci/run installs it with pip install nvidia-cuda-nvrtc "
                + "and puts its lib folder on LD_LIBRARY_PATH")
        }
    }

    func testKernelSourceCompilesForEveryArchitectureWithNoHeaders() throws {
        let nvrtc = try Self.compiler()
        // Turing (the oldest CUDA 13 targets), Ampere (A100, A10), Hopper (H100).
        for architecture in [75, 80, 86, 90] {
            let cubin = try nvrtc.compile(source: KernelSource.source, name: "teaching_networks_kernels.cu",
                                          architecture: architecture, options: KernelCompiler.options)
            // A CUBIN is an ELF file whose symbol table names each extern "C" kernel.
            XCTAssertEqual(Array(cubin.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "sm_\(architecture): not an ELF image")
            let text = String(decoding: cubin, as: UTF8.self)
            for kernel in KernelSource.kernelNames {
                XCTAssertTrue(text.contains(kernel + "\0"), "sm_\(architecture): the CUBIN has no kernel \(kernel)")
            }
        }
    }

    /// ptxas's report for the H100: every kernel fits in registers (no spills
    /// to local memory) with room for several 256-thread blocks per SM (four;
    /// three for the batch-1 row kernels; one for the persistent kernel).
    func testNoKernelSpillsRegistersOnHopper() throws {
        let nvrtc = try Self.compiler()
        let (_, log) = try nvrtc.compileWithLog(source: KernelSource.source, name: "teaching_networks_kernels.cu",
                                                architecture: 90, options: KernelCompiler.options + ["-Xptxas", "-v"])
        var kernel: String?
        var registers: [String: Int] = [:]
        for line in log.split(separator: "\n") {
            if line.contains("Compiling entry function"), let quote = line.firstIndex(of: "'") {
                kernel = String(line[line.index(after: quote)...].prefix { $0 != "'" })
            }
            if let kernel, line.contains("bytes spill stores") {
                XCTAssertTrue(line.contains(" 0 bytes spill stores, 0 bytes spill loads"), "\(kernel): \(line)")
            }
            if let kernel, let used = line.range(of: "Used ") {
                registers[kernel] = Int(line[used.upperBound...].prefix { $0.isNumber })
            }
        }
        XCTAssertEqual(Set(registers.keys), Set(KernelSource.kernelNames), log)
        // The row kernels hold a lane's share of a weight row (up to 32
        // floats) in registers; they run one block per SM, at most two kernels
        // at a time, so 96 (three 256-thread blocks per SM) is room enough.
        // The persistent kernel holds any stage's arguments and shares, and
        // runs alone, a block per SM: 255 registers still fit one block.
        for (kernel, count) in registers {
            let limit = kernel == "row_training_steps" ? 255 : kernel.hasPrefix("row_") ? 96 : 64
            XCTAssertLessThanOrEqual(count, limit, kernel)
        }
    }

    /// Inside the persistent kernel, blocks read what other blocks wrote
    /// earlier in the same launch, which a load through the non-coherent
    /// cache (ld.global.nc: __ldg, or const __restrict__ kernel parameters,
    /// which the compiler takes to be read-only for the kernel's life) may
    /// miss. Its only such loads must be of the stage table's slots, which
    /// nothing writes: from the stage's row (the register its kind is loaded
    /// from), within its slots. (A mutation check: reading row_normalize's
    /// `z` with __ldg fails this test.)
    func testThePersistentKernelReadsOtherBlocksWritesThroughCoherentLoads() throws {
        let nvrtc = try Self.compiler()
        let ptx = try nvrtc.ptx(source: KernelSource.source, name: "teaching_networks_kernels.cu", architecture: 90,
                                options: KernelCompiler.options)
        let start = try XCTUnwrap(ptx.range(of: ".entry row_training_steps("), "no row_training_steps in the PTX")
        let end = ptx[start.upperBound...].range(of: ".entry ")?.lowerBound ?? ptx.endIndex
        let body = ptx[start.lowerBound..<end]
        // ld.global.nc.TYPE  %dest, [%base] or [%base+offset]
        let loads = body.matches(of: #/ld\.global\.nc\.\w+\s+%\w+,\s*\[(%\w+)(?:\+(\d+))?\]/#)
            .map { (base: String($0.1), offset: Int($0.2 ?? "0")!) }
        let kindLoads = loads.filter { $0.offset == 0 }
        XCTAssertEqual(kindLoads.count, 1, "one read of a stage's kind: \(kindLoads)")
        let row = try XCTUnwrap(kindLoads.first?.base)
        XCTAssertGreaterThan(loads.count, 40, "the stage table's slots are read through the read-only cache")
        for load in loads {
            XCTAssertTrue(load.base == row && load.offset < 8 * KernelSource.rowStageSlots,
                          "a non-coherent load outside the stage table: [\(load.base)+\(load.offset)]")
        }
        XCTAssertTrue(body.contains("ld.relaxed.gpu"), "the grid barrier's polling loads")
        XCTAssertTrue(body.contains("st.release.gpu"), "the grid barrier's releasing store")
        XCTAssertTrue(body.contains("fence.acq_rel.gpu"), "the grid barrier's fences")
    }

    func testCompileErrorCarriesNVRTCsLogWithTheLine() throws {
        let nvrtc = try Self.compiler()
        let broken = "extern \"C\" __global__ void broken(float* x) {\n  x[0] = undefined_name;\n}\n"
        XCTAssertThrowsError(try nvrtc.compile(source: broken, name: "broken.cu", architecture: 90, options: [])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("nvrtcCompileProgram"), text)
            XCTAssertTrue(text.contains("broken.cu(2)"), "the log names file and line: \(text)")
            XCTAssertTrue(text.contains("undefined_name"), text)
        }
    }
}
