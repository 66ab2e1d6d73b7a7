// Adadelta (torch.optim.Adadelta), one pass per step:
//
//     g ← g + λθ
//     s ← ρs + (1 − ρ)g²
//     Δ ← √(u + ε) / √(s + ε) · g
//     u ← ρu + (1 − ρ)Δ²
//     θ ← θ − ηΔ
//
// PyTorch keeps a learning rate (default 1.0) on top of Zeiler's rule, which
// has none; with lr 1 the two agree.

/// Adadelta with PyTorch's defaults (lr 1.0, rho 0.9, eps 1e-6).
public struct Adadelta<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public let rho: Double
    public let epsilon: Double
    public let weightDecay: Double
    public var name: String { "adadelta" }

    private var squareAverage: [Scalar] = []
    private var deltaAverage: [Scalar] = []

    public init(
        learningRate: Double = 1.0, rho: Double = 0.9, epsilon: Double = 1e-6,
        weightDecay: Double = 0
    ) {
        precondition(learningRate >= 0, "Adadelta: learning rate must be >= 0, got \(learningRate)")
        precondition((0...1).contains(rho), "Adadelta: rho must be in [0, 1], got \(rho)")
        precondition(epsilon >= 0, "Adadelta: eps must be >= 0, got \(epsilon)")
        precondition(weightDecay >= 0, "Adadelta: weight decay must be >= 0, got \(weightDecay)")
        self.learningRate = learningRate
        self.rho = rho
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
        squareAverage.ensureStateCount(count)
        deltaAverage.ensureStateCount(count)

        let negativeRate = Scalar(-learningRate)
        let r = Scalar(rho), oneMinusRho = Scalar(1 - rho)
        let eps = Scalar(epsilon)
        let decay = Scalar(weightDecay)
        squareAverage.withUnsafeMutableBufferPointer { sBuffer in
            deltaAverage.withUnsafeMutableBufferPointer { uBuffer in
                let s = sBuffer.baseAddress!, u = uBuffer.baseAddress!
                for i in 0..<count {
                    let grad = multiplyAdd(decay, p[i], g[i])
                    let si = multiplyAdd(oneMinusRho * grad, grad, s[i] * r)
                    s[i] = si
                    let standardDeviation = squareRoot(si + eps)
                    let delta = squareRoot(u[i] + eps) / standardDeviation * grad
                    u[i] = multiplyAdd(oneMinusRho * delta, delta, u[i] * r)
                    p[i] = multiplyAdd(negativeRate, delta, p[i])
                }
            }
        }
    }

    public mutating func reset() {
        squareAverage = []
        deltaAverage = []
    }
}
