// The training loop: epochs of shuffled mini-batches, forward, loss, backward,
// optimizer step; evaluation on the test set after each epoch.
//
// Batch size 1 is stochastic gradient descent, the whole set is batch gradient
// descent, anything between is mini-batch. A last partial batch is kept, as
// PyTorch's DataLoader does with drop_last=False. All buffers are sized before
// the first step; the steps themselves do not allocate.
import Foundation

public struct TrainingConfiguration: Sendable {
    /// Examples per step; anything ≥ the training set size means full batch.
    public var batchSize: Int
    /// Requested epochs; quick scale may run fewer (see ExperimentScale).
    public var epochs: Int
    /// Seeds the shuffling. (The model's initialisation and dropout are seeded
    /// when the model is built.)
    public var seed: UInt64
    /// Cuts every epoch after this many steps (nil: the whole epoch).
    public var maxStepsPerEpoch: Int?
    /// Rows per forward pass when evaluating.
    public var evaluationBatchSize: Int
    /// Rescales the gradient when its global L2 norm exceeds this value.
    public var clipNorm: Double?
    /// Reports every step's global gradient norm, before any clipping, as a
    /// `.gradientNorm` event (one extra pass over the gradient per step).
    public var recordsGradientNorms: Bool
    /// Stops the run as diverged when a step's loss exceeds this value. A loss
    /// that is not a finite number always stops it. (The tutorial network's
    /// LayerNorms keep its loss finite even at absurd learning rates, so
    /// "diverged" there means "far above where it started".)
    public var divergenceLoss: Double?
    /// Sets the optimizer's learning rate before each step, from the rate it
    /// started with; nil keeps that rate throughout.
    public var learningRateSchedule: (any LearningRateSchedule)?
    public var scale: ExperimentScale
    /// Threads for matrix products during the run; nil picks by batch size
    /// (see `automaticThreads`).
    public var threads: Int?
    /// With plain SGD and no clipping, fold the update into the backward pass
    /// (Sequential.backwardDescending): the same step with a third of the
    /// memory traffic, since the weight gradients are never written and read
    /// back. Off computes every gradient first, then steps.
    public var fusesPlainGradientDescent = true

    public init(batchSize: Int, epochs: Int, seed: UInt64 = 0, maxStepsPerEpoch: Int? = nil,
                evaluationBatchSize: Int = 1000, clipNorm: Double? = nil, recordsGradientNorms: Bool = false,
                divergenceLoss: Double? = nil, learningRateSchedule: (any LearningRateSchedule)? = nil,
                scale: ExperimentScale = .current, threads: Int? = nil) {
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
        self.maxStepsPerEpoch = maxStepsPerEpoch
        self.evaluationBatchSize = evaluationBatchSize
        self.clipNorm = clipNorm
        self.recordsGradientNorms = recordsGradientNorms
        self.divergenceLoss = divergenceLoss
        self.learningRateSchedule = learningRateSchedule
        self.scale = scale
        self.threads = threads
    }

    /// One thread below 16 rows, where a product is too small to split and
    /// waking a second thread costs more than it saves; every core above.
    public static func automaticThreads(batchSize: Int) -> Int {
        batchSize < 16 ? 1 : ProcessInfo.processInfo.activeProcessorCount
    }

}

public final class Trainer {
    public let model: Sequential
    public var optimizer: any Optimizer<Float>
    public let loss: SoftmaxCrossEntropy

    public init(model: Sequential, optimizer: any Optimizer<Float>) {
        self.model = model
        self.optimizer = optimizer
        self.loss = SoftmaxCrossEntropy(classCount: model.outputFeatures)
    }

