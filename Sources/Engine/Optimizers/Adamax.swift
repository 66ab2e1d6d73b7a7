// Adamax (torch.optim.Adamax), Adam's infinity-norm variant, one pass per step:
//
//     g ← g + λθ
//     m ← lerp(m, g, 1 − β₁)
//     u ← max(β₂u, |g| + ε)
//     θ ← θ − η/(1 − β₁ᵗ) · m / u
//
// ε sits inside the max, as in PyTorch, which keeps u away from zero even
// when the gradient is exactly zero.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adamax with PyTorch's defaults (lr 2e-3, betas 0.9 and 0.999, eps 1e-8).
public struct Adamax<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public var name: String { "adamax" }

    private var firstMoment: [Scalar] = []
    private var infinityNorm: [Scalar] = []
    public private(set) var stepCount = 0

    public init(
        learningRate: Double = 2e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0
    ) {
        requireAdamHyperparameters("Adamax", learningRate: learningRate, beta1: beta1, beta2: beta2,
                                   epsilon: epsilon, weightDecay: weightDecay)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
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
        infinityNorm.ensureStateCount(count)
        stepCount += 1

        let negativeStepSize = Scalar(-(learningRate / (1 - pow(beta1, Double(stepCount)))))
        let lerpWeight = Scalar(1 - beta1), lerpSmall = lerpWeightIsSmall(1 - beta1)
        let b2 = Scalar(beta2)
        let eps = Scalar(epsilon)
        let decay = Scalar(weightDecay)
        firstMoment.withUnsafeMutableBufferPointer { mBuffer in
            infinityNorm.withUnsafeMutableBufferPointer { uBuffer in
                let m = mBuffer.baseAddress!, u = uBuffer.baseAddress!
                for i in 0..<count {
                    let grad = multiplyAdd(decay, p[i], g[i])
                    let mi = torchLerp(m[i], grad, weight: lerpWeight, weightIsSmall: lerpSmall)
                    let ui = Swift.max(u[i] * b2, abs(grad) + eps)
                    m[i] = mi; u[i] = ui
                    p[i] = p[i] + negativeStepSize * mi / ui
                }
            }
        }
    }

    public mutating func reset() {
        firstMoment = []
        infinityNorm = []
        stepCount = 0
    }
}
