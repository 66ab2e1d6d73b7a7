// The optimizers the GPU updates in one launch over the flat parameter
// buffer, with torch.optim's formulas: every optimizer the engine has. Each
// has its kernel in OptimizerKernels.swift and its CPU twin here
// (`twinUpdate`), which computes the same thing in the same order.
#if canImport(Glibc)
import Glibc
#endif

/// An optimizer the CUDA backend can run, with its hyperparameters.
public enum DeviceOptimizer: Sendable, Equatable, CustomStringConvertible {
    /// torch.optim.SGD(lr, momentum, dampening, weight_decay, nesterov).
    case sgd(learningRate: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false)
    /// torch.optim.Adam (decoupled: false) or AdamW (decoupled: true), optionally AMSGrad.
    case adam(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
              weightDecay: Double = 0, decoupled: Bool = false, amsgrad: Bool = false)
    /// torch.optim.RMSprop.
    case rmsprop(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0,
                 momentum: Double = 0, centered: Bool = false)
    /// torch.optim.Adagrad.
    case adagrad(learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
                 initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10)
    /// torch.optim.Adadelta.
    case adadelta(learningRate: Double = 1, rho: Double = 0.9, epsilon: Double = 1e-6, weightDecay: Double = 0)
    /// torch.optim.Adamax.
    case adamax(learningRate: Double = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0)
    /// torch.optim.NAdam.
    case nadam(learningRate: Double = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
               weightDecay: Double = 0, momentumDecay: Double = 4e-3)
    /// torch.optim.RAdam.
    case radam(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
               weightDecay: Double = 0)

    /// The name the engine's optimizer has ("momentum" and "nesterov" for SGD's variants).
    public var name: String {
        switch self {
        case let .sgd(_, momentum, _, _, nesterov): return nesterov ? "nesterov" : momentum > 0 ? "momentum" : "sgd"
        case let .adam(_, _, _, _, _, decoupled, amsgrad): return (decoupled ? "adamw" : "adam") + (amsgrad ? " (amsgrad)" : "")
        case let .rmsprop(_, _, _, _, momentum, centered):
            return "rmsprop" + (centered ? " centered" : "") + (momentum > 0 ? " with momentum" : "")
        case .adagrad: return "adagrad"
        case .adadelta: return "adadelta"
        case .adamax: return "adamax"
        case .nadam: return "nadam"
        case .radam: return "radam"
        }
    }

    /// The torch.optim class with these formulas.
    var torchName: String {
        switch self {
        case .sgd: return "SGD"
        case let .adam(_, _, _, _, _, decoupled, _): return decoupled ? "AdamW" : "Adam"
        case .rmsprop: return "RMSprop"
        case .adagrad: return "Adagrad"
        case .adadelta: return "Adadelta"
        case .adamax: return "Adamax"
        case .nadam: return "NAdam"
        case .radam: return "RAdam"
        }
    }

    /// The base learning rate (a schedule scales it step by step).
    public var learningRate: Double {
        switch self {
        case let .sgd(rate, _, _, _, _), let .adam(rate, _, _, _, _, _, _), let .rmsprop(rate, _, _, _, _, _),
             let .adagrad(rate, _, _, _, _), let .adadelta(rate, _, _, _), let .adamax(rate, _, _, _, _),
             let .nadam(rate, _, _, _, _, _), let .radam(rate, _, _, _, _):
            return rate
        }
    }

    public var description: String {
        let settings = hyperparameters.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
        return "\(torchName)(lr=\(learningRate), \(settings))"
    }

    /// The kernel that applies this optimizer.
    var kernelName: String {
        switch self {
        case .sgd: return "sgd_update"
        case .adam: return "adam_update"
        case .rmsprop: return "rmsprop_update"
        case .adagrad: return "adagrad_update"
        case .adadelta: return "adadelta_update"
        case .adamax: return "adamax_update"
        case .nadam: return "nadam_update"
        case .radam: return "radam_update"
        }
    }

