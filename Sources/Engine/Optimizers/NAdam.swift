// NAdam (torch.optim.NAdam): Adam with Nesterov momentum and Dozat's momentum
// schedule, one pass per step:
//
//     g ← g + λθ
//     μₜ = β₁(1 − ½·0.96^(t·ψ)),  μₜ₊₁ = β₁(1 − ½·0.96^((t+1)·ψ))   (ψ: momentum_decay)
//     Πₜ = μ₁μ₂…μₜ
//     m ← lerp(m, g, 1 − β₁),  v ← β₂v + (1 − β₂)g²
//     d = √(v / (1 − β₂ᵗ)) + ε
//     θ ← θ − η(1 − μₜ)/(1 − Πₜ) · g/d − ημₜ₊₁/(1 − Πₜμₜ₊₁) · m/d
//
// The running product Πₜ is kept in Double here; PyTorch keeps it in a
// tensor of the default dtype (float32 unless changed).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NAdam with PyTorch's defaults (lr 2e-3, betas 0.9 and 0.999, eps 1e-8,
/// momentum_decay 4e-3).
public struct NAdam<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let momentumDecay: Double
    public var name: String { "nadam" }

    private var firstMoment: [Scalar] = []
    private var secondMoment: [Scalar] = []
    private var momentumProduct = 1.0
    public private(set) var stepCount = 0

    public init(
        learningRate: Double = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, momentumDecay: Double = 4e-3
    ) {
        requireAdamHyperparameters("NAdam", learningRate: learningRate, beta1: beta1, beta2: beta2,
                                   epsilon: epsilon, weightDecay: weightDecay)
        precondition(momentumDecay >= 0, "NAdam: momentum decay must be >= 0, got \(momentumDecay)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentumDecay = momentumDecay
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
        stepCount += 1

        let t = Double(stepCount)
        let biasCorrection2 = Scalar(1 - pow(beta2, t))
        let mu = beta1 * (1 - 0.5 * pow(0.96, t * momentumDecay))
        let muNext = beta1 * (1 - 0.5 * pow(0.96, (t + 1) * momentumDecay))
        // PyTorch keeps mu_product as a one-element tensor in the default
        // dtype, so each product is rounded to the parameters' precision.
        momentumProduct = Double(Scalar(momentumProduct) * Scalar(mu))
        let momentumProductNext = momentumProduct * muNext
        let gradientCoefficient = Scalar(-learningRate * (1 - mu) / (1 - momentumProduct))
        let averageCoefficient = Scalar((-learningRate * muNext) / (1 - momentumProductNext))
        let lerpWeight = Scalar(1 - beta1), lerpSmall = lerpWeightIsSmall(1 - beta1)
        let b2 = Scalar(beta2), oneMinusBeta2 = Scalar(1 - beta2)
        let eps = Scalar(epsilon)
        let decay = Scalar(weightDecay)
        firstMoment.withUnsafeMutableBufferPointer { mBuffer in
            secondMoment.withUnsafeMutableBufferPointer { vBuffer in
                let m = mBuffer.baseAddress!, v = vBuffer.baseAddress!
                for i in 0..<count {
                    let grad = multiplyAdd(decay, p[i], g[i])
                    let mi = torchLerp(m[i], grad, weight: lerpWeight, weightIsSmall: lerpSmall)
                    let vi = multiplyAdd(oneMinusBeta2 * grad, grad, v[i] * b2)
                    m[i] = mi; v[i] = vi
                    let denominator = squareRoot(vi / biasCorrection2) + eps
                    // Two separate addcdiv updates in PyTorch, so two roundings.
                    let afterGradient = p[i] + gradientCoefficient * grad / denominator
                    p[i] = afterGradient + averageCoefficient * mi / denominator
                }
            }
        }
    }

    public mutating func reset() {
        firstMoment = []
        secondMoment = []
        momentumProduct = 1
        stepCount = 0
    }
}
