// `tn selftest`: checks a backend against the CPU engine on random inputs
// (never zeros). With the CPU it checks the kernels' CPU twins against the
// engine's layers; with CUDA it checks the GPU against both: the forward
// pass, every gradient, 10 steps of each optimizer, a short training run
// through CUDA graphs, and the out-of-memory error.
//
// Errors are normwise: max |a − b| over a buffer, divided by max |b|.

public struct SelfTestCheck: Sendable, CustomStringConvertible {
    public var name: String
    public var error: Double
    public var tolerance: Double
    public var passed: Bool { error <= tolerance }
    public var description: String {
        let value = error.isFinite ? String(format: "%.2e", error) : "\(error)"
        return "\(passed ? "ok  " : "FAIL") \(name): relative error \(value) (limit \(String(format: "%.0e", tolerance)))"
    }
}

public enum BackendSelfTest {
    static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return .infinity }
        let scale = Double(b.map { abs($0) }.max() ?? 0)
        let difference = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
        return difference == 0 ? 0 : difference / max(scale, 1e-30)
    }

    static func randomBatch(rows: Int, features: Int, classes: Int, seed: UInt64) -> ([Float], [Int32]) {
        var generator = RandomGenerator(seed: seed)
        // Uniform in ±[0.1, 2]: random signs, no zeros.
        let inputs = (0..<(rows * features)).map { _ -> Float in
            let magnitude = generator.uniform(0.1, 2)
            return generator.next() & 1 == 0 ? magnitude : -magnitude
        }
        return (inputs, (0..<rows).map { _ in Int32(generator.next() % UInt64(classes)) })
    }

    /// The networks the checks use: a 300-wide layer exercises the kernels'
    /// strided reductions; the dropout network the Philox masks.
    static func models(seed: UInt64) -> (plain: Sequential, dropout: Sequential) {
        (Sequential.perceptron(sizes: [24, 300, 48, 10], seed: seed),
         Sequential.perceptron(sizes: [24, 300, 48, 10], dropout: [0.4, 0.2], seed: seed))
    }

    /// The same networks without ReLU, for the TF32 checks of one batch. TF32
    /// rounds the products' operands to 10 bits (about 5e-4), which moves some
    /// pre-activations across zero; ReLU then zeroes or passes a whole
    /// gradient entry, so the gradients of a ReLU network differ from FP32's by
    /// several 1e-2 at random points however right the kernels are (a NumPy
    /// model of TF32 rounding shows the same: 1e-2 to 4e-2 at batch 64 and
    /// 512). Without ReLU the network is smooth and TF32's error stays near
    /// 1e-3. The kernels are the same in both modes, and the FP32 run checks
    /// ReLU to 1e-4.
    static func smoothModels(seed: UInt64) -> (plain: Sequential, dropout: Sequential) {
        (Sequential.perceptron(sizes: [24, 300, 48, 10], relu: false, seed: seed),
         Sequential.perceptron(sizes: [24, 300, 48, 10], dropout: [0.4, 0.2], relu: false, seed: seed))
    }

    /// The engine's forward pass and gradients for one batch.
    static func engineReference(_ model: Sequential, inputs: [Float], labels: [Int32], rows: Int) -> (logits: [Float], gradients: [Float]) {
        let input = Tensor(shape: [rows, model.inputFeatures])
        inputs.withUnsafeBufferPointer { input.data.update(from: $0.baseAddress!, count: inputs.count) }
        let logits = model.forward(input.matrix(), mode: .training)
        let loss = SoftmaxCrossEntropy(classCount: model.outputFeatures)
        let (_, dLogits) = labels.withUnsafeBufferPointer { loss.lossAndGradient(logits: logits, labels: $0.baseAddress!) }
        let logitValues = logits.array
        model.backward(dLogits)
        withExtendedLifetime(input) {}
        return (logitValues, model.gradients.array)
    }

    /// Every update kernel and every variant flag, with weight decay where the
    /// optimizer has it. Ten steps take RAdam through both of its branches.
    static let optimizers: [DeviceOptimizer] = [
        .sgd(learningRate: 0.05),
        .sgd(learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3),
        .sgd(learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true),
        .adam(learningRate: 1e-3, weightDecay: 1e-2),
        .adam(learningRate: 1e-3, weightDecay: 1e-2, decoupled: true),
        .adam(learningRate: 1e-3, decoupled: true, amsgrad: true),
        .rmsprop(learningRate: 1e-3, weightDecay: 1e-3),
        .rmsprop(learningRate: 1e-3, momentum: 0.9, centered: true),
        .adagrad(learningRate: 0.05, learningRateDecay: 1e-2, weightDecay: 1e-3, initialAccumulatorValue: 0.1),
        .adadelta(learningRate: 1, weightDecay: 1e-3),
        .adamax(learningRate: 2e-3, weightDecay: 1e-3),
        .nadam(learningRate: 2e-3, weightDecay: 1e-3),
        .radam(learningRate: 1e-3, weightDecay: 1e-3),
    ]

    /// Ten steps of the twin of `optimizer` (clipping to `clipNorm` when set)
    /// against the engine's own optimizer and clipGlobalNorm, on the network
    /// without dropout, whose gradients the twin and the engine agree on.
    static func twinStepsAgainstEngine(_ optimizer: DeviceOptimizer, clipNorm: Double? = nil, seed: UInt64) throws -> SelfTestCheck {
        let model = models(seed: seed).plain
        let twin = TwinNetwork(plan: try NetworkPlan(model), parameters: model.parameterSnapshot())
        twin.clipNorm = clipNorm
        var engine = optimizer.engineOptimizer()
        for step in 0..<10 {
            let (inputs, labels) = randomBatch(rows: 16, features: 24, classes: 10, seed: seed &+ 100 &+ UInt64(step))
            _ = engineReference(model, inputs: inputs, labels: labels, rows: 16)
            if let clipNorm { clipGlobalNorm(model.gradients.buffer, maxNorm: clipNorm) }
            engine.step(parameters: model.parameters.buffer, gradients: UnsafeBufferPointer(model.gradients.buffer))
            _ = twin.forward(inputs, rows: 16, mode: .training)
            twin.backward(labels: labels)
            twin.step(optimizer)
        }
        let clipping = clipNorm.map { ", clipped to norm \($0)" } ?? ""
        return SelfTestCheck(name: "twin 10 steps of \(optimizer.name)\(clipping) vs engine",
                             error: relativeError(twin.parameters, model.parameterSnapshot()), tolerance: 1e-4)
    }

    // MARK: CPU

    /// The CPU twins against the engine's layers and Philox's known answers.
    public static func runCPU(seed: UInt64 = 1) throws -> [SelfTestCheck] {
        var checks: [SelfTestCheck] = []
        let bits = Philox.generate(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        checks.append(SelfTestCheck(name: "Philox-4x32-10 known answer (Random123)",
                                    error: [bits.0, bits.1, bits.2, bits.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1] ? 0 : 1,
                                    tolerance: 0))
        for rows in [1, 7, 64] {
            let model = models(seed: seed).plain
            let twin = TwinNetwork(plan: try NetworkPlan(model), parameters: model.parameterSnapshot())
            let (inputs, labels) = randomBatch(rows: rows, features: 24, classes: 10, seed: seed &+ UInt64(rows))
            let reference = engineReference(model, inputs: inputs, labels: labels, rows: rows)
            let logits = twin.forward(inputs, rows: rows, mode: .training)
            twin.backward(labels: labels)
            checks.append(SelfTestCheck(name: "twin forward vs engine, batch \(rows)", error: relativeError(logits, reference.logits), tolerance: 1e-4))
            checks.append(SelfTestCheck(name: "twin gradients vs engine, batch \(rows)", error: relativeError(twin.gradients, reference.gradients), tolerance: 1e-4))
        }
        // Ten steps of every optimizer: the twins' updates against the engine's optimizers.
        for optimizer in optimizers {
            checks.append(try twinStepsAgainstEngine(optimizer, seed: seed))
        }
        checks.append(try twinStepsAgainstEngine(.sgd(learningRate: 0.05, momentum: 0.9), clipNorm: 0.5, seed: seed))
        return checks + (try runEmulated(seed: seed))
    }

    // MARK: CUDA

    /// The GPU against the twins and the engine. Throws `CUDAUnavailable`
    /// without a GPU. Under TN_CUDA_EMULATE=1, the emulation against them
    /// (which has no TF32: its products are FP32 whatever is asked).
    public static func runCUDA(seed: UInt64 = 1, tf32: Bool = false) throws -> (device: DeviceDescription, checks: [SelfTestCheck]) {
        if try Backend.emulatesCUDA() {
            let device = EmulatedDevice()
            return (device.device, try runDevice(device, seed: seed, tf32: tf32))
        }
        let context = try CUDAContext(tf32: tf32, synchronizeAfterLaunch: true)
        return (context.device, try runDevice(context, seed: seed, tf32: tf32))
    }

    /// The GPU checks with the CPU emulation of the device (EmulatedDevice):
    /// the CUDA network's and trainer's launch sequences, run on the twins.
    public static func runEmulated(seed: UInt64 = 1) throws -> [SelfTestCheck] {
        try runDevice(EmulatedDevice(), seed: seed, tf32: false).map { check in
            var check = check
            check.name = "emulated: " + check.name
            return check
        }
    }

    static func runDevice(_ context: KernelDevice, seed: UInt64, tf32: Bool) throws -> [SelfTestCheck] {
        let tolerance = tf32 ? 1e-2 : 1e-4
        var checks: [SelfTestCheck] = []
        // With TF32, the one-batch checks use the networks without ReLU (see smoothModels).
        let smooth = tf32 ? " (no ReLU)" : ""
        for rows in [1, 7, 64, 512] {
            let (plainModel, dropoutModel) = tf32 ? smoothModels(seed: seed) : models(seed: seed)
            let (inputs, labels) = randomBatch(rows: rows, features: 24, classes: 10, seed: seed &+ UInt64(rows))
            // Without dropout: the GPU against the engine itself.
            let reference = engineReference(plainModel, inputs: inputs, labels: labels, rows: rows)
            let plain = try CUDANetwork(context: context, plan: try NetworkPlan(plainModel), optimizer: .sgd(learningRate: 0), batchCapacity: rows)
            try plain.uploadParameters(plainModel.parameterSnapshot())
            try context.upload(inputs, to: plain.inputBuffer.address)
            try context.upload(labels, to: plain.labels.address)
            try plain.enqueueForward(rows: rows, mode: .training)
            let logits = try plain.downloadLogits(rows: rows)
            try plain.enqueueLossAndBackward(rows: rows)
            checks.append(SelfTestCheck(name: "GPU forward vs engine\(smooth), batch \(rows)", error: relativeError(logits, reference.logits), tolerance: tolerance))
            checks.append(SelfTestCheck(name: "GPU gradients vs engine\(smooth), batch \(rows)", error: relativeError(try plain.downloadGradients(), reference.gradients), tolerance: tolerance))

            // With dropout: the GPU against its twin, same Philox masks at step 5.
            let plan = try NetworkPlan(dropoutModel)
            let twin = TwinNetwork(plan: plan, parameters: dropoutModel.parameterSnapshot())
            twin.completedSteps = 5
            let twinLogits = twin.forward(inputs, rows: rows, mode: .training)
            let twinLoss = twin.backward(labels: labels)
            let network = try CUDANetwork(context: context, plan: plan, optimizer: .sgd(learningRate: 0), batchCapacity: rows)
            try network.uploadParameters(dropoutModel.parameterSnapshot())
            try network.setCounters(stepInEpoch: 0, completedSteps: 5)
            try context.upload(inputs, to: network.inputBuffer.address)
            try context.upload(labels, to: network.labels.address)
            try network.enqueueForward(rows: rows, mode: .training)
            let gpuLogits = try network.downloadLogits(rows: rows)
            try network.enqueueLossAndBackward(rows: rows)
            let gpuLoss = try network.readAccumulators()[KernelSource.Accumulator.trainingLossSum]
            checks.append(SelfTestCheck(name: "GPU forward with dropout vs twin\(smooth), batch \(rows)", error: relativeError(gpuLogits, twinLogits), tolerance: tolerance))
            checks.append(SelfTestCheck(name: "GPU loss with dropout vs twin\(smooth), batch \(rows)", error: abs(gpuLoss - twinLoss) / max(abs(twinLoss), 1e-30), tolerance: tolerance))
            checks.append(SelfTestCheck(name: "GPU gradients with dropout vs twin\(smooth), batch \(rows)", error: relativeError(try network.downloadGradients(), twin.gradients), tolerance: tolerance))
        }

        // Ten steps of each optimizer, a new random batch each step, dropout
        // on; and once more with clipping (to a norm below the gradients').
        // With TF32 the twin takes each step from the GPU's own gradients:
        // RMSprop, and Adam in its first steps, move every parameter by about
        // the learning rate whatever its gradient's size, so TF32's rounding of
        // a gradient near zero can flip a whole step, and ten steps of it
        // cannot be compared with FP32's. The update kernels are checked that
        // way, and the gradients by the checks above.
        for (optimizer, clipNorm) in optimizers.map({ ($0, nil as Double?) }) + [(.adam(learningRate: 1e-3), 0.5)] {
            let model = models(seed: seed).dropout
            let plan = try NetworkPlan(model)
            let twin = TwinNetwork(plan: plan, parameters: model.parameterSnapshot())
            twin.clipNorm = clipNorm
            let network = try CUDANetwork(context: context, plan: plan, optimizer: optimizer, batchCapacity: 32)
            network.clipNorm = clipNorm
            try network.uploadParameters(model.parameterSnapshot())
            try network.setCounters(stepInEpoch: 0, completedSteps: 0)
            for step in 0..<10 {
                let (inputs, labels) = randomBatch(rows: 32, features: 24, classes: 10, seed: seed &+ 1000 &+ UInt64(step))
                if !tf32 {
                    _ = twin.forward(inputs, rows: 32, mode: .training)
                    twin.backward(labels: labels)
                    twin.step(optimizer)
                }
                try context.upload(inputs, to: network.inputBuffer.address)
                try context.upload(labels, to: network.labels.address)
                // As the trainer runs a step: the last Linear's bias added by the
                // loss kernel, the counters moved on by the update's last block.
                try network.enqueueTrainingStep(rows: 32)
                if tf32 {
                    // The update kernels leave the gradients as they found them.
                    twin.gradients = try network.downloadGradients()
                    twin.step(optimizer)
                }
            }
            let clipping = clipNorm.map { ", clipped to norm \($0)" } ?? ""
            let source = tf32 ? " (on the GPU's TF32 gradients)" : ""
            // FP32's limit in both modes: with TF32 the twin starts each update from the same gradients.
            checks += try tenStepChecks(network, twin: twin, steps: "10 steps of \(optimizer.name)\(clipping)", against: "twin\(source)")
            if let clipNorm {
                let norm = try network.readScalars()[KernelSource.Scalar.gradientNorm]
                checks.append(SelfTestCheck(name: "GPU gradient norm before clipping vs twin\(source) (clipping active: \(norm > clipNorm))",
                                            error: abs(norm - twin.lastGradientNorm) / twin.lastGradientNorm, tolerance: 1e-4))
            }
        }

        checks += try rowKernelChecks(context, seed: seed)
        checks.append(try trainingRunCheck(device: context, seed: seed, tf32: tf32))
        checks.append(try trainingRunCheck(device: context, seed: seed, tf32: tf32, batchSize: 1))
        checks.append(try trainingRunCheck(device: context, seed: seed, tf32: tf32,
                                           optimizer: .nadam(learningRate: 3e-3, weightDecay: 1e-4),
                                           schedule: StepDecay(stepSize: 15, gamma: 0.5), clipNorm: 1))
        checks.append(try divergenceCheck(device: context, seed: seed))
        checks.append(outOfMemoryCheck(context: context))
        return checks
    }

    /// The batch-1 row kernels (RowKernels.swift), which never use TF32 and
    /// are checked to FP32's limit in both modes, on the networks with ReLU:
    /// one step's logits and gradients against the engine (no dropout) and
    /// the twin (dropout at step 5, the same Philox masks), then ten Adam
    /// steps on ten examples against the twin.
    static func rowKernelChecks(_ context: KernelDevice, seed: UInt64) throws -> [SelfTestCheck] {
        var checks: [SelfTestCheck] = []
        let (plainModel, dropoutModel) = models(seed: seed)
        /// Examples on the device as the trainer keeps them, and the order 0, 1, 2, ….
        func upload(_ inputs: [Float], _ labels: [Int32]) throws -> (data: DeviceBuffer, labels: DeviceBuffer, order: DeviceBuffer) {
            let data = try context.allocate(bytes: 4 * inputs.count), labelBuffer = try context.allocate(bytes: 4 * labels.count)
            let order = try context.allocate(bytes: 4 * labels.count)
            try context.upload(inputs, to: data.address)
            try context.upload(labels, to: labelBuffer.address)
            try context.upload((0..<Int32(labels.count)).map { $0 }, to: order.address)
            return (data, labelBuffer, order)
        }
        let (inputs, labels) = randomBatch(rows: 1, features: 24, classes: 10, seed: seed &+ 11)
        let example = try upload(inputs, labels)
        for (model, withDropout) in [(plainModel, false), (dropoutModel, true)] {
            let plan = try NetworkPlan(model)
            let network = try CUDANetwork(context: context, plan: plan, optimizer: .sgd(learningRate: 0), batchCapacity: 1)
            guard network.rowLayers != nil else {
                checks.append(SelfTestCheck(name: "the row kernels take the self-test's networks", error: 1, tolerance: 0))
                return checks
            }
            try network.uploadParameters(model.parameterSnapshot())
            try network.setCounters(stepInEpoch: 0, completedSteps: withDropout ? 5 : 0)
            // The update kernel after the backward pass (an update fused into it leaves no weight gradients to read).
            try network.enqueueRowTrainingStep(data: example.data.address, labels: example.labels.address, order: example.order.address,
                                               fusedUpdate: false)
            let logits = try network.downloadLogits(rows: 1), gradients = try network.downloadGradients()
            if withDropout {
                let twin = TwinNetwork(plan: plan, parameters: model.parameterSnapshot())
                twin.completedSteps = 5
                let twinLogits = twin.forward(inputs, rows: 1, mode: .training)
                let twinLoss = twin.backward(labels: labels)
                let loss = try network.readAccumulators()[KernelSource.Accumulator.trainingLossSum]
                checks.append(SelfTestCheck(name: "GPU row kernels: forward with dropout vs twin, batch 1", error: relativeError(logits, twinLogits), tolerance: 1e-4))
                checks.append(SelfTestCheck(name: "GPU row kernels: loss with dropout vs twin, batch 1", error: abs(loss - twinLoss) / max(abs(twinLoss), 1e-30), tolerance: 1e-4))
                checks.append(SelfTestCheck(name: "GPU row kernels: gradients with dropout vs twin, batch 1", error: relativeError(gradients, twin.gradients), tolerance: 1e-4))
            } else {
                let reference = engineReference(model, inputs: inputs, labels: labels, rows: 1)
                checks.append(SelfTestCheck(name: "GPU row kernels: forward vs engine, batch 1", error: relativeError(logits, reference.logits), tolerance: 1e-4))
                checks.append(SelfTestCheck(name: "GPU row kernels: gradients vs engine, batch 1", error: relativeError(gradients, reference.gradients), tolerance: 1e-4))
            }
        }

        // Ten steps: Adam's update kernel after the row kernels, and plain SGD
        // fused into them (with a two-rate schedule, to check the step's rate).
        let (stepInputs, stepLabels) = randomBatch(rows: 10, features: 24, classes: 10, seed: seed &+ 12)
        let examples = try upload(stepInputs, stepLabels)
        let plan = try NetworkPlan(dropoutModel)
        for optimizer in [DeviceOptimizer.adam(learningRate: 1e-3, weightDecay: 1e-2), .sgd(learningRate: 0.05)] {
            let twin = TwinNetwork(plan: plan, parameters: dropoutModel.parameterSnapshot())
            let rates = [0.05, 0.02]
            let network = try CUDANetwork(context: context, plan: plan, optimizer: optimizer, batchCapacity: 1, rateCount: 2)
            try network.uploadLearningRates(optimizer.kernelName == "sgd_update" ? rates : [1e-3, 1e-3])
            try network.uploadParameters(dropoutModel.parameterSnapshot())
            try network.setCounters(stepInEpoch: 0, completedSteps: 0)
            let fused = network.fusesRowUpdate
            for step in 0..<10 {
                _ = twin.forward(Array(stepInputs[(24 * step)..<(24 * step + 24)]), rows: 1, mode: .training)
                twin.backward(labels: [stepLabels[step]])
                twin.step(optimizer, learningRate: optimizer.kernelName == "sgd_update" ? rates[min(step, 1)] : nil)
                try network.enqueueRowTrainingStep(data: examples.data.address, labels: examples.labels.address,
                                                   order: examples.order.address)
            }
            let how = fused ? "fused into the row kernels" : "after the row kernels"
            checks += try tenStepChecks(network, twin: twin, steps: "row kernels: 10 steps of \(optimizer.name) (\(how)) with dropout",
                                        against: "twin, batch 1")
        }
        return checks
    }

    /// After ten steps: the parameters against the twin's (FP32's limit), and
    /// the step in epoch and completed steps both 10 with every kernel's
    /// last-block ticket back at 0 (any other counters are an error of 1).
    static func tenStepChecks(_ network: CUDANetwork, twin: TwinNetwork, steps: String, against: String) throws -> [SelfTestCheck] {
        let counters = try network.readCounters()
        return [
            SelfTestCheck(name: "GPU \(steps) vs \(against)", error: relativeError(try network.downloadParameters(), twin.parameters),
                          tolerance: 1e-4),
            SelfTestCheck(name: "GPU step counters after \(steps): \(counters)", error: counters == [10, 10, 0, 0] ? 0 : 1, tolerance: 0),
        ]
    }

    /// The CUDA trainer (gather on the device, CUDA graphs of 1 and 8 steps, a
    /// partial last batch) against the CPU Trainer, without dropout: the same
    /// batches in the same order, so the epoch losses agree to rounding.
    /// Optionally with a learning-rate schedule and clipping.
    /// At batch 1 (300 examples, 900 steps), the row kernels take the steps.
    static func trainingRunCheck(device: KernelDevice, seed: UInt64, tf32: Bool,
                                 optimizer: DeviceOptimizer = .sgd(learningRate: 0.05),
                                 schedule: (any LearningRateSchedule)? = nil, clipNorm: Double? = nil,
                                 batchSize: Int = 48) throws -> SelfTestCheck {
        let count = batchSize == 1 ? 300 : 1000
        let (inputs, labels) = randomBatch(rows: count, features: 24, classes: 10, seed: seed &+ 7)
        let (testInputs, testLabels) = randomBatch(rows: 300, features: 24, classes: 10, seed: seed &+ 8)
        let train = Dataset(inputs: try Tensor(shape: [count, 24], values: inputs), labels: labels)
        let test = Dataset(inputs: try Tensor(shape: [300, 24], values: testInputs), labels: testLabels)
        let configuration = TrainingConfiguration(batchSize: batchSize, epochs: 3, seed: seed, evaluationBatchSize: 128, clipNorm: clipNorm,
                                                  learningRateSchedule: schedule, scale: .full)
        let cpuModel = models(seed: seed).plain
        let cpu = Trainer(model: cpuModel, optimizer: optimizer.engineOptimizer()).fit(train: train, test: test, configuration: configuration)
        let gpuModel = models(seed: seed).plain
        let gpu = try CUDATrainer(model: gpuModel, optimizer: optimizer,
                                  options: CUDATrainingOptions(tf32: tf32, stepsPerGraph: 8), device: device)
            .fit(train: train, test: test, configuration: configuration)
        let cpuCurve = (cpu.trainLosses + cpu.testLosses).map(Float.init)
        let gpuCurve = (gpu.trainLosses + gpu.testLosses).map(Float.init)
        // 63 steps of rounding differences compound; 1e-3 still catches a wrong batch or step.
        var settings = [optimizer.name]
        if batchSize == 1 { settings.append("batch 1") }
        if let schedule { settings.append("schedule \(schedule)") }
        if let clipNorm { settings.append("clipped to norm \(clipNorm)") }
        return SelfTestCheck(name: "CUDA trainer (graphs, partial batch; \(settings.joined(separator: ", "))) 3 epochs vs CPU Trainer, losses",
                             error: relativeError(gpuCurve, cpuCurve), tolerance: tf32 ? 2e-2 : 1e-3)
    }

    /// A learning rate far too large with a divergence limit: the CUDA trainer
    /// must stop at the same step as the CPU Trainer, report a loss above the
    /// limit, and leave the parameters where the CPU Trainer leaves them
    /// (no update at or after the diverged step).
    static func divergenceCheck(device: KernelDevice, seed: UInt64) throws -> SelfTestCheck {
        let (inputs, labels) = randomBatch(rows: 480, features: 24, classes: 10, seed: seed &+ 9)
        let train = Dataset(inputs: try Tensor(shape: [480, 24], values: inputs), labels: labels)
        let configuration = TrainingConfiguration(batchSize: 32, epochs: 3, seed: seed, divergenceLoss: 10, scale: .full)
        let cpuModel = models(seed: seed).plain, gpuModel = models(seed: seed).plain
        let cpu = Trainer(model: cpuModel, optimizer: SGD<Float>(learningRate: 20)).fit(train: train, configuration: configuration)
        let gpu = try CUDATrainer(model: gpuModel, optimizer: .sgd(learningRate: 20), options: CUDATrainingOptions(stepsPerGraph: 4),
                                  device: device).fit(train: train, configuration: configuration)
        guard let expected = cpu.divergence, let actual = gpu.divergence else {
            return SelfTestCheck(name: "divergence limit: CPU \(cpu.divergence.map { "\($0)" } ?? "none"), GPU \(gpu.divergence.map { "\($0)" } ?? "none")",
                                 error: 1, tolerance: 0)
        }
        let sameStep = expected.epoch == actual.epoch && expected.step == actual.step && expected.globalStep == actual.globalStep
        let error = sameStep && actual.loss > 10 ? relativeError(gpuModel.parameterSnapshot(), cpuModel.parameterSnapshot()) : .infinity
        return SelfTestCheck(name: "divergence limit: GPU stops at \(actual) (CPU \(expected)); parameters vs CPU Trainer",
                             error: error, tolerance: 1e-3)
    }

    /// A batch far beyond the device's memory must be a DeviceOutOfMemory error.
    static func outOfMemoryCheck(context: KernelDevice) -> SelfTestCheck {
        do {
            let model = Sequential.tutorialNetwork()
            _ = try CUDANetwork(context: context, plan: try NetworkPlan(model), optimizer: .sgd(learningRate: 0.1),
                                batchCapacity: 100_000_000)
            return SelfTestCheck(name: "out-of-memory is a clear error (no error thrown)", error: 1, tolerance: 0)
        } catch let error as DeviceOutOfMemory {
            let fine = error.suggestedBatchSize > 0 && error.requestedBytes > error.freeBytes
            return SelfTestCheck(name: "out-of-memory is a clear error: \(error)", error: fine ? 0 : 1, tolerance: 0)
        } catch {
            return SelfTestCheck(name: "out-of-memory is a clear error (got \(error))", error: 1, tolerance: 0)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