    /// Trains on `train`, evaluating on `test` after every epoch.
    @discardableResult
    public func fit(train: Dataset, test: Dataset? = nil, configuration: TrainingConfiguration,
                    observer: ((TrainingEvent) -> Void)? = nil) -> TrainingResult {
        precondition(train.features == model.inputFeatures,
                     "Trainer: data has \(train.features) features, model expects \(model.inputFeatures)")
        precondition(configuration.batchSize >= 1, "Trainer: batch size must be ≥ 1, got \(configuration.batchSize)")
        let count = train.count
        let batchSize = min(configuration.batchSize, count)
        let fullBatch = batchSize == count
        let epochs = configuration.scale.epochs(configuration.epochs)
        let stepCap = [configuration.maxStepsPerEpoch, configuration.scale.maxStepsPerEpoch].compactMap { $0 }.min()
        let stepsPerEpoch = min((count + batchSize - 1) / batchSize, stepCap ?? .max)

        // The products' threads are our own (BLAS.productThreads), with
        // OpenBLAS single-threaded: side by side on the 2-core machine of
        // BENCHMARKS.md that was 3–4% faster at batch 32, where OpenBLAS's
        // thread hand-offs weigh on small products, and level with OpenBLAS's
        // threads from batch 128 to 10,000.
        let previousThreads = (BLAS.threadCount, BLAS.productThreads)
        BLAS.productThreads = configuration.threads ?? TrainingConfiguration.automaticThreads(batchSize: batchSize)
        BLAS.threadCount = 1
        defer {
            BLAS.productThreads = previousThreads.1
            BLAS.threadCount = previousThreads.0
        }

        // Everything a step touches is allocated here, once.
        model.reserve(batchCapacity: max(batchSize, min(configuration.evaluationBatchSize, test?.count ?? 0)))
        loss.reserve(batchCapacity: batchSize)
        let batchInputs = fullBatch ? train.inputs : Tensor(shape: [batchSize, train.features])
        let batchLabels = UnsafeMutablePointer<Int32>.allocate(capacity: batchSize)
        let order = UnsafeMutableBufferPointer<Int32>.allocate(capacity: count)
        // Matrix views do not keep their tensor alive; this does, for the whole run.
        defer { withExtendedLifetime(batchInputs) {}; batchLabels.deallocate(); order.deallocate() }
        for i in 0..<count { order[i] = Int32(i) }
        if fullBatch { train.labels.withUnsafeBufferPointer { batchLabels.update(from: $0.baseAddress!, count: count) } }
        var shuffler = RandomGenerator.stream(seed: configuration.seed, 1)
        let parameters = UnsafeMutableBufferPointer(start: model.parameters.data, count: model.parameterCount)
        let gradients = UnsafeMutableBufferPointer(start: model.gradients.data, count: model.parameterCount)

        var result = TrainingResult(epochs: [], divergence: nil, batchSize: batchSize, seed: configuration.seed,
                                    totalSteps: 0, totalSeconds: 0, scale: configuration.scale.rawValue)
        let start = Date()
        var globalStep = 0
        let baseRate = optimizer.learningRate
        let fused = configuration.fusesPlainGradientDescent && configuration.clipNorm == nil
            && !configuration.recordsGradientNorms && optimizer.isPlainGradientDescent
        epochLoop: for epoch in 1...max(epochs, 1) where epochs > 0 {
            let epochStart = Date()
            if !fullBatch { shuffler.shuffle(order) }
            var lossSum: Double = 0
            var seen = 0
            for step in 0..<stepsPerEpoch {
                let first = step * batchSize
                let rows = min(batchSize, count - first)
                if !fullBatch { gather(train, order: order, from: first, rows: rows, into: batchInputs, labels: batchLabels) }
                let logits = model.forward(batchInputs.matrix(rows: rows), mode: .training)
                let (value, dLogits) = loss.lossAndGradient(logits: logits, labels: batchLabels)
                globalStep += 1
                guard value.isFinite, value <= (configuration.divergenceLoss ?? .infinity) else {
                    let divergence = Divergence(epoch: epoch, step: step + 1, globalStep: globalStep, loss: value)
                    result.divergence = divergence
                    observer?(.diverged(divergence))
                    break epochLoop
                }
                if let schedule = configuration.learningRateSchedule {
                    optimizer.learningRate = schedule.learningRate(atStep: globalStep - 1, baseRate: baseRate)
                }
                if fused {
                    model.backwardDescending(dLogits, learningRate: Float(optimizer.learningRate))
                } else {
                    model.backward(dLogits)
                    let clippedFrom = configuration.clipNorm.map { clipGlobalNorm(gradients, maxNorm: $0) }
                    if configuration.recordsGradientNorms {
                        observer?(.gradientNorm(epoch: epoch, step: step + 1,
                                                norm: clippedFrom ?? globalNorm(UnsafeBufferPointer(gradients))))
                    }
                    optimizer.step(parameters: parameters, gradients: UnsafeBufferPointer(gradients))
                }
                lossSum += value * Double(rows)
                seen += rows
                observer?(.step(epoch: epoch, step: step + 1, stepsInEpoch: stepsPerEpoch, loss: value))
            }
            var metrics = EpochMetrics(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                       testLoss: nil, testAccuracy: nil, seconds: 0, steps: stepsPerEpoch)
            if let test {
                let evaluation = evaluate(test, batchSize: configuration.evaluationBatchSize)
                metrics.testLoss = evaluation.loss
                metrics.testAccuracy = evaluation.accuracy
            }
            metrics.seconds = Date().timeIntervalSince(epochStart)
            result.epochs.append(metrics)
            observer?(.epochEnded(metrics))
        }
        result.totalSteps = globalStep
        result.totalSeconds = Date().timeIntervalSince(start)
        return result
    }

