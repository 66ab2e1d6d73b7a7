// The backend boundary on whatever machine runs the tests: without a GPU,
// `auto` falls back to the CPU with a notice and `cuda` names the missing
// library; with one, both resolve to the same device.
import XCTest
@testable import Engine

final class CUDABackendTests: XCTestCase {
    /// Whether this machine really has a usable CUDA device.
    static var gpuPresent: Bool { (try? Backend.resolve(.cuda, environment: [:])) != nil }

    func testCPUAlwaysResolvesWithADescription() throws {
        let resolved = try Backend.resolve(.cpu)
        XCTAssertEqual(resolved.kind, .cpu)
        XCTAssertNil(resolved.notice)
        XCTAssertGreaterThan(resolved.cpu.cores, 0)
        XCTAssertFalse(resolved.cpu.modelName.isEmpty)
        XCTAssertTrue(resolved.provenance.hasPrefix("cpu: "), resolved.provenance)
    }

    func testAutoFallsBackToTheCPUWithOneLineNoticeWithoutAGPU() throws {
        try XCTSkipIf(Self.gpuPresent, "a CUDA device is present: auto resolves to it (checked in testAutoPicksTheGPUWhenPresent)")
        let resolved = try Backend.resolve(.auto)
        XCTAssertEqual(resolved.kind, .cpu)
        let notice = try XCTUnwrap(resolved.notice)
        XCTAssertFalse(notice.contains("\n"), "the notice is one line: \(notice)")
        XCTAssertTrue(notice.contains("CPU"), notice)
    }

    func testCUDAChoiceNamesTheMissingDriverLibraryWithoutAGPU() throws {
        try XCTSkipIf(Self.gpuPresent, "a CUDA device is present")
        XCTAssertThrowsError(try Backend.resolve(.cuda)) { error in
            let text = "\(error)"
            // With no driver installed at all, the first thing missing is libcuda.
            if case CUDAUnavailable.libraryMissing(let library, let sonames, _)? = error as? CUDAUnavailable,
               library.contains("libcuda") {
                XCTAssertTrue(sonames.contains("libcuda.so.1"))
                XCTAssertTrue(text.contains("libcuda.so.1"), text)
            } else {
                // A driver without a device (e.g. a container with the library) still explains itself.
                XCTAssertTrue(text.contains("CUDA backend unavailable"), text)
            }
        }
    }

    func testAutoPicksTheGPUWhenPresent() throws {
        try XCTSkipUnless(Self.gpuPresent, "no CUDA device on this machine: nothing to pick")
        let resolved = try Backend.resolve(.auto)
        XCTAssertEqual(resolved.kind, .cuda)
        let device = try XCTUnwrap(resolved.device)
        XCTAssertGreaterThanOrEqual(device.computeCapability.major, 6)
        XCTAssertTrue(resolved.provenance.contains(device.name))
    }

    /// TN_CUDA_EMULATE=1 makes the CUDA backend the CPU emulation of its
    /// kernels, for `cuda` and `auto`, with a notice that says so; `cpu`
    /// stays the CPU; anything but 0 or 1 is an error naming the variable.
    func testTheEmulationStandsInForTheGPUOnlyWhenAskedAndSaysSo() throws {
        let emulate = ["TN_CUDA_EMULATE": "1"]
        for choice in [BackendChoice.cuda, .auto] {
            let resolved = try Backend.resolve(choice, environment: emulate)
            XCTAssertEqual(resolved.kind, .cuda, "\(choice)")
            XCTAssertEqual(resolved.provenance, "cuda: CPU emulation of the CUDA kernels (TN_CUDA_EMULATE=1)")
            let notice = try XCTUnwrap(resolved.notice)
            XCTAssertTrue(notice.hasPrefix("note: TN_CUDA_EMULATE=1:") && !notice.contains("\n"), notice)
        }
        XCTAssertEqual(try Backend.resolve(.cpu, environment: emulate).kind, .cpu)
        XCTAssertNil(try Backend.resolve(.cpu, environment: emulate).notice)
        XCTAssertFalse(try Backend.emulatesCUDA(environment: [:]))
        XCTAssertFalse(try Backend.emulatesCUDA(environment: ["TN_CUDA_EMULATE": "0"]))
        XCTAssertThrowsError(try Backend.resolve(.cuda, environment: ["TN_CUDA_EMULATE": "yes"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_EMULATE=yes: must be 1"), "\(error)")
        }
        if !Self.gpuPresent {
            XCTAssertThrowsError(try Backend.resolve(.cuda, environment: ["TN_CUDA_EMULATE": "0"]), "0 is the GPU, which is absent")
        }
    }

    func testMissingLibraryReportsEverySonameTried() {
        let result = DynamicLibrary.open(firstOf: ["libteaching-networks-absent.so.9", "libteaching-networks-absent.so"])
        guard case .failure(let error) = result else { return XCTFail("an absent library opened") }
        XCTAssertEqual(error.reasons.count, 2)
        XCTAssertTrue(error.description.contains("libteaching-networks-absent.so.9"))
    }

    func testCPUModelNameParsing() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        XCTAssertEqual(CPUDescription.parseModelName(cpuinfo: x86), "Intel(R) Xeon(R) Platinum 8480+")
        XCTAssertNil(CPUDescription.parseModelName(cpuinfo: "processor : 0\n"))
    }

    func testOutOfMemoryMessageStatesBothSizesAndASuggestion() {
        let error = DeviceOutOfMemory(requestedBytes: 3 << 30, freeBytes: 1 << 30, batchSize: 60_000, suggestedBatchSize: 16_384)
        let text = error.description
        XCTAssertTrue(text.contains("3.0 GiB"), text)
        XCTAssertTrue(text.contains("1.0 GiB"), text)
        XCTAssertTrue(text.contains("--batch-size 16384"), text)
    }
}
