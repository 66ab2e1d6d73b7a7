// Adagrad (torch.optim.Adagrad), one pass per step:
//
//     g ← g + λθ
//     η̃ ← η / (1 + (t − 1)·lr_decay)
//     s ← s + g²                        (s starts at initial_accumulator_value)
//     θ ← θ − η̃ g / (√s + ε)

/// Adagrad with PyTorch's defaults (lr 1e-2, eps 1e-10, accumulator from 0).
public struct Adagrad<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let learningRateDecay: Double
    public let weightDecay: Double
    public let initialAccumulatorValue: Double
    public let epsilon: Double
    public var name: String { "adagrad" }

    private var sumOfSquares: [Scalar] = []
    public private(set) var stepCount = 0

    public init(
        learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10
    ) {
        precondition(learningRate >= 0, "Adagrad: learning rate must be >= 0, got \(learningRate)")
        precondition(learningRateDecay >= 0, "Adagrad: lr decay must be >= 0, got \(learningRateDecay)")
        precondition(weightDecay >= 0, "Adagrad: weight decay must be >= 0, got \(weightDecay)")
        precondition(initialAccumulatorValue >= 0,
                     "Adagrad: initial accumulator value must be >= 0, got \(initialAccumulatorValue)")
        precondition(epsilon >= 0, "Adagrad: eps must be >= 0, got \(epsilon)")
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
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
        sumOfSquares.ensureStateCount(count, initialValue: Scalar(initialAccumulatorValue))
        stepCount += 1

        let decayedRate = learningRate / (1 + Double(stepCount - 1) * learningRateDecay)
        let negativeRate = Scalar(-decayedRate)
        let eps = Scalar(epsilon)
        let decay = Scalar(weightDecay)
        sumOfSquares.withUnsafeMutableBufferPointer { sBuffer in
            let s = sBuffer.baseAddress!
            for i in 0..<count {
                let grad = multiplyAdd(decay, p[i], g[i])
                let si = multiplyAdd(grad, grad, s[i])
                s[i] = si
                p[i] = p[i] + negativeRate * grad / (squareRoot(si) + eps)
            }
        }
    }

    public mutating func reset() {
        sumOfSquares = []
        stepCount = 0
    }
}
