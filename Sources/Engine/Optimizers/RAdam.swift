// RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on only
// once the variance of the adaptive rate is tractable, one pass per step:
//
//     g ← g + λθ
//     m ← lerp(m, g, 1 − β₁),  v ← β₂v + (1 − β₂)g²
//     m̂ = m / (1 − β₁ᵗ)
//     ρ∞ = 2/(1 − β₂) − 1,  ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
//     ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)),
//              θ ← θ − m̂·η·(√(1 − β₂ᵗ) / (√v + ε))·r
//     else:    θ ← θ − m̂·η                    (plain momentum SGD)
//
// The threshold 5 is PyTorch's; the paper uses 4, at which r would be zero.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RAdam with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999, eps 1e-8).
public struct RAdam<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public var name: String { "radam" }

    private var firstMoment: [Scalar] = []
    private var secondMoment: [Scalar] = []
    public private(set) var stepCount = 0

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0
    ) {
        requireAdamHyperparameters("RAdam", learningRate: learningRate, beta1: beta1, beta2: beta2,
                                   epsilon: epsilon, weightDecay: weightDecay)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// ρₜ for step t (from 1): the length of the approximated simple moving
    /// average; the adaptive step is used when it exceeds 5.
    public func rho(atStep t: Int) -> Double {
        let rhoInfinity = 2 / (1 - beta2) - 1
        let step = Double(t)
        return rhoInfinity - 2 * step * pow(beta2, step) / (1 - pow(beta2, step))
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
        let biasCorrection1 = Scalar(1 - pow(beta1, t))
        let biasCorrection2 = 1 - pow(beta2, t)
        let rhoInfinity = 2 / (1 - beta2) - 1
        let rhoT = rhoInfinity - 2 * t * pow(beta2, t) / biasCorrection2
        let rectified = rhoT > 5
        let rectification = rectified
            ? Scalar(((rhoT - 4) * (rhoT - 2) * rhoInfinity
                      / ((rhoInfinity - 4) * (rhoInfinity - 2) * rhoT)).squareRoot())
            : 0
        let biasCorrection2Root = Scalar(biasCorrection2.squareRoot())
        let rate = Scalar(learningRate)
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
                    let correctedAverage = mi / biasCorrection1
                    let update: Scalar
                    if rectified {
                        // Python's float / tensor is reciprocal(tensor) · float.
                        let adaptiveRate = (1 / (squareRoot(vi) + eps)) * biasCorrection2Root
                        update = correctedAverage * rate * adaptiveRate * rectification
                    } else {
                        update = correctedAverage * rate
                    }
                    p[i] = p[i] - update
                }
            }
        }
    }

    public mutating func reset() {
        firstMoment = []
        secondMoment = []
        stepCount = 0
    }
}
