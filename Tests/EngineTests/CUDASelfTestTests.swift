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

    /// The TF32 run's checks (the networks without ReLU, the twin stepping on
    /// the device's gradients) on the CPU emulation, which computes exactly:
    /// every check runs and passes, and each names what it compared.
    func testTheTF32ChecksRunAndPassOnTheEmulatedDevice() throws {
        let checks = try BackendSelfTest.runDevice(EmulatedDevice(), seed: 2, tf32: true)
        for check in checks { XCTAssertTrue(check.passed, "\(check)") }
        XCTAssertEqual(checks.filter { $0.name.contains("(no ReLU)") }.count, 20, "five one-batch checks at each of four batch sizes")
        XCTAssertEqual(checks.filter { $0.name.contains("(on the GPU's TF32 gradients)") }.count, 15,
                       "13 optimizers, the clipped run and its norm")
        let smooth = BackendSelfTest.smoothModels(seed: 2)
        XCTAssertFalse(smooth.plain.layers.contains { $0 is ReLU })
        XCTAssertEqual(smooth.dropout.layers.filter { $0 is Dropout }.count, 2)
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
        // Parameters and gradients, no state for plain SGD; counters and
        // accumulators; the step scalars with one rate and the clipping
        // partials; one block's LayerNorm partial sums (3 × 784 floats) to
        // round the per-row share up.
        XCTAssertEqual(sgd.fixed, 4 * 935_434 * 2 + 16 + 32 + 8 * (8 + 1 + 128) + 3 * 4 * 784, "no state for plain SGD")
        XCTAssertEqual(adam.fixed - sgd.fixed, 4 * 935_434 * 2, "Adam keeps two moments")
        // Input 784, nine 512-wide activations, logits, two 784-wide scratch
        // gradients, LayerNorm statistics, a label and a row loss per row,
        // and a 32nd of a block of LayerNorm partial sums.
        XCTAssertEqual(sgd.perRow, 4 * 784 + 2 * 4 * 784 + 8 + 4 * (512 * 9 + 10) + 3 * 8 + (3 * 4 * 784 + 31) / 32)
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

    /// Trains the same plain network on the CPU and on the emulated device.
    func bothTrainers(_ optimizer: DeviceOptimizer, _ configuration: TrainingConfiguration, rows: Int = 300)
        throws -> (cpu: TrainingResult, gpu: TrainingResult, cpuModel: Sequential, gpuModel: Sequential) {
        let train = try dataset(rows: rows, seed: 1), test = try dataset(rows: 64, seed: 8)
        let cpuModel = Sequential.perceptron(sizes: [24, 64, 10], seed: 5), gpuModel = Sequential.perceptron(sizes: [24, 64, 10], seed: 5)
        let cpu = Trainer(model: cpuModel, optimizer: optimizer.engineOptimizer()).fit(train: train, test: test, configuration: configuration)
        let gpu = try CUDATrainer(model: gpuModel, optimizer: optimizer, options: CUDATrainingOptions(stepsPerGraph: 4), device: EmulatedDevice())
            .fit(train: train, test: test, configuration: configuration)
        return (cpu, gpu, cpuModel, gpuModel)
    }

    func curve(_ result: TrainingResult) -> [Float] { (result.trainLosses + result.testLosses).map(Float.init) }

    func testScheduleRatesReachTheDeviceStepByStep() throws {
        // A warm-up over the first 12 steps (the epoch has 10), so rates change within and across epochs.
        let scheduled = TrainingConfiguration(batchSize: 32, epochs: 3, seed: 2, learningRateSchedule: LinearWarmup(steps: 12), scale: .full)
        let constant = TrainingConfiguration(batchSize: 32, epochs: 3, seed: 2, scale: .full)
        let withSchedule = try bothTrainers(.radam(learningRate: 1e-2), scheduled)
        let without = try bothTrainers(.radam(learningRate: 1e-2), constant)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(curve(withSchedule.gpu), curve(withSchedule.cpu)), 1e-5)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(withSchedule.gpuModel.parameterSnapshot(), withSchedule.cpuModel.parameterSnapshot()), 1e-4)
        XCTAssertGreaterThan(BackendSelfTest.relativeError(curve(withSchedule.gpu), curve(without.gpu)), 1e-3,
                             "the warm-up changes the run")
    }

    func testClippingOnTheDeviceMatchesTheCPUTrainer() throws {
        let clipped = TrainingConfiguration(batchSize: 32, epochs: 2, seed: 2, clipNorm: 0.05, scale: .full)
        let free = TrainingConfiguration(batchSize: 32, epochs: 2, seed: 2, scale: .full)
        let withClipping = try bothTrainers(.sgd(learningRate: 0.5, momentum: 0.9), clipped)
        let without = try bothTrainers(.sgd(learningRate: 0.5, momentum: 0.9), free)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(curve(withClipping.gpu), curve(withClipping.cpu)), 1e-5)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(withClipping.gpuModel.parameterSnapshot(), withClipping.cpuModel.parameterSnapshot()), 1e-4)
        XCTAssertGreaterThan(BackendSelfTest.relativeError(curve(withClipping.gpu), curve(without.gpu)), 1e-3, "clipping to 0.05 changes the run")
    }

    func testAFiniteLossAboveTheLimitStopsTrainingWhereTheCPUTrainerStops() throws {
        // With lr 10 the batch losses go 2.3, 11.6, 10.9, 47.5, 3.4e3, …: step 4 passes 40.
        let configuration = TrainingConfiguration(batchSize: 32, epochs: 3, seed: 2, divergenceLoss: 40, scale: .full)
        let run = try bothTrainers(.sgd(learningRate: 10), configuration)
        let expected = try XCTUnwrap(run.cpu.divergence, "lr 10 passes a loss of 40 on the CPU")
        let actual = try XCTUnwrap(run.gpu.divergence)
        XCTAssertTrue(expected.loss.isFinite && expected.loss > 40, "\(expected.loss)")
        XCTAssertEqual(expected.step, 4)
        XCTAssertEqual([actual.epoch, actual.step, actual.globalStep], [expected.epoch, expected.step, expected.globalStep])
        XCTAssertEqual(actual.loss, expected.loss, accuracy: 1e-4 * expected.loss)
        XCTAssertEqual(run.gpu.epochs.count, run.cpu.epochs.count)
        // No update at or after the diverged step: the parameters are the CPU Trainer's.
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(run.gpuModel.parameterSnapshot(), run.cpuModel.parameterSnapshot()), 1e-4)
    }

    func testStepEventsAndGradientNormsOnTheDeviceMatchTheCPUTrainersWithAndWithoutClipping() throws {
        for clipNorm in [nil, 0.5] as [Double?] {
            let configuration = TrainingConfiguration(batchSize: 32, epochs: 2, seed: 2, clipNorm: clipNorm,
                                                      recordsGradientNorms: true, scale: .full)
            let train = try dataset(rows: 300, seed: 1)
            var cpuNorms: [Double] = [], gpuNorms: [Double] = [], cpuLosses: [Double] = [], gpuLosses: [Double] = []
            var steps: [[Int]] = [], cpuOrder: [String] = [], gpuOrder: [String] = []
            func kind(_ event: TrainingEvent) -> String {
                switch event {
                case .step(let epoch, let step, _, _): return "step \(epoch).\(step)"
                case .gradientNorm(let epoch, let step, _): return "norm \(epoch).\(step)"
                case .epochEnded(let metrics): return "epoch \(metrics.epoch)"
                case .diverged: return "diverged"
                }
            }
            Trainer(model: Sequential.perceptron(sizes: [24, 64, 10], seed: 5), optimizer: SGD<Float>(learningRate: 0.1, momentum: 0.9))
                .fit(train: train, configuration: configuration) { event in
                    cpuOrder.append(kind(event))
                    if case .gradientNorm(_, _, let norm) = event { cpuNorms.append(norm) }
                    if case .step(_, _, _, let loss) = event { cpuLosses.append(loss) }
                }
            try CUDATrainer(model: Sequential.perceptron(sizes: [24, 64, 10], seed: 5), optimizer: .sgd(learningRate: 0.1, momentum: 0.9),
                            options: CUDATrainingOptions(stepsPerGraph: 4), device: EmulatedDevice())
                .fit(train: train, configuration: configuration) { event in
                    gpuOrder.append(kind(event))
                    if case .gradientNorm(let epoch, let step, let norm) = event { gpuNorms.append(norm); steps.append([epoch, step]) }
                    if case .step(_, _, _, let loss) = event { gpuLosses.append(loss) }
                }
            XCTAssertEqual(gpuOrder, cpuOrder, "the same events in the same order")
            XCTAssertEqual(gpuNorms.count, 2 * 10)
            XCTAssertEqual(steps.first, [1, 1]); XCTAssertEqual(steps.last, [2, 10])
            XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(gpuLosses.map(Float.init), cpuLosses.map(Float.init)), 1e-5)
            XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(gpuNorms.map(Float.init), cpuNorms.map(Float.init)), 1e-5,
                                     "clip \(clipNorm.map { "\($0)" } ?? "none"): \(gpuNorms) vs \(cpuNorms)")
            if let clipNorm { XCTAssertTrue(gpuNorms.contains { $0 > clipNorm }, "the norms are taken before clipping") }
        }
    }

    func testModelUpdateEveryBringsTheParametersBackForSnapshots() throws {
        let train = try dataset(rows: 128, seed: 3)
        let model = Sequential.perceptron(sizes: [24, 64, 10], seed: 6)
        let initial = model.parameterSnapshot()
        var seen: [Int: [Float]] = [:]
        try CUDATrainer(model: model, optimizer: .adam(learningRate: 1e-3), device: EmulatedDevice())
            .fit(train: train, configuration: TrainingConfiguration(batchSize: 32, epochs: 4, seed: 1, scale: .full),
                 modelUpdateEvery: 2) { event in
                if case .epochEnded(let metrics) = event { seen[metrics.epoch] = model.parameterSnapshot() }
            }
        XCTAssertEqual(seen[1], initial, "epoch 1 is not a snapshot epoch: the parameters stay on the device")
        XCTAssertNotEqual(seen[2], initial)
        XCTAssertEqual(seen[3], seen[2])
        XCTAssertNotEqual(seen[4], seen[2])
        XCTAssertEqual(seen[4], model.parameterSnapshot(), "the final parameters")
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

    /// A training step of the tutorial network is launch-bound at small
    /// batches, so its node count matters: the LayerNorm kernels take in the
    /// Linear bias before them and the ReLU-dropout after them (forward and
    /// backward, the bias's gradient included), the loss kernel the last
    /// Linear's bias and gradient and the loss sum, and the update the
    /// counters' advance, leaving 7 forward nodes, 1 for the loss, 10 backward
    /// and 1 for the update: 19 (20 with the trainer's gather), where the
    /// unfused sequence had 38 and the first fused one 26.
    func testATutorialNetworkStepIsNineteenNodes() throws {
        let device = EmulatedDevice()
        let network = try CUDANetwork(context: device, plan: try NetworkPlan(Sequential.tutorialNetwork()),
                                      optimizer: .sgd(learningRate: 0.1), batchCapacity: 4)
        var before = device.launches + device.products
        try network.enqueueForward(rows: 4, mode: .training, lastBiasToLoss: true)
        XCTAssertEqual(device.launches + device.products - before, 7, "four products, three fused LayerNorms")
        before = device.launches + device.products
        try network.enqueueTrainingStep(rows: 4)
        XCTAssertEqual(device.launches + device.products - before, 19)
        XCTAssertEqual(try CUDATrainer.graphNodesPerStep(model: .tutorialNetwork(), optimizer: .sgd(learningRate: 0.1)), 20,
                       "what tn bench reports: the step and the gather")
        // Forward alone, for evaluation, still adds the last bias itself.
        before = device.launches + device.products
        try network.enqueueForward(rows: 4, mode: .evaluation)
        XCTAssertEqual(device.launches + device.products - before, 8)
    }

    /// At batch 1 the row kernels take the steps (7 nodes for the tutorial
    /// network, the gather included): two epochs with dropout and Adam end
    /// where the general kernels' do, to rounding (their sums run in another
    /// order), and TN_CUDA_ROW_STEPS is 0 or 1 or a clear error.
    func testBatchOneStepsRunOnTheRowKernelsAndTrainAsTheGeneralKernelsDo() throws {
        // Plain SGD folds into the row kernels (6 nodes); an optimizer with state keeps its own update kernel (7).
        XCTAssertEqual(try CUDATrainer.graphNodesPerStep(model: .tutorialNetwork(), optimizer: .sgd(learningRate: 0.1), batchSize: 1), 6)
        XCTAssertEqual(try CUDATrainer.graphNodesPerStep(model: .tutorialNetwork(), optimizer: .sgd(learningRate: 0.1, momentum: 0.9),
                                                         batchSize: 1), 7)
        XCTAssertEqual(CUDANetwork.rowUpdateRuns(of: try NetworkPlan(.tutorialNetwork())),
                       [401_408, 1536, 665_088, 1536, 928_768, 1536, 930_304, 5130], "each hidden layer's bias, gain and shift; the last Linear")
        // Every launch of a row step may overlap the one before it (the six row kernels and the update); no general one does.
        let device = EmulatedDevice()
        let network = try CUDANetwork(context: device, plan: try NetworkPlan(.tutorialNetwork()), optimizer: .sgd(learningRate: 0.1),
                                      batchCapacity: 1)
        let data = try device.allocate(bytes: 4 * 784), labels = try device.allocate(bytes: 4), order = try device.allocate(bytes: 4)
        try device.upload([Int32(0)], to: labels.address)
        try device.upload([Int32(0)], to: order.address)
        try network.enqueueTrainingStep(rows: 1)
        XCTAssertEqual(device.overlappingLaunches, 0)
        try network.setCounters(stepInEpoch: 0, completedSteps: 1)  // order[0] again
        try network.enqueueRowTrainingStep(data: data.address, labels: labels.address, order: order.address)
        XCTAssertEqual(device.overlappingLaunches, 6, "the six row kernels, plain SGD fused into them")
        try network.setCounters(stepInEpoch: 0, completedSteps: 1)
        try network.enqueueRowTrainingStep(data: data.address, labels: labels.address, order: order.address, fusedUpdate: false)
        XCTAssertEqual(device.overlappingLaunches, 6 + 7, "and the update kernel")
        // Two blocks per multiprocessor (the emulation reports none: one) for
        // the kernels with backward parts, or TN_CUDA_ROW_BLOCKS of them; the
        // forward kernels keep a warp per output.
        XCTAssertEqual(device.blocksByKernel["row_head"], 2)
        XCTAssertEqual(device.blocksByKernel["row_hidden_backward"], 2)
        let wider = EmulatedDevice()
        let widerNetwork = try CUDANetwork(context: wider, plan: try NetworkPlan(.tutorialNetwork()),
                                           optimizer: .sgd(learningRate: 0.1), batchCapacity: 1,
                                           environment: ["TN_CUDA_ROW_BLOCKS": "3"])
        try widerNetwork.setCounters(stepInEpoch: 0, completedSteps: 1)
        try widerNetwork.enqueueRowTrainingStep(data: data.address, labels: labels.address, order: order.address)
        XCTAssertEqual(wider.blocksByKernel["row_head"], 3)
        XCTAssertEqual(wider.blocksByKernel["row_hidden_backward"], 3)
        XCTAssertEqual(wider.blocksByKernel["row_first_forward"], device.blocksByKernel["row_first_forward"])
        XCTAssertEqual(try CUDANetwork.rowBlocksSetting(environment: [:]), 2)
        XCTAssertEqual(try CUDANetwork.rowBlocksSetting(environment: ["TN_CUDA_ROW_BLOCKS": "1"]), 1)
        XCTAssertEqual(try CUDANetwork.rowBlocksSetting(environment: ["TN_CUDA_ROW_BLOCKS": " 2"]), 2)
        for bad in ["0", "5", "two", ""] {
            XCTAssertThrowsError(try CUDANetwork.rowBlocksSetting(environment: ["TN_CUDA_ROW_BLOCKS": bad])) { error in
                XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_ROW_BLOCKS=\(bad): must be a whole number from 1 to 4"), "\(error)")
            }
        }
        XCTAssertNotNil(CUDANetwork.rowLayers(of: try NetworkPlan(.tutorialNetwork())))
        XCTAssertEqual(CUDANetwork.rowLayers(of: try NetworkPlan(.tutorialNetwork())), CUDANetwork.RowLayers(hidden: [0, 3, 6], output: 9))
        XCTAssertNil(CUDANetwork.rowLayers(of: try NetworkPlan(.perceptron(sizes: [24, 16, 10], relu: false))), "no ReLU after the LayerNorm")
        XCTAssertNil(CUDANetwork.rowLayers(of: try NetworkPlan(.perceptron(sizes: [24, 10]))), "no hidden layer")
        XCTAssertNil(CUDANetwork.rowLayers(of: try NetworkPlan(.perceptron(sizes: [2000, 16, 10]))), "wider than the shared arrays")
        XCTAssertTrue(try CUDANetwork.rowStepsEnabled(environment: [:]))
        XCTAssertFalse(try CUDANetwork.rowStepsEnabled(environment: ["TN_CUDA_ROW_STEPS": "0"]))
        XCTAssertThrowsError(try CUDANetwork.rowStepsEnabled(environment: ["TN_CUDA_ROW_STEPS": "yes"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_ROW_STEPS=yes: must be 1"), "\(error)")
        }

        let train = try dataset(rows: 60, seed: 3), test = try dataset(rows: 20, seed: 4)
        let configuration = TrainingConfiguration(batchSize: 1, epochs: 2, seed: 2, evaluationBatchSize: 8, scale: .full)
        var results: [(parameters: [Float], losses: [Double], launches: [String: Int])] = []
        for rowKernels in [true, false] {
            let device = EmulatedDevice()
            let model = Sequential.perceptron(sizes: [24, 40, 32, 10], dropout: [0.3, 0.1], seed: 6)
            let result = try CUDATrainer(model: model, optimizer: .adam(learningRate: 1e-3),
                                         options: CUDATrainingOptions(stepsPerGraph: 8, rowKernels: rowKernels), device: device)
                .fit(train: train, test: test, configuration: configuration)
            results.append((model.parameterSnapshot(), result.trainLosses + result.testLosses, device.launchesByKernel))
        }
        let (rows, general) = (results[0], results[1])
        XCTAssertTrue(try CUDAContext.overlapSetting(environment: [:]))
        XCTAssertFalse(try CUDAContext.overlapSetting(environment: ["TN_CUDA_OVERLAP": "0"]))
        XCTAssertThrowsError(try CUDAContext.overlapSetting(environment: ["TN_CUDA_OVERLAP": "2"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_OVERLAP=2: must be 1"), "\(error)")
        }
        XCTAssertGreaterThan(rows.launches["row_head", default: 0], 0)
        XCTAssertNil(rows.launches["gather_batch"], "the row kernels gather the example themselves")
        XCTAssertNil(general.launches["row_head"])
        XCTAssertNotEqual(rows.parameters, general.parameters, "two ways of summing")
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(rows.parameters, general.parameters), 1e-4)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(rows.losses.map(Float.init), general.losses.map(Float.init)), 1e-4)

        // One hidden layer (the head is the only backward kernel; the update
        // stays in its own kernel) and three (two plain row_hidden_backward
        // kernels), with plain SGD: the row kernels against the general ones.
        for sizes in [[24, 16, 10], [24, 40, 32, 20, 10]] {
            var parameters: [[Float]] = []
            var updates: [Int] = []
            for rowKernels in [true, false] {
                let device = EmulatedDevice()
                let model = Sequential.perceptron(sizes: sizes, dropout: [0.2], seed: 8)
                try CUDATrainer(model: model, optimizer: .sgd(learningRate: 0.05),
                                options: CUDATrainingOptions(stepsPerGraph: 8, rowKernels: rowKernels), device: device)
                    .fit(train: train, test: test, configuration: configuration)
                parameters.append(model.parameterSnapshot())
                updates.append(device.launchesByKernel["sgd_update", default: 0])
            }
            XCTAssertNotEqual(parameters[0], parameters[1], "\(sizes): two ways of summing")
            XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(parameters[0], parameters[1]), 1e-4, "\(sizes)")
            XCTAssertEqual(updates[0] > 0, sizes.count == 3, "\(sizes): the update kernel runs only where it cannot be fused")
        }
    }

    /// A label outside the classes would make the loss kernel read past its
    /// row of logits on the GPU; the trainer refuses it first, naming it.
    func testALabelOutsideTheClassesIsAnErrorBeforeAnythingRuns() throws {
        let train = try dataset(rows: 40, seed: 1), valid = try dataset(rows: 16, seed: 2)
        var labels = valid.labels
        labels[7] = 10
        let test = Dataset(inputs: valid.inputs, labels: labels)
        let configuration = TrainingConfiguration(batchSize: 8, epochs: 1, scale: .full)
        XCTAssertThrowsError(try CUDATrainer(model: Sequential.perceptron(sizes: [24, 16, 10], seed: 5), optimizer: .sgd(learningRate: 0.1),
                                             device: EmulatedDevice()).fit(train: train, test: test, configuration: configuration)) { error in
            XCTAssertEqual(error as? LabelOutOfRange, LabelOutOfRange(set: "test", example: 7, label: 10, classes: 10))
            XCTAssertEqual("\(error)", "test example 7 has label 10, outside the model's 10 classes 0…9; labels must be class indices")
        }
    }

    /// TN_CUDA_KERNEL_DEFINES puts a #define before the module for each name
    /// (NAME or NAME=VALUE), and says which item is wrong otherwise.
    func testKernelDefinesComeBeforeTheModuleSource() throws {
        XCTAssertEqual(try KernelSource.moduleSource(environment: [:]), KernelSource.source)
        XCTAssertEqual(try KernelSource.moduleSource(environment: ["TN_CUDA_KERNEL_DEFINES": ""]), KernelSource.source)
        XCTAssertEqual(try KernelSource.moduleSource(environment: ["TN_CUDA_KERNEL_DEFINES": "ROW_UNBATCHED_LN  ROW_UPDATE_BATCH=4"]),
                       "#define ROW_UNBATCHED_LN\n#define ROW_UPDATE_BATCH 4\n" + KernelSource.source)
        for bad in ["4X", "A-B", "A=", "=3"] {
            XCTAssertThrowsError(try KernelSource.moduleSource(environment: ["TN_CUDA_KERNEL_DEFINES": "OK \(bad)"])) { error in
                XCTAssertEqual("\(error)", "TN_CUDA_KERNEL_DEFINES=OK \(bad): '\(bad)' is not NAME or NAME=VALUE (a C identifier, "
                               + "then optionally = and a value); separate several with spaces")
            }
        }
    }

    /// TN_CUDA_LAYER_NORM_ROWS picks the LayerNorm backward's rows per block
    /// (for timing variants on a GPU); the network trains alike with any.
    func testLayerNormRowsPerBlockComesFromTheEnvironmentAndChangesOnlyRounding() throws {
        // By default from the batch: over 132 SMs, 8 rows at batch 32 and 512, 15 at 2,048, 32 at 10,000.
        for (batch, rows) in [(1, 8), (32, 8), (512, 8), (2048, 15), (10_000, 32)] {
            XCTAssertEqual(try CUDANetwork.layerNormRows(environment: [:], batchSize: batch, multiprocessors: 132), rows, "batch \(batch)")
        }
        XCTAssertEqual(try CUDANetwork.layerNormRows(environment: ["TN_CUDA_LAYER_NORM_ROWS": "4"], batchSize: 10_000, multiprocessors: 132), 4)
        for bad in ["0", "33", "four", ""] {
            XCTAssertThrowsError(try CUDANetwork.layerNormRows(environment: ["TN_CUDA_LAYER_NORM_ROWS": bad], batchSize: 1,
                                                               multiprocessors: 1)) { error in
                XCTAssertTrue("\(error)".hasPrefix("TN_CUDA_LAYER_NORM_ROWS=\(bad): must be a whole number from 1 to 32"), "\(error)")
            }
        }
        let model = Sequential.perceptron(sizes: [24, 64, 48, 10], dropout: [0.3], seed: 4)
        let (inputs, labels) = BackendSelfTest.randomBatch(rows: 70, features: 24, classes: 10, seed: 9)
        var gradients: [[Float]] = []
        for rowsPerBlock in [32, 5, 1] {
            let device = EmulatedDevice()
            let network = try CUDANetwork(context: device, plan: try NetworkPlan(model), optimizer: .sgd(learningRate: 0.1),
                                          batchCapacity: 70, layerNormRowsPerBlock: rowsPerBlock)
            try network.uploadParameters(model.parameterSnapshot())
            try device.upload(inputs, to: network.inputBuffer.address)
            try device.upload(labels, to: network.labels.address)
            try network.enqueueForwardAndBackward(rows: 70)
            gradients.append(try network.downloadGradients())
        }
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(gradients[1], gradients[0]), 1e-5)
        XCTAssertLessThanOrEqual(BackendSelfTest.relativeError(gradients[2], gradients[0]), 1e-5)
        XCTAssertNotEqual(gradients[2], gradients[0], "one row per block sums in another order")
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
