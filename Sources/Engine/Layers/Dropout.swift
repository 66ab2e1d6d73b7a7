// Inverted dropout: in training each activation is kept with probability
// 1 − p and scaled by 1/(1 − p), so evaluation is the identity.

public final class Dropout: Layer {
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public let probability: Float
    public var description: String { "Dropout(\(probability))" }

    /// Seeded by the model; reseeding makes a run's masks reproducible.
    public var generator = RandomGenerator(seed: 0)

    private var output: ActivationBuffer
    private var mask: ActivationBuffer          // 0 or 1/(1−p) per activation
    private var inputGradient: ActivationBuffer
    private var lastMode: Mode = .evaluation
    private var lastRows = 0

    public init(_ features: Int, probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.inputFeatures = features
        self.probability = probability
        self.output = ActivationBuffer(columns: features)
        self.mask = ActivationBuffer(columns: features)
        self.inputGradient = ActivationBuffer(columns: features)
    }

    public func reserve(batchCapacity: Int) {
        output.reserve(rows: batchCapacity)
        mask.reserve(rows: batchCapacity)
        inputGradient.reserve(rows: batchCapacity)
    }

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(inputFeatures, description)
        lastMode = mode
        lastRows = input.rows
        guard mode == .training, probability > 0 else { return input }
        let y = output.matrix(rows: input.rows), m = mask.matrix(rows: input.rows)
        let scale = 1 / (1 - probability)
        // Two 24-bit uniforms per 64-bit draw halve the generator's cost.
        var i = 0
        let count = input.count
        while i < count {
            let bits = generator.next()
            let first = Float(bits >> 40) * (1.0 / 16_777_216.0)
            let second = Float((bits >> 8) & 0xFF_FFFF) * (1.0 / 16_777_216.0)
            m.data[i] = first >= probability ? scale : 0
            if i + 1 < count { m.data[i + 1] = second >= probability ? scale : 0 }
            i += 2
        }
        Vectorized.multiply(input.data, m.data, into: y.data, count)
        return y
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard needsInputGradient else { return nil }
        guard lastMode == .training, probability > 0 else { return outputGradient }
        let dx = inputGradient.matrix(rows: lastRows), m = mask.matrix(rows: lastRows)
        Vectorized.multiply(outputGradient.data, m.data, into: dx.data, dx.count)
        return dx
    }
}
