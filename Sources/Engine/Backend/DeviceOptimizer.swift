// The optimizers the GPU updates in one launch over the flat parameter
// buffer, with torch.optim's formulas, and their CPU twins (the same
// arithmetic as the sgd_update and adam_update kernels).
#if canImport(Glibc)
import Glibc
#endif

/// An optimizer the CUDA backend can run, with its hyperparameters.
public enum DeviceOptimizer: Sendable, Equatable, CustomStringConvertible {
    /// torch.optim.SGD(lr, momentum, dampening, weight_decay, nesterov).
    case sgd(learningRate: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false)
    /// torch.optim.Adam (decoupled: false) or AdamW (decoupled: true); no AMSGrad.
    case adam(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
              weightDecay: Double = 0, decoupled: Bool = false)

    public var name: String {
        switch self {
        case .sgd(_, let momentum, _, _, let nesterov): return nesterov ? "nesterov" : momentum > 0 ? "momentum" : "sgd"
        case .adam(_, _, _, _, _, let decoupled): return decoupled ? "adamw" : "adam"
        }
    }

    public var description: String {
        switch self {
        case let .sgd(learningRate, momentum, dampening, weightDecay, _):
            return "\(name)(lr \(learningRate), momentum \(momentum), dampening \(dampening), weight decay \(weightDecay))"
        case let .adam(learningRate, beta1, beta2, epsilon, weightDecay, _):
            return "\(name)(lr \(learningRate), betas \(beta1) \(beta2), eps \(epsilon), weight decay \(weightDecay))"
        }
    }

    /// How many Floats of state per parameter (momentum buffer; Adam's two moments).
    public var stateBuffers: Int {
        switch self {
        case .sgd(_, let momentum, _, _, _): return momentum != 0 ? 1 : 0
        case .adam: return 2
        }
    }

    /// The device optimizer for an engine optimizer with the same settings:
    /// SGD (with momentum, dampening, Nesterov, weight decay), Adam and AdamW
    /// without AMSGrad. Anything else has no update kernel yet.
    public static func matching(_ optimizer: any Optimizer<Float>) throws -> DeviceOptimizer {
        if let sgd = optimizer as? SGD<Float> {
            return .sgd(learningRate: sgd.learningRate, momentum: sgd.momentum, dampening: sgd.dampening,
                        weightDecay: sgd.weightDecay, nesterov: sgd.nesterov)
        }
        if let adam = optimizer as? Adam<Float>, !adam.amsgrad {
            return .adam(learningRate: adam.learningRate, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon,
                         weightDecay: adam.weightDecay, decoupled: adam.decoupledWeightDecay)
        }
        if let adamW = optimizer as? AdamW<Float>, !adamW.amsgrad {
            return .adam(learningRate: adamW.learningRate, beta1: adamW.beta1, beta2: adamW.beta2, epsilon: adamW.epsilon,
                         weightDecay: adamW.weightDecay, decoupled: true)
        }
        throw CUDAError(call: "DeviceOptimizer.matching", code: -1,
                        message: "the CUDA backend has no update kernel for optimizer '\(optimizer.name)'; it runs sgd, momentum, nesterov, adam and adamw")
    }

    /// The CPU twin of one update. `state` holds `stateBuffers` arrays of
    /// `parameters.count` Floats; `completedSteps` is the step counter before this step.
    public func twinStep(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
                         state: inout [[Float]], completedSteps: UInt32) {
        let count = parameters.count
        while state.count < stateBuffers { state.append([Float](repeating: 0, count: count)) }
        switch self {
        case let .sgd(learningRate, momentum, dampening, weightDecay, nesterov):
            let rate = Float(learningRate), mu = Float(momentum), tau = Float(dampening), lambda = Float(weightDecay)
            for i in 0..<count {
                var gradient = gradients[i]
                if lambda != 0 { gradient = gradient + lambda * parameters[i] }
                if mu != 0 {
                    var buffer = gradient
                    if completedSteps > 0 { buffer = mu * state[0][i] + (1 - tau) * gradient }
                    state[0][i] = buffer
                    gradient = nesterov ? gradient + mu * buffer : buffer
                }
                parameters[i] = parameters[i] - rate * gradient
            }
        case let .adam(learningRate, beta1, beta2, epsilon, weightDecay, decoupled):
            let step = Double(completedSteps) + 1
            let correction1 = 1 - pow(beta1, step)
            let correction2Root = Float((1 - pow(beta2, step)).squareRoot())
            let stepSize = Float(learningRate / correction1)
            let lambda = Float(weightDecay), eps = Float(epsilon)
            let b1 = Float(beta1), b2 = Float(beta2)
            let decay = Float(1 - learningRate * Double(lambda))
            for i in 0..<count {
                var parameter = parameters[i], gradient = gradients[i]
                if lambda != 0 {
                    if decoupled { parameter = parameter * decay } else { gradient = gradient + lambda * parameter }
                }
                let m = state[0][i] + (1 - b1) * (gradient - state[0][i])
                let v = state[1][i] * b2 + (1 - b2) * gradient * gradient
                state[0][i] = m
                state[1][i] = v
                let denominator = v.squareRoot() / correction2Root + eps
                parameters[i] = parameter - stepSize * (m / denominator)
            }
        }
    }
}
