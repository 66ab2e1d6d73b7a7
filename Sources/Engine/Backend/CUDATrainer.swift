// Training on the GPU with the CPU Trainer's semantics: epochs of shuffled
// mini-batches (the same shuffling stream, so the same batches), the partial
// last batch kept, evaluation after each epoch, divergence detection, and
// the same TrainingResult.
//
// Small batches are launch-bound, so a whole step (gather, forward, loss,
// backward, update: 20 nodes for the tutorial network, see CUDANetwork; at
// batch 1 the row kernels take it in 6, or 7 for an optimizer other than
// plain SGD) is captured once as a CUDA graph, and `stepsPerGraph`
// consecutive steps as a second graph; an epoch is then a few graph launches.
// The data sets live on the device; per epoch the host uploads the shuffled
// order (4 bytes per example) and reads back the loss accumulators and
// counters once. Every optimizer of the engine, learning-rate schedules (the
// epoch's rates are uploaded with its order), clipping by global norm and the
// divergence limit run on the device with the CPU trainer's semantics. Each
// step's loss (and gradient norm, when recorded) is kept on the device and
// read back with the epoch, when the epoch's step events are reported.
// Differences from the CPU trainer: dropout masks come from Philox instead of
// xoshiro (statistically equivalent, not equal); a diverged step is found at
// the end of its epoch (the updates stop at it, so the parameters are those
// the CPU trainer would keep, but the epoch's later forward passes have run);
// step events come at the end of their epoch, not as each step ends.
import Foundation

public struct CUDATrainingOptions: Sendable {
    /// TF32 tensor cores in the matrix products (10-bit mantissa); off by default.
    public var tf32: Bool
    /// Steps captured in one CUDA graph; 1 replays one step at a time.
    public var stepsPerGraph: Int
    /// Synchronise after every launch to attribute faults (slow; for debugging).
    public var synchronizeAfterLaunch: Bool
    /// At batch 1, the row kernels take the steps of a model they take
    /// (RowKernels.swift); false, or TN_CUDA_ROW_STEPS=0, keeps the general kernels.
    public var rowKernels: Bool

    public init(tf32: Bool = false, stepsPerGraph: Int = 32, synchronizeAfterLaunch: Bool = false, rowKernels: Bool = true) {
        self.tf32 = tf32
        self.stepsPerGraph = max(1, stepsPerGraph)
        self.synchronizeAfterLaunch = synchronizeAfterLaunch
        self.rowKernels = rowKernels
    }
}

public final class CUDATrainer {
    public let model: Sequential
    public let optimizer: DeviceOptimizer
    public let options: CUDATrainingOptions
    private let context: KernelDevice

    /// The device that runs the training, for provenance lines.
    public var device: DeviceDescription { context.device }

    /// Opens the GPU (throws `CUDAUnavailable` without one), or its CPU
    /// emulation under TN_CUDA_EMULATE=1 (Backend.emulatesCUDA), and checks
    /// that every layer of `model` has kernels.
    public init(model: Sequential, optimizer: DeviceOptimizer, options: CUDATrainingOptions = CUDATrainingOptions()) throws {
        _ = try NetworkPlan(model)
        self.model = model
        self.optimizer = optimizer
        self.options = options
        self.context = try Backend.emulatesCUDA()
            ? EmulatedDevice()
            : CUDAContext(tf32: options.tf32, synchronizeAfterLaunch: options.synchronizeAfterLaunch)
    }

    /// Trains on any kernel device, e.g. the CPU emulation in the tests.
    init(model: Sequential, optimizer: DeviceOptimizer, options: CUDATrainingOptions = CUDATrainingOptions(), device: KernelDevice) throws {
        _ = try NetworkPlan(model)
        self.model = model
        self.optimizer = optimizer
        self.options = options
        self.context = device
    }

