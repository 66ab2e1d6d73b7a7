// Adam and AdamW (torch.optim.Adam, torch.optim.AdamW), one pass per step:
//
//     g ← g + λθ                        (Adam: L2 decay folded into the gradient)
//     θ ← θ(1 − ηλ)                     (AdamW: decoupled decay, before the moments)
//     m ← lerp(m, g, 1 − β₁)
//     v ← β₂v + (1 − β₂)g²
//     v̂ ← max(v̂, v)                    (AMSGrad only)
//     θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// ε is added after the bias-corrected square root, as in PyTorch; optax and
// the original paper's pseudo-code put it in the same place, but some
// libraries fold the bias correction into ε differently.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999, eps 1e-8),
/// optional L2 weight decay and AMSGrad.
public struct Adam<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let amsgrad: Bool
    /// AdamW's decay θ ← θ(1 − ηλ) instead of Adam's g ← g + λθ.
    public let decoupledWeightDecay: Bool
    public var name: String { decoupledWeightDecay ? "adamw" : "adam" }

    private var firstMoment: [Scalar] = []
    private var secondMoment: [Scalar] = []
    private var maximumSecondMoment: [Scalar] = []
    public private(set) var stepCount = 0

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        requireAdamHyperparameters("Adam", learningRate: learningRate, beta1: beta1, beta2: beta2,
                                   epsilon: epsilon, weightDecay: weightDecay)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(
        parameters: UnsafeMutableBufferPointer<Scalar>,
        gradients: UnsafeBufferPointer<Scalar>
    ) {
        checkSameCount(name, parameters.count, gradients.count)
        let count = parameters.count
        guard let p = parameters.baseAddress, let g = gradients.baseAddress else { return }
        firstMoment.ensureStateCount(count)
        secondMoment.ensureStateCount(count)
        if amsgrad { maximumSecondMoment.ensureStateCount(count) }
        stepCount += 1

        // Per-step scalars in Double, as PyTorch computes them in Python floats.
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        let negativeStepSize = Scalar(-(learningRate / biasCorrection1))
        let biasCorrection2Root = Scalar(biasCorrection2.squareRoot())
        let eps = Scalar(epsilon)
        let b2 = Scalar(beta2), oneMinusBeta2 = Scalar(1 - beta2)
        let lerpWeight = Scalar(1 - beta1), lerpSmall = lerpWeightIsSmall(1 - beta1)
        // Both decays without a branch in the loop (a branch there stops LLVM
        // from vectorising): adding 0·θ and multiplying by 1 change nothing.
        let decay = Scalar(decoupledWeightDecay ? 0 : weightDecay)
        let shrink = Scalar(decoupledWeightDecay ? 1 - learningRate * weightDecay : 1)
        let amsgrad = self.amsgrad

        firstMoment.withUnsafeMutableBufferPointer { mBuffer in
            secondMoment.withUnsafeMutableBufferPointer { vBuffer in
                maximumSecondMoment.withUnsafeMutableBufferPointer { maxBuffer in
                    let m = mBuffer.baseAddress!, v = vBuffer.baseAddress!
                    if amsgrad {
                        let vMax = maxBuffer.baseAddress!
                        for i in 0..<count {
                            let theta = p[i] * shrink
                            let grad = multiplyAdd(decay, theta, g[i])
                            let mi = torchLerp(m[i], grad, weight: lerpWeight, weightIsSmall: lerpSmall)
                            let vi = multiplyAdd(oneMinusBeta2 * grad, grad, v[i] * b2)
                            let largest = Swift.max(vMax[i], vi)
                            m[i] = mi; v[i] = vi; vMax[i] = largest
                            let denominator = squareRoot(largest) / biasCorrection2Root + eps
                            p[i] = theta + negativeStepSize * mi / denominator
                        }
                    } else {
                        for i in 0..<count {
                            let theta = p[i] * shrink
                            let grad = multiplyAdd(decay, theta, g[i])
                            let mi = torchLerp(m[i], grad, weight: lerpWeight, weightIsSmall: lerpSmall)
                            let vi = multiplyAdd(oneMinusBeta2 * grad, grad, v[i] * b2)
                            m[i] = mi; v[i] = vi
                            let denominator = squareRoot(vi) / biasCorrection2Root + eps
                            p[i] = theta + negativeStepSize * mi / denominator
                        }
                    }
                }
            }
        }
    }

    public mutating func reset() {
        firstMoment = []
        secondMoment = []
        maximumSecondMoment = []
        stepCount = 0
    }
}

/// AdamW: Adam with decoupled weight decay, θ ← θ(1 − ηλ) before the moment
/// updates. PyTorch's default decay for AdamW is 1e-2 (Adam's is 0).
public struct AdamW<Scalar: BinaryFloatingPoint>: Optimizer {
    private var adam: Adam<Scalar>
    public var name: String { "adamw" }
    public var learningRate: Double {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }
    public var beta1: Double { adam.beta1 }
    public var beta2: Double { adam.beta2 }
    public var epsilon: Double { adam.epsilon }
    public var weightDecay: Double { adam.weightDecay }
    public var amsgrad: Bool { adam.amsgrad }

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
    ) {
        adam = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                    weightDecay: weightDecay, amsgrad: amsgrad, decoupledWeightDecay: true)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(
        parameters: UnsafeMutableBufferPointer<Scalar>,
        gradients: UnsafeBufferPointer<Scalar>
    ) {
        adam.step(parameters: parameters, gradients: gradients)
    }

    public mutating func reset() { adam.reset() }
}
