// Plain (stochastic) gradient descent: θ ← θ − η ∇J.

/// Gradient descent with a fixed learning rate.
public struct SGD<Scalar: BinaryFloatingPoint>: Optimizer {
    public var learningRate: Double
    public var name: String { "sgd" }

    public init(learningRate: Double) {
        precondition(learningRate >= 0, "SGD: learning rate must be >= 0, got \(learningRate)")
        self.learningRate = learningRate
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(
        parameters: UnsafeMutableBufferPointer<Scalar>,
        gradients: UnsafeBufferPointer<Scalar>
    ) {
        precondition(parameters.count == gradients.count,
                     "SGD: \(parameters.count) parameters but \(gradients.count) gradients")
        let rate = Scalar(learningRate)
        guard var p = parameters.baseAddress, var g = gradients.baseAddress else { return }
        for _ in 0..<parameters.count {
            p.pointee -= rate * g.pointee
            p += 1
            g += 1
        }
    }

    public mutating func reset() {}
}