    /// How many Floats of state per parameter, in the order the kernel keeps them.
    public var stateBuffers: Int {
        switch self {
        case let .sgd(_, momentum, _, _, _): return momentum != 0 ? 1 : 0
        case let .adam(_, _, _, _, _, _, amsgrad): return amsgrad ? 3 : 2
        case let .rmsprop(_, _, _, _, momentum, centered): return 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0)
        case .adagrad: return 1
        case .adadelta, .adamax, .nadam, .radam: return 2
        }
    }

    /// The value each state buffer starts at (Adagrad's initial accumulator; zero otherwise).
    var initialStateValue: Float {
        if case let .adagrad(_, _, _, initial, _) = self { return Float(initial) }
        return 0
    }

    /// The hyperparameters after the learning rate, named as torch.optim names them.
    var hyperparameters: [(String, String)] {
        func flag(_ value: Bool) -> String { value ? "True" : "False" }
        switch self {
        case let .sgd(_, momentum, dampening, weightDecay, nesterov):
            return [("momentum", "\(momentum)"), ("dampening", "\(dampening)"), ("weight_decay", "\(weightDecay)"),
                    ("nesterov", flag(nesterov))]
        case let .adam(_, beta1, beta2, epsilon, weightDecay, _, amsgrad):
            return [("betas", "(\(beta1), \(beta2))"), ("eps", "\(epsilon)"), ("weight_decay", "\(weightDecay)"), ("amsgrad", flag(amsgrad))]
        case let .rmsprop(_, alpha, epsilon, weightDecay, momentum, centered):
            return [("alpha", "\(alpha)"), ("eps", "\(epsilon)"), ("weight_decay", "\(weightDecay)"), ("momentum", "\(momentum)"),
                    ("centered", flag(centered))]
        case let .adagrad(_, decay, weightDecay, initial, epsilon):
            return [("lr_decay", "\(decay)"), ("weight_decay", "\(weightDecay)"), ("initial_accumulator_value", "\(initial)"),
                    ("eps", "\(epsilon)")]
        case let .adadelta(_, rho, epsilon, weightDecay):
            return [("rho", "\(rho)"), ("eps", "\(epsilon)"), ("weight_decay", "\(weightDecay)")]
        case let .adamax(_, beta1, beta2, epsilon, weightDecay), let .radam(_, beta1, beta2, epsilon, weightDecay):
            return [("betas", "(\(beta1), \(beta2))"), ("eps", "\(epsilon)"), ("weight_decay", "\(weightDecay)")]
        case let .nadam(_, beta1, beta2, epsilon, weightDecay, momentumDecay):
            return [("betas", "(\(beta1), \(beta2))"), ("eps", "\(epsilon)"), ("weight_decay", "\(weightDecay)"),
                    ("momentum_decay", "\(momentumDecay)")]
        }
    }

    /// The kernel's arguments after the seven common ones, in its signature's
    /// order and types (see OptimizerKernels.swift).
    var kernelArguments: [KernelArgument] {
        switch self {
        case let .sgd(_, momentum, dampening, weightDecay, nesterov):
            return [.float(Float(momentum)), .float(Float(dampening)), .float(Float(weightDecay)), .int(nesterov ? 1 : 0)]
        case let .adam(_, beta1, beta2, epsilon, weightDecay, decoupled, amsgrad):
            return [.double(beta1), .double(beta2), .float(Float(epsilon)), .float(Float(weightDecay)),
                    .int(decoupled ? 1 : 0), .int(amsgrad ? 1 : 0)]
        case let .rmsprop(_, alpha, epsilon, weightDecay, momentum, centered):
            return [.float(Float(alpha)), .float(Float(epsilon)), .float(Float(weightDecay)), .float(Float(momentum)),
                    .int(centered ? 1 : 0)]
        case let .adagrad(_, decay, weightDecay, _, epsilon):
            return [.double(decay), .float(Float(weightDecay)), .float(Float(epsilon))]
        case let .adadelta(_, rho, epsilon, weightDecay):
            return [.float(Float(rho)), .float(Float(epsilon)), .float(Float(weightDecay))]
        case let .adamax(_, beta1, beta2, epsilon, weightDecay):
            return [.double(beta1), .float(Float(beta2)), .float(Float(epsilon)), .float(Float(weightDecay))]
        case let .nadam(_, beta1, beta2, epsilon, weightDecay, momentumDecay):
            return [.double(beta1), .double(beta2), .float(Float(epsilon)), .float(Float(weightDecay)), .double(momentumDecay)]
        case let .radam(_, beta1, beta2, epsilon, weightDecay):
            return [.double(beta1), .double(beta2), .float(Float(epsilon)), .float(Float(weightDecay))]
        }
    }

    /// The device optimizer for an engine optimizer with the same settings.
    /// Only an optimizer of another kind (a wrapper written in a chapter, say)
    /// has no kernel.
    public static func matching(_ optimizer: any Optimizer<Float>) throws -> DeviceOptimizer {
        switch optimizer {
        case let o as SGD<Float>:
            return .sgd(learningRate: o.learningRate, momentum: o.momentum, dampening: o.dampening,
                        weightDecay: o.weightDecay, nesterov: o.nesterov)
        case let o as Adam<Float>:
            return .adam(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon,
                         weightDecay: o.weightDecay, decoupled: o.decoupledWeightDecay, amsgrad: o.amsgrad)
        case let o as AdamW<Float>:
            return .adam(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon,
                         weightDecay: o.weightDecay, decoupled: true, amsgrad: o.amsgrad)
        case let o as RMSprop<Float>:
            return .rmsprop(learningRate: o.learningRate, alpha: o.alpha, epsilon: o.epsilon, weightDecay: o.weightDecay,
                            momentum: o.momentum, centered: o.centered)
        case let o as Adagrad<Float>:
            return .adagrad(learningRate: o.learningRate, learningRateDecay: o.learningRateDecay, weightDecay: o.weightDecay,
                            initialAccumulatorValue: o.initialAccumulatorValue, epsilon: o.epsilon)
        case let o as Adadelta<Float>:
            return .adadelta(learningRate: o.learningRate, rho: o.rho, epsilon: o.epsilon, weightDecay: o.weightDecay)
        case let o as Adamax<Float>:
            return .adamax(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay)
        case let o as NAdam<Float>:
            return .nadam(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon,
                          weightDecay: o.weightDecay, momentumDecay: o.momentumDecay)
        case let o as RAdam<Float>:
            return .radam(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, weightDecay: o.weightDecay)
        default:
            throw CUDAError(call: "DeviceOptimizer.matching", code: -1,
                            message: "the CUDA backend has no update kernel for optimizer '\(optimizer.name)' "
                                + "(\(type(of: optimizer))); it runs the engine's SGD, Adam, AdamW, RMSprop, Adagrad, "
                                + "Adadelta, Adamax, NAdam and RAdam")
        }
    }

    /// The engine optimizer with the same settings, for checks against the CPU.
    public func engineOptimizer() -> any Optimizer<Float> {
        switch self {
        case let .sgd(rate, momentum, dampening, weightDecay, nesterov):
            return SGD<Float>(learningRate: rate, momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: weightDecay)
        case let .adam(rate, beta1, beta2, epsilon, weightDecay, decoupled, amsgrad):
            return Adam<Float>(learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                               amsgrad: amsgrad, decoupledWeightDecay: decoupled)
        case let .rmsprop(rate, alpha, epsilon, weightDecay, momentum, centered):
            return RMSprop<Float>(learningRate: rate, alpha: alpha, epsilon: epsilon, weightDecay: weightDecay,
                                  momentum: momentum, centered: centered)
        case let .adagrad(rate, decay, weightDecay, initial, epsilon):
            return Adagrad<Float>(learningRate: rate, learningRateDecay: decay, weightDecay: weightDecay,
                                  initialAccumulatorValue: initial, epsilon: epsilon)
        case let .adadelta(rate, rho, epsilon, weightDecay):
            return Adadelta<Float>(learningRate: rate, rho: rho, epsilon: epsilon, weightDecay: weightDecay)
        case let .adamax(rate, beta1, beta2, epsilon, weightDecay):
            return Adamax<Float>(learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        case let .nadam(rate, beta1, beta2, epsilon, weightDecay, momentumDecay):
            return NAdam<Float>(learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                                momentumDecay: momentumDecay)
        case let .radam(rate, beta1, beta2, epsilon, weightDecay):
            return RAdam<Float>(learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        }
    }

    /// The step scalars a fresh network starts with (KernelSource.Scalar):
    /// NAdam's product 1, no clipping, and `rates` as the learning rates
    /// (the base rate alone when nil).
    func initialScalars(rates: [Double]? = nil) -> [Double] {
        var scalars = [Double](repeating: 0, count: KernelSource.Scalar.learningRates)
        scalars[KernelSource.Scalar.nadamProduct] = 1
        scalars[KernelSource.Scalar.nadamProduct + 1] = 1
        scalars[KernelSource.Scalar.gradientScale] = 1
        return scalars + (rates ?? [learningRate])
    }

    // MARK: The CPU twin of the update kernels

    /// One update exactly as the kernel makes it: the same arguments (state
    /// buffers one after another, the step scalars, the counters), the same
    /// operations in the same order, no fused multiply-adds.
    func twinUpdate(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                    state: UnsafeMutablePointer<Float>, count: Int, scalars: UnsafeMutablePointer<Double>,
                    rateCount: Int, counters: UnsafePointer<UInt32>) {
        guard let rate = KernelTwins.stepRate(scalars: scalars, rateCount: rateCount, counters: counters) else { return }
        let scale = Float(scalars[KernelSource.Scalar.gradientScale])
        let completed = counters[KernelSource.Counter.completedSteps]
        let t = Double(completed) + 1
        let buffer1 = state + count, buffer2 = state + 2 * count

        @inline(__always) func lerp(_ start: Float, _ end: Float, _ weight: Float) -> Float {
            weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
        }
        @inline(__always) func decayed(_ gradient: Float, _ parameter: Float, _ weightDecay: Float) -> Float {
            weightDecay != 0 ? gradient + weightDecay * parameter : gradient
        }
        /// Adam's two moments at i (Adam, NAdam, RAdam): m ← lerp(m, g, 1 − β₁),
        /// v ← β₂v + (1 − β₂)g², stored in the first two buffers and returned.
        @inline(__always) func moments(_ i: Int, _ gradient: Float, _ b1: Float, _ b2: Float) -> (m: Float, v: Float) {
            let m = lerp(state[i], gradient, 1 - b1)
            let v = buffer1[i] * b2 + (1 - b2) * gradient * gradient
            state[i] = m
            buffer1[i] = v
            return (m, v)
        }

        switch self {
        case let .sgd(_, momentum, dampening, weightDecay, nesterov):
            let mu = Float(momentum), tau = Float(dampening), lambda = Float(weightDecay)
            for i in 0..<count {
                let parameter = p[i]
                var gradient = decayed(g[i] * scale, parameter, lambda)
                if mu != 0 {
                    var buffer = gradient
                    if t > 1 { buffer = mu * state[i] + (1 - tau) * gradient }
                    state[i] = buffer
                    gradient = nesterov ? gradient + mu * buffer : buffer
                }
                p[i] = parameter - Float(rate) * gradient
            }
        case let .adam(_, beta1, beta2, epsilon, weightDecay, decoupled, amsgrad):
            let correction1 = 1 - pow(beta1, t)
            let correction2Root = Float((1 - pow(beta2, t)).squareRoot())
            let stepSize = Float(rate / correction1)
            let lambda = Float(weightDecay), eps = Float(epsilon), b1 = Float(beta1), b2 = Float(beta2)
            for i in 0..<count {
                var parameter = p[i], gradient = g[i] * scale
                if lambda != 0 {
                    if decoupled { parameter = parameter * Float(1 - rate * Double(lambda)) } else { gradient = gradient + lambda * parameter }
                }
                let (m, v) = moments(i, gradient, b1, b2)
                var second = v
                if amsgrad {
                    second = fmaxf(buffer2[i], v)
                    buffer2[i] = second
                }
                let denominator = second.squareRoot() / correction2Root + eps
                p[i] = parameter - stepSize * (m / denominator)
            }
        case let .rmsprop(_, alpha, epsilon, weightDecay, momentum, centered):
            let a = Float(alpha), eps = Float(epsilon), lambda = Float(weightDecay), mu = Float(momentum)
            let negativeRate = Float(-rate)
            let average = buffer1, momentumBuffer = centered ? buffer2 : buffer1
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let s = state[i] * a + (1 - a) * gradient * gradient
                state[i] = s
                var root: Float
                if centered {
                    let ai = lerp(average[i], gradient, 1 - a)
                    average[i] = ai
                    root = (s - ai * ai).squareRoot()
                } else {
                    root = s.squareRoot()
                }
                let denominator = root + eps
                if mu > 0 {
                    let b = momentumBuffer[i] * mu + gradient / denominator
                    momentumBuffer[i] = b
                    p[i] = parameter + negativeRate * b
                } else {
                    p[i] = parameter + negativeRate * gradient / denominator
                }
            }
        case let .adagrad(_, decay, weightDecay, _, epsilon):
            let negativeRate = Float(-(rate / (1 + (t - 1) * decay)))
            let lambda = Float(weightDecay), eps = Float(epsilon)
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let s = state[i] + gradient * gradient
                state[i] = s
                p[i] = parameter + negativeRate * gradient / (s.squareRoot() + eps)
            }
        case let .adadelta(_, rho, epsilon, weightDecay):
            let r = Float(rho), eps = Float(epsilon), lambda = Float(weightDecay), negativeRate = Float(-rate)
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let s = state[i] * r + (1 - r) * gradient * gradient
                state[i] = s
                let delta = (buffer1[i] + eps).squareRoot() / (s + eps).squareRoot() * gradient
                buffer1[i] = buffer1[i] * r + (1 - r) * delta * delta
                p[i] = parameter + negativeRate * delta
            }
        case let .adamax(_, beta1, beta2, epsilon, weightDecay):
            let negativeStepSize = Float(-(rate / (1 - pow(beta1, t))))
            let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon), lambda = Float(weightDecay)
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let m = lerp(state[i], gradient, 1 - b1)
                let u = Swift.max(buffer1[i] * b2, abs(gradient) + eps)
                state[i] = m
                buffer1[i] = u
                p[i] = parameter + negativeStepSize * m / u
            }
        case let .nadam(_, beta1, beta2, epsilon, weightDecay, momentumDecay):
            let mu = beta1 * (1 - 0.5 * pow(0.96, t * momentumDecay))
            let muNext = beta1 * (1 - 0.5 * pow(0.96, (t + 1) * momentumDecay))
            let slot = KernelSource.Scalar.nadamProduct
            let product = Double(Float(scalars[slot + Int(completed & 1)]) * Float(mu))
            scalars[slot + Int((completed &+ 1) & 1)] = product
            let productNext = product * muNext
            let gradientCoefficient = Float(-rate * (1 - mu) / (1 - product))
            let averageCoefficient = Float((-rate * muNext) / (1 - productNext))
            let correction2 = Float(1 - pow(beta2, t))
            let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon), lambda = Float(weightDecay)
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let (m, v) = moments(i, gradient, b1, b2)
                let denominator = (v / correction2).squareRoot() + eps
                let afterGradient = parameter + gradientCoefficient * gradient / denominator
                p[i] = afterGradient + averageCoefficient * m / denominator
            }
        case let .radam(_, beta1, beta2, epsilon, weightDecay):
            let correction1 = Float(1 - pow(beta1, t))
            let correction2 = 1 - pow(beta2, t)
            let rhoInfinity = 2 / (1 - beta2) - 1
            let rho = rhoInfinity - 2 * t * pow(beta2, t) / correction2
            let rectification = rho > 5
                ? Float(((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot()) : 0
            let correction2Root = Float(correction2.squareRoot())
            let r = Float(rate), b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon), lambda = Float(weightDecay)
            for i in 0..<count {
                let parameter = p[i]
                let gradient = decayed(g[i] * scale, parameter, lambda)
                let (m, v) = moments(i, gradient, b1, b2)
                let corrected = m / correction1
                let update = rho > 5 ? corrected * r * ((1 / (v.squareRoot() + eps)) * correction2Root) * rectification
                                     : corrected * r
                p[i] = parameter - update
            }
        }
    }
}

