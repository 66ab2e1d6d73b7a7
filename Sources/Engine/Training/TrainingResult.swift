// What a training run reports: per-epoch metrics, divergence, and a summary.

/// One epoch's metrics. JSON keys match `tn train --json`.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var seconds: Double
    public var steps: Int

    enum CodingKeys: String, CodingKey {
        case epoch, seconds, steps
        case trainLoss = "train_loss"
        case testLoss = "test_loss"
        case testAccuracy = "test_accuracy"
    }
}

/// Where a run stopped because the loss stopped being a finite number.
public struct Divergence: Codable, Sendable, Equatable, CustomStringConvertible {
    public var epoch: Int
    /// The step within the epoch, counting from 1.
    public var step: Int
    /// The step counting from the start of training, from 1.
    public var globalStep: Int
    /// The loss of that step: not finite, or above the run's divergence limit.
    public var loss: Double
    public var description: String { "diverged at epoch \(epoch), step \(step)" }

    /// The same place with the same loss; a NaN loss equals a NaN loss here,
    /// since two runs that both reach NaN at one step diverged alike.
    public static func == (a: Divergence, b: Divergence) -> Bool {
        a.epoch == b.epoch && a.step == b.step && a.globalStep == b.globalStep
            && (a.loss == b.loss || (a.loss.isNaN && b.loss.isNaN))
    }

    public init(epoch: Int, step: Int, globalStep: Int, loss: Double) {
        self.epoch = epoch
        self.step = step
        self.globalStep = globalStep
        self.loss = loss
    }

    enum CodingKeys: String, CodingKey {
        case epoch, step, loss
        case globalStep = "global_step"
    }

    // JSON has no NaN or infinity: a non-finite loss is written as null.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        globalStep = try c.decode(Int.self, forKey: .globalStep)
        loss = try c.decodeIfPresent(Double.self, forKey: .loss) ?? .nan
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(step, forKey: .step)
        try c.encode(globalStep, forKey: .globalStep)
        try c.encode(loss.isFinite ? loss : nil, forKey: .loss)
    }
}

public struct TrainingResult: Codable, Sendable {
    public var epochs: [EpochMetrics]
    public var divergence: Divergence?
    public var batchSize: Int
    public var seed: UInt64
    public var totalSteps: Int
    public var totalSeconds: Double
    public var scale: String

    public var finalTrainLoss: Double? { epochs.last?.trainLoss }
    public var finalTestLoss: Double? { epochs.last?.testLoss }
    public var bestTestLoss: Double? { epochs.compactMap(\.testLoss).min() }
    public var trainLosses: [Double] { epochs.map(\.trainLoss) }
    public var testLosses: [Double] { epochs.compactMap(\.testLoss) }
    public var diverged: Bool { divergence != nil }

    enum CodingKeys: String, CodingKey {
        case epochs, divergence, seed, scale
        case batchSize = "batch_size"
        case totalSteps = "total_steps"
        case totalSeconds = "total_seconds"
    }
}

/// What the trainer tells its observer while it runs.
public enum TrainingEvent {
    /// After each optimizer step (`step` counts from 1 within the epoch).
    case step(epoch: Int, step: Int, stepsInEpoch: Int, loss: Double)
    /// The step's global gradient norm before clipping, when the configuration
    /// `recordsGradientNorms` (before that step's `.step` on the CPU; the GPU
    /// reports an epoch's norms when the epoch ends).
    case gradientNorm(epoch: Int, step: Int, norm: Double)
    case epochEnded(EpochMetrics)
    case diverged(Divergence)
}
