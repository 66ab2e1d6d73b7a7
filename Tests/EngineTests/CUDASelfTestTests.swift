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

/// The CUDA trainer on the CPU emulation of the device: the same launch
/// sequences and graph replays as on a GPU, with the kernels' twins.
final class CUDAEmulatedTrainerTests: XCTestCase {
    func dataset(rows: Int, seed: UInt64) throws -> Dataset {
        let (inputs, labels) = BackendSelfTest.randomBatch(rows: rows, features: 24, classes: 10, seed: seed)
        return Dataset(inputs: try Tensor(shape: [rows, 24], values: inputs), labels: labels)
    }

    func testDivergenceIsReportedAtTheSameStepAsTheCPUTrainer() throws {
        let train = try dataset(rows: 300, seed: 1)
        let configuration = TrainingConfiguration(batchSize: 32, epochs: 4, seed: 2, scale: .full)
        let cpu = Trainer(model: Sequential.perceptron(sizes: [24, 64, 10], seed: 5), optimizer: SGD<Float>(learningRate: 1e30))
            .fit(train: train, configuration: configuration)
        let gpu = try CUDATrainer(model: Sequential.perceptron(sizes: [24, 64, 10], seed: 5), optimizer: .sgd(learningRate: 1e30),
                                  options: CUDATrainingOptions(stepsPerGraph: 4), device: EmulatedDevice())
            .fit(train: train, configuration: configuration)
        let divergence = try XCTUnwrap(cpu.divergence, "a learning rate of 1e30 diverges on the CPU")
        XCTAssertEqual(gpu.divergence, divergence)
        XCTAssertEqual(gpu.totalSteps, cpu.totalSteps)
    }

    func testTrainingWithDropoutAndAdamLowersTheLossAndReturnsTheParameters() throws {
        let train = try dataset(rows: 256, seed: 3), test = try dataset(rows: 64, seed: 4)
        let model = Sequential.perceptron(sizes: [24, 64, 10], dropout: [0.2], seed: 6)
        let before = model.parameterSnapshot()
        let result = try CUDATrainer(model: model, optimizer: .adam(learningRate: 3e-3), device: EmulatedDevice())
            .fit(train: train, test: test, configuration: TrainingConfiguration(batchSize: 16, epochs: 5, seed: 1, scale: .full))
        XCTAssertEqual(result.epochs.count, 5)
        XCTAssertEqual(result.totalSteps, 5 * 16)
        XCTAssertLessThan(result.trainLosses.last!, result.trainLosses.first! * 0.9, "\(result.trainLosses)")
        XCTAssertNotNil(result.finalTestLoss)
        XCTAssertNotEqual(model.parameterSnapshot(), before, "the trained parameters are copied back into the model")
    }

    func testOutOfMemoryBeforeAllocatingNamesTheSizes() throws {
        let device = EmulatedDevice(freeBytes: 8 << 20)
        let model = Sequential.tutorialNetwork()
        XCTAssertThrowsError(try CUDANetwork(context: device, plan: try NetworkPlan(model), optimizer: .adam(), batchCapacity: 60_000)) { error in
            guard let oom = error as? DeviceOutOfMemory else { return XCTFail("\(error)") }
            XCTAssertEqual(oom.freeBytes, 8 << 20)
            XCTAssertGreaterThan(oom.requestedBytes, oom.freeBytes)
            XCTAssertEqual(oom.suggestedBatchSize, 0, "Adam's state for 935,434 parameters alone exceeds 8 MiB")
        }
        device.freeBytes = 64 << 20
        XCTAssertThrowsError(try CUDANetwork(context: device, plan: try NetworkPlan(model), optimizer: .sgd(learningRate: 0.1), batchCapacity: 60_000)) { error in
            let oom = error as! DeviceOutOfMemory
            XCTAssertGreaterThan(oom.suggestedBatchSize, 0)
            // The suggestion fits.
            XCTAssertNoThrow(try CUDANetwork(context: device, plan: try NetworkPlan(model), optimizer: .sgd(learningRate: 0.1),
                                             batchCapacity: oom.suggestedBatchSize))
        }
    }
}
