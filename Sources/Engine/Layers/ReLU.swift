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
        for i in 0..<input.count { y.data[i] = max(input.data[i], 0) }
        lastOutput = y
        return y
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard needsInputGradient else { return nil }
        guard let y = lastOutput else { preconditionFailure("ReLU: backward before forward") }
        let dx = inputGradient.matrix(rows: y.rows)
        for i in 0..<y.count { dx.data[i] = y.data[i] > 0 ? outputGradient.data[i] : 0 }
        return dx
    }
}
