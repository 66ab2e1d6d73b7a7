// Fully connected layer: y = x Wᵀ + b, with W shaped [out, in] as in PyTorch.

public final class Linear: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public var parameterCount: Int { outputFeatures * inputFeatures + outputFeatures }
    public var description: String { "Linear(\(inputFeatures), \(outputFeatures))" }

    // Views into the model's flat buffers (layout: weight [out, in], then bias [out]).
    private var weight: Matrix!          // [out, in]
    private var bias: UnsafeMutablePointer<Float>!            // [out]
    private var weightGradient: Matrix!  // [out, in]
    private var biasGradient: UnsafeMutablePointer<Float>!    // [out]

    private var output: ActivationBuffer       // [batch, out]
    private var inputGradient: ActivationBuffer // [batch, in]
    private var lastInput: Matrix?

    public init(_ inputFeatures: Int, _ outputFeatures: Int) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear(\(inputFeatures), \(outputFeatures)): sizes must be positive")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.output = ActivationBuffer(columns: outputFeatures)
        self.inputGradient = ActivationBuffer(columns: inputFeatures)
    }

    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        weight = Matrix(data: parameters, rows: outputFeatures, columns: inputFeatures)
        bias = parameters + outputFeatures * inputFeatures
        weightGradient = Matrix(data: gradients, rows: outputFeatures, columns: inputFeatures)
        biasGradient = gradients + outputFeatures * inputFeatures
    }

    /// PyTorch's nn.Linear default: kaiming_uniform(a=√5) for the weight, which
    /// reduces to U(±1/√fan_in), and U(±1/√fan_in) for the bias.
    public func initializeParameters(using generator: inout RandomGenerator) {
        let bound = 1 / Float(inputFeatures).squareRoot()
        for i in 0..<weight.count { weight.data[i] = generator.uniform(-bound, bound) }
        for i in 0..<outputFeatures { bias[i] = generator.uniform(-bound, bound) }
    }

    public func reserve(batchCapacity: Int) {
        output.reserve(rows: batchCapacity)
        reservedRows = batchCapacity
    }
    // The input gradient is allocated on the first backward that needs it: the
    // first layer of a network never does, and at batch 10,000 that is 31 MB.
    private var reservedRows = 0

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(inputFeatures, description)
        lastInput = input
        let span = Self.nonzeroColumnSpan(input)
        lastSpan = span
        let y = output.matrix(rows: input.rows)
        for r in 0..<input.rows { y.row(r).update(from: bias, count: outputFeatures) }
        guard !span.isEmpty else { return y }
        let x = columns(span, of: input), w = columns(span, of: weight)
        if input.rows == 1 {
            BLAS.gemv(w, x.data, into: y.data, beta: 1)
        } else {
            BLAS.gemm(x, w, transposeB: true, into: StridedMatrix(y), beta: 1)
        }
        return y
    }

    /// The columns of the last input outside which all its entries are zero.
    private var lastSpan = 0..<0

    /// The narrowest range of columns outside which every entry of `x` is
    /// zero. Products skip the columns outside it, which is exact: a zero
    /// input adds nothing to y = xWᵀ + b, and its column of dW = dYᵀx is zero.
    /// It pays on the first layer, whose input is raw pixels: MNIST digits
    /// have blank rows above and below, so a batch of 32 spans about 87% of
    /// the 784 columns. Hidden layers span all their columns, and finding
    /// that out reads a few entries per row.
    static func nonzeroColumnSpan(_ x: Matrix) -> Range<Int> {
        // One example goes through sgemv and a rank-1 update, which measured
        // faster over whole rows than over the span (104 against 109 µs
        // per step at batch 1): only batches look for a span.
        if x.rows == 1 { return 0..<x.columns }
        var low = x.columns, high = 0
        for r in 0..<x.rows {
            let row = x.row(r)
            var j = 0
            while j < low && row[j] == 0 { j += 1 }
            if j == x.columns { continue }   // an all-zero row
            low = min(low, j)
            var k = x.columns
            while k > high && row[k - 1] == 0 { k -= 1 }
            high = max(high, k)
        }
        return low < high ? low..<high : 0..<0
    }

    /// Columns `span` of a row-major matrix, as a strided view.
    private func columns(_ span: Range<Int>, of matrix: Matrix) -> StridedMatrix {
        StridedMatrix(data: matrix.data + span.lowerBound, rows: matrix.rows, columns: span.count, stride: matrix.columns)
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard let x = lastInput else { preconditionFailure("\(description): backward before forward") }
        outputGradient.requireColumns(outputFeatures, "\(description) backward")
        // dW = dYᵀ X ; db = Σ_rows dY ; dX = dY W. Columns of dW outside the
        // input's nonzero span are zero.
        let span = lastSpan
        if span.count < inputFeatures {
            for i in 0..<outputFeatures {
                let row = weightGradient.row(i)
                row.update(repeating: 0, count: span.lowerBound)
                (row + span.upperBound).update(repeating: 0, count: inputFeatures - span.upperBound)
            }
        }
        if !span.isEmpty {
            if x.rows == 1 {
                // A single example's dW is the outer product dy ⊗ x: one write
                // pass, where sgemm would first clear dW and then accumulate.
                for i in 0..<outputFeatures {
                    let scale = outputGradient.data[i], row = weightGradient.row(i)
                    for j in span { row[j] = scale * x.data[j] }
                }
            } else {
                BLAS.gemm(StridedMatrix(outputGradient), transposeA: true, columns(span, of: x),
                          into: columns(span, of: weightGradient))
            }
        }
        sumRowsIntoBiasGradient(outputGradient)
        return needsInputGradient ? computeInputGradient(outputGradient) : nil
    }

    /// db = Σ_rows dY, into the bias gradient.
    private func sumRowsIntoBiasGradient(_ outputGradient: Matrix) {
        biasGradient.update(from: outputGradient.data, count: outputFeatures)
        for r in 1..<max(outputGradient.rows, 1) {
            Vectorized.add(outputGradient.row(r), into: biasGradient, outputFeatures)
        }
    }

    /// dX = dY W with the current weights.
    private func computeInputGradient(_ outputGradient: Matrix) -> Matrix {
        inputGradient.reserve(rows: max(reservedRows, outputGradient.rows))
        let dx = inputGradient.matrix(rows: outputGradient.rows)
        if outputGradient.rows == 1 {
            BLAS.gemv(weight, transpose: true, outputGradient.data, into: dx.data)
        } else {
            BLAS.gemm(outputGradient, weight, into: dx)
        }
        return dx
    }

    /// Backward fused with a plain gradient-descent step: dX is computed
    /// with the old weights, then W ← W − η·dYᵀX and b ← b − η·Σ dY are
    /// applied directly (for a batch, one sgemm with α = −η and β = 1). That
    /// reads and writes the weights once, where writing dW and then stepping
    /// over it touches them three times. The weight-gradient view is left as
    /// it was; the bias gradient holds this step's Σ dY.
    public func backwardDescending(_ outputGradient: Matrix, needsInputGradient: Bool, learningRate: Float) -> Matrix? {
        guard let x = lastInput else { preconditionFailure("\(description): backward before forward") }
        outputGradient.requireColumns(outputFeatures, "\(description) backward")
        precondition(outputGradient.rows == x.rows,
                     "\(description): output gradient has \(outputGradient.rows) rows, the forward pass had \(x.rows)")
        let dx = needsInputGradient ? computeInputGradient(outputGradient) : nil
        // Only the input's nonzero columns of W change.
        let span = lastSpan
        if x.rows == 1 {
            for i in 0..<outputFeatures {
                let scale = -learningRate * outputGradient.data[i]
                if !span.isEmpty {
                    Vectorized.addScaled(x.data + span.lowerBound, by: scale, into: weight.row(i) + span.lowerBound, span.count)
                }
                bias[i] += scale
            }
        } else {
            if !span.isEmpty {
                BLAS.gemm(StridedMatrix(outputGradient), transposeA: true, columns(span, of: x),
                          into: columns(span, of: weight), alpha: -learningRate, beta: 1)
            }
            sumRowsIntoBiasGradient(outputGradient)
            Vectorized.addScaled(biasGradient, by: -learningRate, into: bias, outputFeatures)
        }
        return dx
    }
}