    /// How an epoch slices `exampleCount` examples into batches of `batchSize`:
    /// full batches, then one partial batch with what is left (drop_last=False).
    public static func batchSizes(exampleCount: Int, batchSize: Int) -> [Int] {
        precondition(batchSize >= 1, "batchSizes: batch size must be ≥ 1")
        return stride(from: 0, to: exampleCount, by: batchSize).map { min(batchSize, exampleCount - $0) }
    }

    /// Mean cross-entropy and accuracy on `data`, in evaluation mode (no dropout).
    public func evaluate(_ data: Dataset, batchSize: Int = 1000) -> (loss: Double, accuracy: Double) {
        var lossSum: Double = 0
        var correct = 0
        data.labels.withUnsafeBufferPointer { labels in
            var first = 0
            while first < data.count {
                let rows = min(batchSize, data.count - first)
                let view = Matrix(data: data.inputs.data + first * data.features, rows: rows, columns: data.features)
                let logits = model.forward(view, mode: .evaluation)
                let part = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels.baseAddress! + first)
                lossSum += part.lossSum
                correct += part.correct
                first += rows
            }
        }
        return (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    /// The predicted class of each example, in evaluation mode.
    public func predict(_ data: Dataset, batchSize: Int = 1000) -> [Int] {
        var predictions: [Int] = []
        predictions.reserveCapacity(data.count)
        var first = 0
        while first < data.count {
            let rows = min(batchSize, data.count - first)
            let logits = model.forward(Matrix(data: data.inputs.data + first * data.features, rows: rows, columns: data.features), mode: .evaluation)
            for r in 0..<rows {
                let z = logits.row(r)
                var best = 0
                for c in 1..<logits.columns where z[c] > z[best] { best = c }
                predictions.append(best)
            }
            first += rows
        }
        return predictions
    }

    private func gather(_ data: Dataset, order: UnsafeMutableBufferPointer<Int32>, from first: Int, rows: Int,
                        into inputs: Tensor, labels: UnsafeMutablePointer<Int32>) {
        let features = data.features
        data.labels.withUnsafeBufferPointer { allLabels in
            for r in 0..<rows {
                let index = Int(order[first + r])
                (inputs.data + r * features).update(from: data.inputs.data + index * features, count: features)
                labels[r] = allLabels[index]
            }
        }
    }
}