    /// Trains `model` on the GPU; on return the model's parameters hold the result.
    /// With `modelUpdateEvery` = k, the model's parameters are also brought
    /// back after every k-th epoch, before the observer hears of its end (for
    /// snapshots); otherwise they stay on the device until training ends.
    @discardableResult
    public func fit(train: Dataset, test: Dataset? = nil, configuration: TrainingConfiguration,
                    modelUpdateEvery: Int? = nil,
                    observer: ((TrainingEvent) -> Void)? = nil) throws -> TrainingResult {
        precondition(modelUpdateEvery.map { $0 >= 1 } ?? true, "CUDATrainer: modelUpdateEvery must be ≥ 1")
        precondition(train.features == model.inputFeatures,
                     "CUDATrainer: data has \(train.features) features, model expects \(model.inputFeatures)")
        precondition(configuration.batchSize >= 1, "CUDATrainer: batch size must be ≥ 1, got \(configuration.batchSize)")
        try context.makeCurrent()
        let plan = try NetworkPlan(model)
        // The loss kernel indexes each row's logits by its label, so a label
        // outside the classes must stop here, not fault on the device.
        for (name, set) in [("training", train), ("test", test)] {
            guard let set else { continue }
            if let bad = set.labels.firstIndex(where: { $0 < 0 || Int($0) >= plan.outputFeatures }) {
                throw LabelOutOfRange(set: name, example: bad, label: set.labels[bad], classes: plan.outputFeatures)
            }
        }
        let count = train.count
        let batchSize = min(configuration.batchSize, count)
        let fullBatch = batchSize == count
        let epochs = configuration.scale.epochs(configuration.epochs)
        let stepCap = [configuration.maxStepsPerEpoch, configuration.scale.maxStepsPerEpoch].compactMap { $0 }.min()
        let stepsPerEpoch = min((count + batchSize - 1) / batchSize, stepCap ?? .max)
        let partialRows = count % batchSize
        // Steps of a full batch in an epoch, then possibly one partial batch.
        let hasPartialStep = partialRows != 0 && stepsPerEpoch == (count + batchSize - 1) / batchSize
        let fullSteps = hasPartialStep ? stepsPerEpoch - 1 : stepsPerEpoch
        let evaluationBatch = min(configuration.evaluationBatchSize, test?.count ?? 0)

        // The data sets, the order and the network, sized and checked at once.
        let dataBytes = 4 * (count * (train.features + 2)) + 4 * ((test?.count ?? 0) * (train.features + 1))
        let schedule = configuration.learningRateSchedule
        let network = try CUDANetwork(context: context, plan: plan, optimizer: optimizer,
                                      batchCapacity: max(batchSize, evaluationBatch),
                                      rateCount: schedule == nil ? 1 : max(stepsPerEpoch, 1),
                                      normLogCapacity: configuration.recordsGradientNorms ? stepsPerEpoch : 0,
                                      lossLogCapacity: observer != nil ? stepsPerEpoch : 0,
                                      extraBytes: dataBytes, requestedBatchSize: batchSize)
        network.clipNorm = configuration.clipNorm
        network.divergenceLimit = configuration.divergenceLoss
        let trainInputs = try context.allocate(bytes: 4 * count * train.features)
        let trainLabels = try context.allocate(bytes: 4 * count)
        let order = try context.allocate(bytes: 4 * count)
        try context.upload(train.inputs.array, to: trainInputs.address)
        try context.upload(train.labels, to: trainLabels.address)
        var testInputs: DeviceBuffer?, testLabels: DeviceBuffer?
        if let test {
            testInputs = try context.allocate(bytes: 4 * test.count * test.features)
            testLabels = try context.allocate(bytes: 4 * test.count)
            try context.upload(test.inputs.array, to: testInputs!.address)
            try context.upload(test.labels, to: testLabels!.address)
        }
        try network.uploadParameters(model.parameterSnapshot())
        try network.setCounters(stepInEpoch: 0, completedSteps: 0)

        // At batch 1, the row kernels (RowKernels.swift) take the step when
        // they take the plan: 6 or 7 nodes instead of 20 for the tutorial network.
        let rowKernelsAllowed = try CUDANetwork.rowStepsEnabled(environment: ProcessInfo.processInfo.environment)
        let rowSteps = batchSize == 1 && network.rowLayers != nil && options.rowKernels && rowKernelsAllowed
        // One step, as a launch sequence: everything reads its batch index
        // and step number from the device counters, so replays move on.
        func enqueueStep(rows: Int) throws {
            if rowSteps {
                try network.enqueueRowTrainingStep(data: trainInputs.address, labels: trainLabels.address, order: order.address)
                return
            }
            try context.launch("gather_batch", blocks: gridBlocks(for: rows * train.features), [
                .pointer(trainInputs.address), .pointer(trainLabels.address), .pointer(order.address),
                .pointer(network.inputBuffer.address), .pointer(network.labels.address), .int(Int32(rows)),
                .int(Int32(train.features)), .int(Int32(batchSize)), .pointer(network.counters.address),
            ])
            try network.enqueueTrainingStep(rows: rows)
        }
        // One uncaptured forward and backward per batch shape first, so that
        // cuBLAS picks its kernels and the driver loads them outside capture.
        // Parameters are untouched; counters and accumulators are reset per epoch.
        for rows in [fullSteps > 0 ? batchSize : 0, hasPartialStep ? partialRows : 0] where rows > 0 {
            try network.enqueueForwardAndBackward(rows: rows)
        }
        let chunk = min(options.stepsPerGraph, max(fullSteps, 1))
        let singleStep = fullSteps > 0 ? try context.capture { try enqueueStep(rows: batchSize) } : nil
        let manySteps = chunk > 1 && fullSteps >= chunk
            ? try context.capture { for _ in 0..<chunk { try enqueueStep(rows: batchSize) } } : nil
        let partialStep = hasPartialStep ? try context.capture { try enqueueStep(rows: partialRows) } : nil

        var shuffler = RandomGenerator.stream(seed: configuration.seed, 1)
        var permutation = [Int32](0..<Int32(count))
        if fullBatch { try context.upload(permutation, to: order.address) }

        var result = TrainingResult(epochs: [], divergence: nil, batchSize: batchSize, seed: configuration.seed,
                                    totalSteps: 0, totalSeconds: 0, scale: configuration.scale.rawValue)
        let start = Date()
        var globalStep = 0
        for epoch in 1...max(epochs, 1) where epochs > 0 {
            let epochStart = Date()
            if !fullBatch {
                permutation.withUnsafeMutableBufferPointer { shuffler.shuffle($0) }
                try context.upload(permutation, to: order.address)
            }
            if let schedule {
                // Step k of the epoch is optimizer step globalStep + k, counted from 0 as the CPU trainer counts.
                try network.uploadLearningRates((0..<network.rateCount).map {
                    schedule.learningRate(atStep: globalStep + $0, baseRate: optimizer.learningRate)
                })
            }
            try network.setCounters(stepInEpoch: 0, completedSteps: UInt32(truncatingIfNeeded: globalStep))
            try network.resetAccumulators()
            var remaining = fullSteps
            if let manySteps {
                while remaining >= chunk { try manySteps.replay(); remaining -= chunk }
            }
            while remaining > 0, let singleStep { try singleStep.replay(); remaining -= 1 }
            if let partialStep { try partialStep.replay() }
            // The one read-back of the epoch's training: loss sum and divergence.
            let accumulators = try network.readAccumulators()
            let counters = try network.readCounters()
            let firstBadStep = Int(counters[KernelSource.Counter.firstDivergedStep])
            if let observer {
                // The epoch's step events, in the CPU trainer's order, for the
                // steps before a diverged one (the CPU trainer stops at its loss).
                let completed = firstBadStep > 0 ? firstBadStep - 1 : stepsPerEpoch
                let losses = try network.readStepLosses(count: completed)
                let norms = configuration.recordsGradientNorms ? try network.readGradientNorms(count: completed) : []
                for (index, loss) in losses.enumerated() {
                    if index < norms.count { observer(.gradientNorm(epoch: epoch, step: index + 1, norm: norms[index])) }
                    observer(.step(epoch: epoch, step: index + 1, stepsInEpoch: stepsPerEpoch, loss: loss))
                }
            }
            if firstBadStep > 0 {
                globalStep += firstBadStep
                let divergence = Divergence(epoch: epoch, step: firstBadStep, globalStep: globalStep,
                                            loss: accumulators[KernelSource.Accumulator.divergedLoss])
                result.divergence = divergence
                observer?(.diverged(divergence))
                break
            }
            globalStep += stepsPerEpoch
            let seen = fullSteps * batchSize + (hasPartialStep ? partialRows : 0)
            var metrics = EpochMetrics(epoch: epoch, trainLoss: accumulators[KernelSource.Accumulator.trainingLossSum] / Double(max(seen, 1)),
                                       testLoss: nil, testAccuracy: nil, seconds: 0, steps: stepsPerEpoch)
            if let test, let testInputs, let testLabels {
                let evaluation = try evaluate(network: network, count: test.count, features: test.features,
                                              inputs: testInputs, labels: testLabels, batchSize: evaluationBatch)
                metrics.testLoss = evaluation.loss
                metrics.testAccuracy = evaluation.accuracy
            }
            if let modelUpdateEvery, epoch % modelUpdateEvery == 0 {
                try model.loadParameters(try network.downloadParameters())
            }
            metrics.seconds = Date().timeIntervalSince(epochStart)
            result.epochs.append(metrics)
            observer?(.epochEnded(metrics))
        }
        try model.loadParameters(try network.downloadParameters())
        result.totalSteps = globalStep
        result.totalSeconds = Date().timeIntervalSince(start)
        return result
    }

