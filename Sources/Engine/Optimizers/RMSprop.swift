// RMSprop (torch.optim.RMSprop), one pass per step:
//
//     g ← g + λθ
//     s ← αs + (1 − α)g²
//     a ← lerp(a, g, 1 − α)             (centered only)
//     d ← √(s − a²) + ε   (centered)  or  √s + ε
//     b ← μb + g/d,  θ ← θ − ηb         (momentum > 0; b starts at zero)
//     θ ← θ − η g/d                     (otherwise)
//
// ε is added outside the square root, as in PyTorch (Keras and optax add it
// inside). PyTorch's default α is 0.99 and its default lr is 1e-2.

/// RMSprop with PyTorch's defaults (lr 1e-2, alpha 0.99, eps 1e-8).
public struct RMSprop<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let alpha: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let momentum: Double
    public let centered: Bool
    public var name: String { "rmsprop" }

    private var squareAverage: [Scalar] = []
    private var gradientAverage: [Scalar] = []
    private var momentumBuffer: [Scalar] = []

    public init(
        learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false
    ) {
        precondition(learningRate >= 0, "RMSprop: learning rate must be >= 0, got \(learningRate)")
        precondition(alpha >= 0, "RMSprop: alpha must be >= 0, got \(alpha)")
        precondition(epsilon >= 0, "RMSprop: eps must be >= 0, got \(epsilon)")
        precondition(weightDecay >= 0, "RMSprop: weight decay must be >= 0, got \(weightDecay)")
        precondition(momentum >= 0, "RMSprop: momentum must be >= 0, got \(momentum)")
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
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
        squareAverage.ensureStateCount(count)
        if centered { gradientAverage.ensureStateCount(count) }
        if momentum > 0 { momentumBuffer.ensureStateCount(count) }

        let negativeRate = Scalar(-learningRate)
        let a = Scalar(alpha), oneMinusAlpha = Scalar(1 - alpha)
        let lerpSmall = lerpWeightIsSmall(1 - alpha)
        let eps = Scalar(epsilon)
        let decay = Scalar(weightDecay)
        let mu = Scalar(momentum), hasMomentum = momentum > 0

        // One loop per variant, so that no branch is left inside a loop and
        // LLVM vectorises each of them.
        squareAverage.withUnsafeMutableBufferPointer { sBuffer in
            gradientAverage.withUnsafeMutableBufferPointer { aBuffer in
                momentumBuffer.withUnsafeMutableBufferPointer { bBuffer in
                    let s = sBuffer.baseAddress!
                    switch (centered, hasMomentum) {
                    case (false, false):
                        for i in 0..<count {
                            let grad = multiplyAdd(decay, p[i], g[i])
                            let si = multiplyAdd(oneMinusAlpha * grad, grad, s[i] * a)
                            s[i] = si
                            let denominator = squareRoot(si) + eps
                            p[i] = p[i] + negativeRate * grad / denominator
                        }
                    case (false, true):
                        let buffer = bBuffer.baseAddress!
                        for i in 0..<count {
                            let grad = multiplyAdd(decay, p[i], g[i])
                            let si = multiplyAdd(oneMinusAlpha * grad, grad, s[i] * a)
                            s[i] = si
                            let denominator = squareRoot(si) + eps
                            // addcdiv rounds the quotient before adding
                            let bi = buffer[i] * mu + grad / denominator
                            buffer[i] = bi
                            p[i] = multiplyAdd(negativeRate, bi, p[i])
                        }
                    case (true, false):
                        let average = aBuffer.baseAddress!
                        for i in 0..<count {
                            let grad = multiplyAdd(decay, p[i], g[i])
                            let si = multiplyAdd(oneMinusAlpha * grad, grad, s[i] * a)
                            s[i] = si
                            let ai = torchLerp(average[i], grad, weight: oneMinusAlpha, weightIsSmall: lerpSmall)
                            average[i] = ai
                            // addcmul with value −1: s + (−1·a)·a, fused
                            let denominator = squareRoot(multiplyAdd(-ai, ai, si)) + eps
                            p[i] = p[i] + negativeRate * grad / denominator
                        }
                    case (true, true):
                        let average = aBuffer.baseAddress!, buffer = bBuffer.baseAddress!
                        for i in 0..<count {
                            let grad = multiplyAdd(decay, p[i], g[i])
                            let si = multiplyAdd(oneMinusAlpha * grad, grad, s[i] * a)
                            s[i] = si
                            let ai = torchLerp(average[i], grad, weight: oneMinusAlpha, weightIsSmall: lerpSmall)
                            average[i] = ai
                            let denominator = squareRoot(multiplyAdd(-ai, ai, si)) + eps
                            let bi = buffer[i] * mu + grad / denominator
                            buffer[i] = bi
                            p[i] = multiplyAdd(negativeRate, bi, p[i])
                        }
                    }
                }
            }
        }
    }

    public mutating func reset() {
        squareAverage = []
        gradientAverage = []
        momentumBuffer = []
    }
}