extension KernelTwins {
    /// The twin of gradient_square_sums: block b's sum of squares, its
    /// threads' strided shares summed in order, then combined in the kernel's tree.
    static func gradientSquareSums(_ gradients: UnsafePointer<Float>, count: Int, blocks: Int,
                                   into partials: UnsafeMutablePointer<Double>) {
        let threads = KernelSource.blockSize
        for block in 0..<blocks {
            var sums = [Double](repeating: 0, count: threads)
            for t in 0..<threads {
                var i = block * threads + t
                while i < count {
                    let value = Double(gradients[i])
                    sums[t] += value * value
                    i += blocks * threads
                }
            }
            partials[block] = treeSum(&sums)
        }
    }

    /// The twin of gradient_square_sums' last block: the norm and min(1, maxNorm / (norm + 1e-6))
    /// into the scalars (1 for a negative maxNorm), and the norm into
    /// `normLog[stepInEpoch]` when given.
    static func clipCoefficient(partials: UnsafePointer<Double>, blocks: Int, maxNorm: Double,
                                scalars: UnsafeMutablePointer<Double>, normLog: UnsafeMutablePointer<Double>? = nil,
                                logCapacity: Int = 0, stepInEpoch: Int = 0) {
        var sums = [Double](repeating: 0, count: KernelSource.blockSize)
        for t in sums.indices {
            var b = t
            while b < blocks { sums[t] += partials[b]; b += sums.count }
        }
        let norm = treeSum(&sums).squareRoot()
        let coefficient = maxNorm / (norm + 1e-6)
        scalars[KernelSource.Scalar.gradientNorm] = norm
        scalars[KernelSource.Scalar.gradientScale] = maxNorm < 0 ? 1 : norm.isNaN ? norm : (coefficient < 1 ? coefficient : 1)
        if let normLog, stepInEpoch < logCapacity { normLog[stepInEpoch] = norm }
    }

    /// The kernels' shared-memory tree: values[t] += values[t + width] for halving widths.
    private static func treeSum(_ values: inout [Double]) -> Double {
        var width = values.count / 2
        while width > 0 {
            for t in 0..<width { values[t] += values[t + width] }
            width /= 2
        }
        return values[0]
    }
}
