// Rectified linear unit: y = max(x, 0).

public final class ReLU: Layer {
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var description: String { "ReLU" }

    private var output: ActivationBuffer
    private var inputGradient: ActivationBuffer
    private var lastOutput: Matrix?

    public init(_ features: Int) {
        self.inputFeatures = features
        self.output = ActivationBuffer(columns: features)
        self.inputGradient = ActivationBuffer(columns: features)
    }

    public func reserve(batchCapacity: Int) {
        output.reserve(rows: batchCapacity)
        inputGradient.reserve(rows: batchCapacity)
    }

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(inputFeatures, description)
        let y = output.matrix(rows: input.rows)
        Vectorized.relu(input.data, into: y.data, input.count)
        lastOutput = y
        return y
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard needsInputGradient else { return nil }
        guard let y = lastOutput else { preconditionFailure("ReLU: backward before forward") }
        let dx = inputGradient.matrix(rows: y.rows)
        Vectorized.reluBackward(output: y.data, gradient: outputGradient.data, into: dx.data, y.count)
        return dx
    }
}
