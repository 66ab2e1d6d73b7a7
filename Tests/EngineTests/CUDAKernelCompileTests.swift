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
    /// three for the batch-1 row kernels).
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
        for (kernel, count) in registers { XCTAssertLessThanOrEqual(count, kernel.hasPrefix("row_") ? 96 : 64, kernel) }
    }

    /// The variants chosen with TN_CUDA_KERNEL_DEFINES compile, and are
    /// another module: ROW_UPDATE_BATCH (the row kernels' one tunable) at 3.
    func testAKernelVariantCompilesAsItsOwnModule() throws {
        let nvrtc = try Self.compiler()
        let source = try KernelSource.moduleSource(environment: ["TN_CUDA_KERNEL_DEFINES": "ROW_UPDATE_BATCH=3"])
        XCTAssertTrue(source.hasPrefix("#define ROW_UPDATE_BATCH 3\n"))
        let (variant, _) = try nvrtc.compileWithLog(source: source, name: "teaching_networks_kernels.cu", architecture: 90,
                                                    options: KernelCompiler.options)
        let (plain, _) = try nvrtc.compileWithLog(source: KernelSource.source, name: "teaching_networks_kernels.cu",
                                                  architecture: 90, options: KernelCompiler.options)
        XCTAssertNotEqual(variant, plain, "the define reaches the row kernels")
        XCTAssertNotEqual(KernelCompiler.cacheFileName(deviceName: "GPU", architecture: 90, source: source, compilerVersion: "13.0"),
                          KernelCompiler.cacheFileName(deviceName: "GPU", architecture: 90, source: KernelSource.source,
                                                       compilerVersion: "13.0"))
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
