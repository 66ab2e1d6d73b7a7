// Trains a TransformerModel on a SequenceTask with fresh random batches, and
// records what the attention figure draws: the loss at every step, held-out
// loss and accuracy at intervals, and every head's attention pattern on one
// fixed probe sequence at chosen steps.
import Foundation

/// Held-out metrics at one step.
public struct SequenceEvaluation: Sendable {
    public let step: Int
    public let loss: Double
    /// Fraction of output tokens that are right.
    public let tokenAccuracy: Double
    /// Fraction of sequences with every output token right.
    public let sequenceAccuracy: Double
}

/// Every head's attention on the probe sequence after `step` optimizer steps.
public struct AttentionSnapshot: Sendable {
    public let step: Int
    /// [layer][head][query position][key position]; each row sums to 1.
    public let maps: [[[[Float]]]]
    /// The model's output for the probe at this step.
    public let prediction: [Int32]
}

public struct AttentionRun: Sendable {
    public let task: SequenceTask
    /// The sequence the snapshots show, and its right output.
    public let probe: [Int32]
    public let probeTarget: [Int32]
    /// Training loss (mean cross-entropy over the batch's positions) of each step.
    public var losses: [Double]
    public var evaluations: [SequenceEvaluation]
    public var snapshots: [AttentionSnapshot]
    public var seconds: Double
    /// The last held-out evaluation (taken after the final step).
    public var final: SequenceEvaluation { evaluations[evaluations.count - 1] }
}

public final class AttentionTrainer {
    public let model: TransformerModel
    public let batchSize: Int
    public let heldOutCount: Int
    public let evaluationInterval: Int
    public let seed: UInt64
    private let loss: SoftmaxCrossEntropy

    /// - Parameters:
    ///   - batchSize: sequences per step, freshly drawn from the training side.
    ///   - heldOutCount: held-out sequences for every evaluation (fixed per seed).
    ///   - evaluationInterval: steps between held-out evaluations.
    public init(model: TransformerModel, batchSize: Int = 64, heldOutCount: Int = 1000,
                evaluationInterval: Int = 25, seed: UInt64 = 0) {
        precondition(batchSize >= 1 && heldOutCount >= 1 && evaluationInterval >= 1,
                     "AttentionTrainer: sizes must be positive")
        self.model = model
        self.batchSize = batchSize
        self.heldOutCount = heldOutCount
        self.evaluationInterval = evaluationInterval
        self.seed = seed
        self.loss = SoftmaxCrossEntropy(classCount: model.vocabulary)
    }

    /// Runs `steps` optimizer steps. Snapshots are taken after `snapshotsAt`
    /// steps (0 is before training); `probe` defaults to a held-out sequence.
    public func train(task: SequenceTask, steps: Int, optimizer: any Optimizer<Float>,
                      snapshotsAt: [Int] = [], probe: [Int32]? = nil,
                      learningRateSchedule: (any LearningRateSchedule)? = nil,
                      observer: ((Int, Double) -> Void)? = nil) -> AttentionRun {
        precondition(task.length == model.sequenceLength && task.vocabulary <= model.vocabulary,
                     "AttentionTrainer: \(task) does not fit a model of \(model.sequenceLength) positions over \(model.vocabulary) tokens")
        var optimizer = optimizer
        let baseRate = optimizer.learningRate
        var batches = RandomGenerator.stream(seed: seed, 1)
        var heldOutGenerator = RandomGenerator.stream(seed: seed, 2)
        var probeGenerator = RandomGenerator.stream(seed: seed, 3)
        let heldOut = task.batch(count: heldOutCount, heldOut: true, using: &heldOutGenerator)
        let probe = probe ?? task.sample(heldOut: true, using: &probeGenerator)
        var run = AttentionRun(task: task, probe: probe, probeTarget: task.target(for: probe),
                               losses: [], evaluations: [], snapshots: [], seconds: 0)
        run.losses.reserveCapacity(steps)

        // The products here are tiny; a second BLAS thread costs more than it saves.
        let previousThreads = BLAS.threadCount
        BLAS.threadCount = 1
        defer { BLAS.threadCount = previousThreads }
        model.reserve(sequences: batchSize)
        loss.reserve(batchCapacity: batchSize * task.length)
        let parameters = UnsafeMutableBufferPointer(start: model.parameters.data, count: model.parameterCount)
        let gradients = UnsafeBufferPointer(start: model.gradients.data, count: model.parameterCount)
        let wanted = Set(snapshotsAt)

        let start = Date()
        for step in 0...steps {
            if wanted.contains(step) {
                run.snapshots.append(AttentionSnapshot(step: step, maps: model.attentionMaps(for: probe),
                                                       prediction: model.predict(probe)))
            }
            if step % evaluationInterval == 0 || step == steps {
                run.evaluations.append(evaluate(task: task, inputs: heldOut.inputs, targets: heldOut.targets, step: step))
            }
            guard step < steps else { break }
            let batch = task.batch(count: batchSize, heldOut: false, using: &batches)
            let logits = model.forward(tokens: batch.inputs, mode: .training)
            let (value, dLogits) = batch.targets.withUnsafeBufferPointer {
                loss.lossAndGradient(logits: logits, labels: $0.baseAddress!)
            }
            model.backward(dLogits)
            if let learningRateSchedule {
                optimizer.learningRate = learningRateSchedule.learningRate(atStep: step, baseRate: baseRate)
            }
            optimizer.step(parameters: parameters, gradients: gradients)
            run.losses.append(value)
            observer?(step + 1, value)
        }
        run.seconds = Date().timeIntervalSince(start)
        return run
    }

    /// Held-out loss and accuracy, in batches of `batchSize` sequences.
    public func evaluate(task: SequenceTask, inputs: [Int32], targets: [Int32], step: Int = 0) -> SequenceEvaluation {
        let length = task.length
        let count = inputs.count / length
        var lossSum = 0.0, correctTokens = 0, correctSequences = 0
        var first = 0
        while first < count {
            let sequences = min(batchSize, count - first)
            let logits = inputs.withUnsafeBufferPointer {
                model.forward(tokens: $0.baseAddress! + first * length, sequences: sequences)
            }
            targets.withUnsafeBufferPointer { labels in
                let part = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels.baseAddress! + first * length)
                lossSum += part.lossSum
                correctTokens += part.correct
            }
            for s in 0..<sequences where (0..<length).allSatisfy({ position in
                let row = s * length + position
                return argmax(logits.row(row), logits.columns) == targets[(first + s) * length + position]
            }) {
                correctSequences += 1
            }
            first += sequences
        }
        return SequenceEvaluation(step: step, loss: lossSum / Double(count * length),
                                  tokenAccuracy: Double(correctTokens) / Double(count * length),
                                  sequenceAccuracy: Double(correctSequences) / Double(count))
    }

    private func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int32 {
        var best = 0
        for c in 1..<count where values[c] > values[best] { best = c }
        return Int32(best)
    }
}
