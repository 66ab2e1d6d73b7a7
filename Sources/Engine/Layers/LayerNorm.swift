// Layer normalisation over the features of each row, with a learnable gain
// and bias: y = (x − μ) / √(σ² + ε) · γ + β, ε = 1e-5 (PyTorch's default).

public final class LayerNorm: Layer {
    public let inputFeatures: Int
    public var outputFeatures: Int { inputFeatures }
    public var parameterCount: Int { 2 * inputFeatures }
    public var description: String { "LayerNorm(\(inputFeatures))" }
    public let epsilon: Float

    private var gain: UnsafeMutablePointer<Float>!          // [features]
    private var shift: UnsafeMutablePointer<Float>!         // [features]
    private var gainGradient: UnsafeMutablePointer<Float>!  // [features]
    private var shiftGradient: UnsafeMutablePointer<Float>! // [features]

    private var output: ActivationBuffer        // [batch, features]
    private var inputGradient: ActivationBuffer // [batch, features]
    private var statistics: ActivationBuffer    // [batch, 2]: mean, 1/std per row
    private var lastInput: Matrix?

    public init(_ features: Int, epsilon: Float = 1e-5) {
        precondition(features > 0, "LayerNorm(\(features)): size must be positive")
        self.inputFeatures = features
        self.epsilon = epsilon
        self.output = ActivationBuffer(columns: features)
        self.inputGradient = ActivationBuffer(columns: features)
        self.statistics = ActivationBuffer(columns: 2)
    }

    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        gain = parameters
        shift = parameters + inputFeatures
        gainGradient = gradients
        shiftGradient = gradients + inputFeatures
    }

    public func initializeParameters(using generator: inout RandomGenerator) {
        gain.update(repeating: 1, count: inputFeatures)
        shift.update(repeating: 0, count: inputFeatures)
    }

    public func reserve(batchCapacity: Int) {
        output.reserve(rows: batchCapacity)
        inputGradient.reserve(rows: batchCapacity)
        statistics.reserve(rows: batchCapacity)
    }

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(inputFeatures, description)
        lastInput = input
        let n = inputFeatures
        let y = output.matrix(rows: input.rows)
        let stats = statistics.matrix(rows: input.rows)
        for r in 0..<input.rows {
            let x = input.row(r), out = y.row(r)
            var sum: Float = 0
            for i in 0..<n { sum += x[i] }
            let mean = sum / Float(n)
            var squares: Float = 0
            for i in 0..<n { let d = x[i] - mean; squares += d * d }
            let inverseDeviation = 1 / (squares / Float(n) + epsilon).squareRoot()
            stats.row(r)[0] = mean
            stats.row(r)[1] = inverseDeviation
            for i in 0..<n { out[i] = (x[i] - mean) * inverseDeviation * gain[i] + shift[i] }
        }
        return y
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard let input = lastInput else { preconditionFailure("\(description): backward before forward") }
        outputGradient.requireColumns(inputFeatures, "\(description) backward")
        let n = inputFeatures
        let stats = statistics.matrix(rows: input.rows)
        let dx = inputGradient.matrix(rows: input.rows)
        gainGradient.update(repeating: 0, count: n)
        shiftGradient.update(repeating: 0, count: n)
        for r in 0..<input.rows {
            let x = input.row(r), dy = outputGradient.row(r), out = dx.row(r)
            let mean = stats.row(r)[0], inverseDeviation = stats.row(r)[1]
            // With x̂ = (x − μ)/σ and g = dy·γ:  dx = (g − mean(g) − x̂·mean(g·x̂)) / σ
            var sumG: Float = 0, sumGX: Float = 0
            for i in 0..<n {
                let normalized = (x[i] - mean) * inverseDeviation
                let g = dy[i] * gain[i]
                sumG += g
                sumGX += g * normalized
                gainGradient[i] += dy[i] * normalized
                shiftGradient[i] += dy[i]
            }
            let meanG = sumG / Float(n), meanGX = sumGX / Float(n)
            if needsInputGradient {
                for i in 0..<n {
                    let normalized = (x[i] - mean) * inverseDeviation
                    out[i] = (dy[i] * gain[i] - meanG - normalized * meanGX) * inverseDeviation
                }
            }
        }
        return needsInputGradient ? dx : nil
    }
}
