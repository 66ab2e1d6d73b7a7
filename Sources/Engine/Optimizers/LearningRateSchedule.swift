// Learning-rate schedules: the rate of optimizer step t (counted from 0) as a
// function of the base rate. The trainer calls schedule → sets the
// optimizer's learningRate → clips → steps, once per optimizer step.
//
// Every duration here is in optimizer steps, not epochs: epoch-based decays
// (PyTorch's StepLR called once per epoch) are the same schedules with the
// durations multiplied by the steps per epoch, which is what the `e` suffix
// of the schedule syntax does (see ScheduleSyntax.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate for every optimizer step.
public protocol LearningRateSchedule: Sendable, CustomStringConvertible {
    /// The rate for optimizer step `step` (0 for the first step).
    func learningRate(atStep step: Int, baseRate: Double) -> Double
}

/// The base rate at every step.
public struct ConstantSchedule: LearningRateSchedule {
    public init() {}
    public func learningRate(atStep step: Int, baseRate: Double) -> Double { baseRate }
    public var description: String { "constant" }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's StepLR):
/// η·γ^⌊t / stepSize⌋.
public struct StepDecay: LearningRateSchedule {
    public let stepSize: Int
    public let gamma: Double
    public init(stepSize: Int, gamma: Double) {
        precondition(stepSize > 0, "StepDecay: step size must be > 0, got \(stepSize)")
        precondition(gamma > 0, "StepDecay: gamma must be > 0, got \(gamma)")
        self.stepSize = stepSize
        self.gamma = gamma
    }
    public func learningRate(atStep step: Int, baseRate: Double) -> Double {
        baseRate * pow(gamma, Double(step / stepSize))
    }
    public var description: String { "step:\(stepSize):\(gamma)" }
}

/// Multiplies the rate by `gamma` once per `period` steps (PyTorch's
/// ExponentialLR, stepped once per period): η·γ^⌊t / period⌋.
public struct ExponentialDecay: LearningRateSchedule {
    public let gamma: Double
    public let period: Int
    public init(gamma: Double, period: Int = 1) {
        precondition(gamma > 0, "ExponentialDecay: gamma must be > 0, got \(gamma)")
        precondition(period > 0, "ExponentialDecay: period must be > 0, got \(period)")
        self.gamma = gamma
        self.period = period
    }
    public func learningRate(atStep step: Int, baseRate: Double) -> Double {
        baseRate * pow(gamma, Double(step / period))
    }
    public var description: String { "exponential:\(gamma):\(period)" }
}

/// Half a cosine from the base rate down to `minimumRate` over `length`
/// steps (PyTorch's CosineAnnealingLR closed form), then held at the minimum.
/// PyTorch's closed form would rise again after T_max; holding is what a
/// single annealing run wants.
public struct CosineAnnealing: LearningRateSchedule {
    public let length: Int
    public let minimumRate: Double
    public init(length: Int, minimumRate: Double = 0) {
        precondition(length > 0, "CosineAnnealing: length must be > 0, got \(length)")
        precondition(minimumRate >= 0, "CosineAnnealing: minimum rate must be >= 0, got \(minimumRate)")
        self.length = length
        self.minimumRate = minimumRate
    }
    public func learningRate(atStep step: Int, baseRate: Double) -> Double {
        let progress = Double(min(step, length)) / Double(length)
        return minimumRate + (baseRate - minimumRate) * (1 + cos(Double.pi * progress)) / 2
    }
    public var description: String { "cosine:\(length):\(minimumRate)" }
}

/// The rate divided by 1 + decay·t/period (inverse-time or "1/t" decay).
public struct InverseTimeDecay: LearningRateSchedule {
    public let decay: Double
    public let period: Int
    public init(decay: Double, period: Int = 1) {
        precondition(decay >= 0, "InverseTimeDecay: decay must be >= 0, got \(decay)")
        precondition(period > 0, "InverseTimeDecay: period must be > 0, got \(period)")
        self.decay = decay
        self.period = period
    }
    public func learningRate(atStep step: Int, baseRate: Double) -> Double {
        baseRate / (1 + decay * Double(step) / Double(period))
    }
    public var description: String { "inverse-time:\(decay):\(period)" }
}

/// A linear ramp over the first `steps` steps, η·(t + 1)/steps, then
/// `schedule` with its clock starting at 0 when the warm-up ends. The ramp
/// starts at η/steps rather than 0 so that the first step moves.
public struct LinearWarmup: LearningRateSchedule {
    public let steps: Int
    public let schedule: any LearningRateSchedule
    public init(steps: Int, then schedule: any LearningRateSchedule = ConstantSchedule()) {
        precondition(steps > 0, "LinearWarmup: steps must be > 0, got \(steps)")
        self.steps = steps
        self.schedule = schedule
    }
    public func learningRate(atStep step: Int, baseRate: Double) -> Double {
        if step < steps { return baseRate * Double(step + 1) / Double(steps) }
        return schedule.learningRate(atStep: step - steps, baseRate: baseRate)
    }
    public var description: String { "warmup:\(steps)+\(schedule)" }
}
