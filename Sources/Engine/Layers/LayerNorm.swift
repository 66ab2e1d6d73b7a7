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
            let mean = Vectorized.sum(x, n) / Float(n)
            let variance = Vectorized.sumOfSquaredDeviations(x, n, from: mean) / Float(n)
            let inverseDeviation = 1 / (variance + epsilon).squareRoot()
            stats.row(r)[0] = mean
            stats.row(r)[1] = inverseDeviation
            normalizeRow(x: x, out: out, gain: gain, shift: shift, mean: mean, inverseDeviation: inverseDeviation, count: n)
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
            layerNormRowSums(x: x, dy: dy, gain: gain, mean: mean, inverseDeviation: inverseDeviation, count: n,
                             gainGradient: gainGradient, shiftGradient: shiftGradient, sumG: &sumG, sumGX: &sumGX)
            let meanG = sumG / Float(n), meanGX = sumGX / Float(n)
            if needsInputGradient {
                layerNormRowInputGradient(x: x, dy: dy, gain: gain, mean: mean, inverseDeviation: inverseDeviation,
                                          meanG: meanG, meanGX: meanGX, count: n, into: out)
            }
        }
        return needsInputGradient ? dx : nil
    }
}

/// One row of LayerNorm's backward reductions, 8 lanes at a time:
/// Σ g and Σ g·x̂ with g = dy·γ, while accumulating dγ += dy·x̂ and dβ += dy.
@inline(__always)
private func layerNormRowSums(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, gain: UnsafePointer<Float>,
    mean: Float, inverseDeviation: Float, count n: Int,
    gainGradient: UnsafeMutablePointer<Float>, shiftGradient: UnsafeMutablePointer<Float>,
    sumG: inout Float, sumGX: inout Float
) {
    typealias V = Vectorized.Vector
    var accumulatorG = V(), accumulatorGX = V()
    let m = V(repeating: mean), s = V(repeating: inverseDeviation)
    var i = 0
    while i + 8 <= n {
        let normalized = (Vectorized.load(x, i) - m) * s
        let d = Vectorized.load(dy, i)
        let g = d * Vectorized.load(gain, i)
        accumulatorG += g
        accumulatorGX += g * normalized
        Vectorized.store(Vectorized.load(gainGradient, i) + d * normalized, gainGradient, i)
        Vectorized.store(Vectorized.load(shiftGradient, i) + d, shiftGradient, i)
        i += 8
    }
    sumG = accumulatorG.sum()
    sumGX = accumulatorGX.sum()
    while i < n {
        let normalized = (x[i] - mean) * inverseDeviation
        let g = dy[i] * gain[i]
        sumG += g
        sumGX += g * normalized
        gainGradient[i] += dy[i] * normalized
        shiftGradient[i] += dy[i]
        i += 1
    }
}

/// out = (x − μ)·(1/σ)·γ + β for one row.
@inline(__always)
private func normalizeRow(x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, gain: UnsafePointer<Float>,
                          shift: UnsafePointer<Float>, mean: Float, inverseDeviation: Float, count n: Int) {
    typealias V = Vectorized.Vector
    let m = V(repeating: mean), s = V(repeating: inverseDeviation)
    var i = 0
    while i + 8 <= n {
        let value = (Vectorized.load(x, i) - m) * s * Vectorized.load(gain, i) + Vectorized.load(shift, i)
        Vectorized.store(value, out, i)
        i += 8
    }
    while i < n { out[i] = (x[i] - mean) * inverseDeviation * gain[i] + shift[i]; i += 1 }
}

/// dx = (dy·γ − mean(g) − x̂·mean(g·x̂)) / σ for one row.
@inline(__always)
private func layerNormRowInputGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                                       mean: Float, inverseDeviation: Float, meanG: Float, meanGX: Float,
                                       count n: Int, into out: UnsafeMutablePointer<Float>) {
    typealias V = Vectorized.Vector
    let m = V(repeating: mean), s = V(repeating: inverseDeviation)
    let mg = V(repeating: meanG), mgx = V(repeating: meanGX)
    var i = 0
    while i + 8 <= n {
        let normalized = (Vectorized.load(x, i) - m) * s
        let value = (Vectorized.load(dy, i) * Vectorized.load(gain, i) - mg - normalized * mgx) * s
        Vectorized.store(value, out, i)
        i += 8
    }
    while i < n {
        let normalized = (x[i] - mean) * inverseDeviation
        out[i] = (dy[i] * gain[i] - meanG - normalized * meanGX) * inverseDeviation
        i += 1
    }
}