    /// Mean cross-entropy and accuracy on device-resident data, read back once.
    private func evaluate(network: CUDANetwork, count: Int, features: Int, inputs: DeviceBuffer, labels: DeviceBuffer,
                          batchSize: Int) throws -> (loss: Double, accuracy: Double) {
        try context.zero(network.accumulators.address + 8, bytes: 16)  // the two evaluation accumulators
        var first = 0
        while first < count {
            let rows = min(batchSize, count - first)
            try network.enqueueEvaluation(rows: rows, input: inputs.offset(floats: first * features),
                                          labels: labels.offset(floats: first))
            first += rows
        }
        let accumulators = try network.readAccumulators()
        return (accumulators[KernelSource.Accumulator.evaluationLossSum] / Double(count),
                accumulators[KernelSource.Accumulator.evaluationCorrect] / Double(count))
    }
}

extension CUDATrainer {
    /// The nodes of one captured training step of `model` with `optimizer`:
    /// the trainer's gather, then every kernel launch and matrix product of
    /// CUDANetwork.enqueueTrainingStep, counted by capturing the step on the
    /// CPU emulation of the device (the count is the same at every batch
    /// size above 1). Each node is a launch on the GPU, which is what bounds
    /// the time of a small batch's step; `tn bench --backend cuda` reports
    /// time per node. At batch 1, when the row kernels take the model (and
    /// TN_CUDA_ROW_STEPS is not 0), their sequence instead, which includes
    /// the gather.
    public static func graphNodesPerStep(model: Sequential, optimizer: DeviceOptimizer, batchSize: Int = 2) throws -> Int {
        let device = EmulatedDevice()
        let network = try CUDANetwork(context: device, plan: try NetworkPlan(model), optimizer: optimizer, batchCapacity: 1)
        let before = device.launches + device.products
        if batchSize == 1, network.rowLayers != nil, try CUDANetwork.rowStepsEnabled(environment: ProcessInfo.processInfo.environment) {
            let data = try device.allocate(bytes: 4 * model.inputFeatures), labels = try device.allocate(bytes: 4),
                order = try device.allocate(bytes: 4)
            _ = try device.capture {
                try network.enqueueRowTrainingStep(data: data.address, labels: labels.address, order: order.address)
            }
            return device.launches + device.products - before
        }
        _ = try device.capture { try network.enqueueTrainingStep(rows: 1) }
        return 1 + device.launches + device.products - before
    }
}
