// Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov
// and L2 weight decay (torch.optim.SGD):
//
//     g ← g + λθ
//     b ← g                       on the first step
//     b ← μb + (1 − τ)g           afterwards
//     g ← g + μb  (Nesterov)  or  g ← b
//     θ ← θ − η g
//
// PyTorch starts the momentum buffer at the first gradient; mlx and optax
// start it at zero, which makes the first step (1 − τ) times smaller when
// dampening is used. We follow PyTorch.

/// Gradient descent, optionally with momentum, dampening, Nesterov momentum
/// and L2 weight decay. With the defaults it is plain gradient descent.
public struct SGD<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public var name: String { "sgd" }

    /// True when a step is exactly θ ← θ − η g (no momentum, no decay), which
    /// the trainer may fold into the backward pass at batch size 1.
    public var isPlainGradientDescent: Bool { momentum == 0 && weightDecay == 0 }

    private var momentumBuffer: [Scalar] = []
    private var hasMomentumBuffer = false

    /// PyTorch's defaults: lr 1e-3, no momentum, no dampening, no decay.
    public init(
        learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0
    ) {
        precondition(learningRate >= 0, "SGD: learning rate must be >= 0, got \(learningRate)")
        precondition(momentum >= 0, "SGD: momentum must be >= 0, got \(momentum)")
        precondition(weightDecay >= 0, "SGD: weight decay must be >= 0, got \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum requires momentum > 0 and dampening 0")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
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
        let negativeRate = Scalar(-learningRate)
        let decay = Scalar(weightDecay)

        if momentum == 0 {
            for i in 0..<count {
                let grad = multiplyAdd(decay, p[i], g[i])
                p[i] = multiplyAdd(negativeRate, grad, p[i])
            }
            return
        }

        let mu = Scalar(momentum)
        let keep = Scalar(1 - dampening)
        let isFirstStep = !hasMomentumBuffer
        momentumBuffer.ensureStateCount(count)
        hasMomentumBuffer = true
        let nesterov = self.nesterov
        momentumBuffer.withUnsafeMutableBufferPointer { bufferPointer in
            let b = bufferPointer.baseAddress!
            if isFirstStep {
                for i in 0..<count { b[i] = multiplyAdd(decay, p[i], g[i]) }
            }
            // Nesterov's direction g + μb, or b itself; selected arithmetically.
            let nesterovWeight: Scalar = nesterov ? 1 : 0, bufferWeight: Scalar = nesterov ? mu : 1
            for i in 0..<count {
                let grad = multiplyAdd(decay, p[i], g[i])
                let buffer = isFirstStep ? b[i] : multiplyAdd(keep, grad, b[i] * mu)
                b[i] = buffer
                let direction = multiplyAdd(bufferWeight, buffer, nesterovWeight * grad)
                p[i] = multiplyAdd(negativeRate, direction, p[i])
            }
        }
    }

    public mutating func reset() {
        momentumBuffer = []
        hasMomentumBuffer = false
    }
}
