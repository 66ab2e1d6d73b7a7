// The self-test itself: its CPU half runs everywhere; its CUDA half runs only
// where a GPU is present and otherwise skips, saying why.
import XCTest
@testable import Engine

final class CUDASelfTestTests: XCTestCase {
    func testCPUSelfTestPasses() throws {
        let checks = try BackendSelfTest.runCPU(seed: 3)
        XCTAssertGreaterThanOrEqual(checks.count, 8)
        for check in checks { XCTAssertTrue(check.passed, "\(check)") }
    }

    func testRelativeErrorIsNormwiseAndCatchesDifferences() {
        XCTAssertEqual(BackendSelfTest.relativeError([1, 2, 4], [1, 2, 4]), 0)
        XCTAssertEqual(BackendSelfTest.relativeError([1, 2, 4.5], [1, 2, 4]), 0.125, accuracy: 1e-12)
        XCTAssertEqual(BackendSelfTest.relativeError([1], [1, 2]), .infinity, "a length mismatch never passes")
    }

    func testRandomBatchesHaveNoZeros() {
        let (inputs, labels) = BackendSelfTest.randomBatch(rows: 50, features: 24, classes: 10, seed: 1)
        XCTAssertFalse(inputs.contains(0))
        XCTAssertTrue(inputs.contains { $0 < 0 } && inputs.contains { $0 > 0 })
        XCTAssertTrue(labels.allSatisfy { (0..<10).contains($0) })
    }

    func testMemoryPlanGrowsByRowAndSuggestsAFittingBatch() throws {
        let plan = try NetworkPlan(Sequential.tutorialNetwork())
        let sgd = CUDANetwork.memoryNeeded(plan: plan, optimizer: .sgd(learningRate: 0.1))
        let adam = CUDANetwork.memoryNeeded(plan: plan, optimizer: .adam())
        XCTAssertEqual(sgd.fixed, 4 * 935_434 * 2 + 16 + 32, "parameters and gradients, no state for plain SGD")
        XCTAssertEqual(adam.fixed - sgd.fixed, 4 * 935_434 * 2, "Adam keeps two moments")
        // Input 784, nine 512-wide activations, logits, two 784-wide scratch
        // gradients, LayerNorm statistics, a label and a row loss per row.
        XCTAssertEqual(sgd.perRow, 4 * 784 + 2 * 4 * 784 + 8 + 4 * (512 * 9 + 10) + 3 * 8)
    }

    func testKernelCacheNameNamesDeviceArchitectureAndSourceHash() {
        let name = KernelCompiler.cacheFileName(deviceName: "NVIDIA H100 80GB HBM3", architecture: 90,
                                                source: "kernel a", compilerVersion: "12.4")
        XCTAssertTrue(name.hasPrefix("NVIDIA-H100-80GB-HBM3-sm90-"), name)
        XCTAssertTrue(name.hasSuffix(".cubin"))
        XCTAssertNotEqual(name, KernelCompiler.cacheFileName(deviceName: "NVIDIA H100 80GB HBM3", architecture: 90,
                                                             source: "kernel b", compilerVersion: "12.4"))
        XCTAssertNotEqual(name, KernelCompiler.cacheFileName(deviceName: "NVIDIA H100 80GB HBM3", architecture: 90,
                                                             source: "kernel a", compilerVersion: "13.0"))
        XCTAssertFalse(name.contains("/"))
    }

    func testCUDATrainerWithoutAGPUIsAClearError() throws {
        try XCTSkipIf(CUDABackendTests.gpuPresent, "a CUDA device is present (testCUDASelfTestPassesOnTheGPU runs instead)")
        XCTAssertThrowsError(try CUDATrainer(model: Sequential.perceptron(sizes: [4, 8, 3]), optimizer: .sgd(learningRate: 0.1))) { error in
            XCTAssertTrue("\(error)".contains("CUDA backend unavailable"), "\(error)")
        }
    }

    func testCUDASelfTestPassesOnTheGPU() throws {
        try XCTSkipUnless(CUDABackendTests.gpuPresent, "no CUDA device on this machine: the GPU self-test needs libcuda.so.1 and a device")
        let (device, checks) = try BackendSelfTest.runCUDA(seed: 2)
        XCTAssertFalse(device.name.isEmpty)
        for check in checks { XCTAssertTrue(check.passed, "\(check)") }
    }
}
