// Multi-head scaled dot-product self-attention over sequences of fixed length,
// with an optional causal mask.
//
// Input and output are (batch·sequence) × width: sequence b occupies rows
// b·T ..< (b+1)·T. Per sequence and head, with d = width / heads:
//   scores = Q Kᵀ / √d  (−∞ above the diagonal when causal)
//   P      = softmax(scores) by rows (the attention pattern)
//   head   = P V
// and the heads, side by side, go through the output projection.

public final class MultiHeadAttention: Layer {
    public let width: Int
    public let heads: Int
    public let sequenceLength: Int
    /// When true, position i attends only to positions ≤ i.
    public let causal: Bool
    public var headWidth: Int { width / heads }
    public var inputFeatures: Int { width }
    public var outputFeatures: Int { width }
    public var description: String {
        "MultiHeadAttention(\(width), heads: \(heads)\(causal ? ", causal" : ""))"
    }

    /// Layout in the flat buffer: query, key, value, output projections, each
    /// a Linear (weight [width, width], then bias [width]).
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    private var projections: [Linear] { [query, key, value, output] }
    public var parameterCount: Int { projections.reduce(0) { $0 + $1.parameterCount } }
    private var parameters: UnsafeMutablePointer<Float>!

    /// The attention patterns of the last forward: row ((b·heads + h)·T + i)
    /// is query position i of head h in sequence b, a distribution over keys.
    private var probabilities: ActivationBuffer
    private var context: ActivationBuffer        // [batch·T, width], heads side by side
    private var queryGradient: ActivationBuffer  // [batch·T, width]
    private var keyGradient: ActivationBuffer
    private var valueGradient: ActivationBuffer
    private var inputGradient: ActivationBuffer
    private var scoreGradient: Tensor            // [T, T] scratch, reused for every head
    private var lastQuery: Matrix?
    private var lastKey: Matrix?
    private var lastValue: Matrix?
    private var lastRows = 0

    public init(width: Int, heads: Int, sequenceLength: Int, causal: Bool = false) {
        precondition(width > 0 && heads > 0 && sequenceLength > 0, "MultiHeadAttention: sizes must be positive")
        precondition(width % heads == 0, "MultiHeadAttention: width \(width) is not divisible by \(heads) heads")
        self.width = width
        self.heads = heads
        self.sequenceLength = sequenceLength
        self.causal = causal
        query = Linear(width, width)
        key = Linear(width, width)
        value = Linear(width, width)
        output = Linear(width, width)
        probabilities = ActivationBuffer(columns: sequenceLength)
        context = ActivationBuffer(columns: width)
        queryGradient = ActivationBuffer(columns: width)
        keyGradient = ActivationBuffer(columns: width)
        valueGradient = ActivationBuffer(columns: width)
        inputGradient = ActivationBuffer(columns: width)
        scoreGradient = Tensor(shape: [sequenceLength, sequenceLength])
    }

    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        self.parameters = parameters
        var offset = 0
        for projection in projections {
            projection.bind(parameters: parameters + offset, gradients: gradients + offset)
            offset += projection.parameterCount
        }
    }

    public func initializeParameters(using generator: inout RandomGenerator) {
        for projection in projections { projection.initializeParameters(using: &generator) }
    }

    public func reserve(batchCapacity: Int) {
        for projection in projections { projection.reserve(batchCapacity: batchCapacity) }
        probabilities.reserve(rows: batchCapacity * heads)
        context.reserve(rows: batchCapacity)
        queryGradient.reserve(rows: batchCapacity)
        keyGradient.reserve(rows: batchCapacity)
        valueGradient.reserve(rows: batchCapacity)
        inputGradient.reserve(rows: batchCapacity)
    }

    /// Head h's columns of sequence b in a (batch·T) × width matrix.
    private func headBlock(_ matrix: Matrix, sequence: Int, head: Int) -> StridedMatrix {
        StridedMatrix(block: matrix, firstRow: sequence * sequenceLength, rows: sequenceLength,
                      firstColumn: head * headWidth, columns: headWidth)
    }

    /// The T × T attention pattern of head h in sequence b (contiguous).
    private func pattern(_ p: Matrix, sequence: Int, head: Int) -> StridedMatrix {
        StridedMatrix(data: p.row((sequence * heads + head) * sequenceLength),
                      rows: sequenceLength, columns: sequenceLength, stride: sequenceLength)
    }

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(width, description)
        precondition(input.rows % sequenceLength == 0,
                     "\(description): \(input.rows) rows are not a whole number of sequences of \(sequenceLength)")
        let q = query.forward(input, mode: mode)
        let k = key.forward(input, mode: mode)
        let v = value.forward(input, mode: mode)
        lastQuery = q; lastKey = k; lastValue = v
        lastRows = input.rows
        let p = probabilities.matrix(rows: input.rows * heads)
        let c = context.matrix(rows: input.rows)
        let scale = 1 / Float(headWidth).squareRoot()
        for sequence in 0..<(input.rows / sequenceLength) {
            for head in 0..<heads {
                let scores = pattern(p, sequence: sequence, head: head)
                BLAS.gemm(headBlock(q, sequence: sequence, head: head),
                                 headBlock(k, sequence: sequence, head: head), transposeB: true,
                                 into: scores, alpha: scale)
                softmaxRows(scores)
                BLAS.gemm(scores, headBlock(v, sequence: sequence, head: head),
                                 into: headBlock(c, sequence: sequence, head: head))
            }
        }
        return output.forward(c, mode: mode)
    }

    /// Softmax of every row, in place, after subtracting the row maximum so
    /// exp() cannot overflow. With the causal mask, the entries above the
    /// diagonal are −∞ before the softmax, i.e. exactly 0 after it.
    private func softmaxRows(_ scores: StridedMatrix) {
        let n = sequenceLength
        for i in 0..<n {
            let row = scores.data + i * scores.stride
            let visible = causal ? i + 1 : n
            var maximum = row[0]
            for j in 1..<visible { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in 0..<visible { let e = expf(row[j] - maximum); row[j] = e; sum += e }
            let inverse = 1 / sum
            for j in 0..<visible { row[j] *= inverse }
            for j in visible..<n { row[j] = 0 }
        }
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        guard let q = lastQuery, let k = lastKey, let v = lastValue else {
            preconditionFailure("\(description): backward before forward")
        }
        outputGradient.requireColumns(width, "\(description) backward")
        let rows = lastRows
        guard let dContext = output.backward(outputGradient, needsInputGradient: true) else {
            preconditionFailure("\(description): output projection gave no input gradient")
        }
        let p = probabilities.matrix(rows: rows * heads)
        let dq = queryGradient.matrix(rows: rows)
        let dk = keyGradient.matrix(rows: rows)
        let dv = valueGradient.matrix(rows: rows)
        let dScores = StridedMatrix(scoreGradient.matrix())
        let scale = 1 / Float(headWidth).squareRoot()
        for sequence in 0..<(rows / sequenceLength) {
            for head in 0..<heads {
                let pattern = pattern(p, sequence: sequence, head: head)
                let dHead = headBlock(dContext, sequence: sequence, head: head)
                // head = P V:  dP = dHead Vᵀ,  dV = Pᵀ dHead.
                BLAS.gemm(dHead, headBlock(v, sequence: sequence, head: head), transposeB: true, into: dScores)
                BLAS.gemm(pattern, transposeA: true, dHead, into: headBlock(dv, sequence: sequence, head: head))
                // Softmax by rows: dS = P ⊙ (dP − Σⱼ dP·P). Masked entries have P = 0,
                // so no gradient reaches them.
                softmaxBackwardRows(pattern: pattern, gradient: dScores)
                // S = Q Kᵀ / √d:  dQ = dS K / √d,  dK = dSᵀ Q / √d.
                BLAS.gemm(dScores, headBlock(k, sequence: sequence, head: head),
                                 into: headBlock(dq, sequence: sequence, head: head), alpha: scale)
                BLAS.gemm(dScores, transposeA: true, headBlock(q, sequence: sequence, head: head),
                                 into: headBlock(dk, sequence: sequence, head: head), alpha: scale)
            }
        }
        // Q, K and V all read the same input, so its gradient is their sum.
        let fromQuery = query.backward(dq, needsInputGradient: needsInputGradient)
        let fromKey = key.backward(dk, needsInputGradient: needsInputGradient)
        let fromValue = value.backward(dv, needsInputGradient: needsInputGradient)
        guard needsInputGradient, let fromQuery, let fromKey, let fromValue else { return nil }
        let dx = inputGradient.matrix(rows: rows)
        dx.data.update(from: fromQuery.data, count: dx.count)
        Vectorized.add(fromKey.data, into: dx.data, dx.count)
        Vectorized.add(fromValue.data, into: dx.data, dx.count)
        return dx
    }

    private func softmaxBackwardRows(pattern: StridedMatrix, gradient: StridedMatrix) {
        let n = sequenceLength
        for i in 0..<n {
            let p = pattern.data + i * pattern.stride, g = gradient.data + i * gradient.stride
            var dot: Float = 0
            for j in 0..<n { dot += p[j] * g[j] }
            for j in 0..<n { g[j] = p[j] * (g[j] - dot) }
        }
    }

    // MARK: What the figures draw

    /// The attention pattern of `head` for sequence `sequence` of the last
    /// forward pass: T rows (query positions), each a distribution over the T
    /// key positions.
    public func attention(head: Int, sequence: Int = 0) -> [[Float]] {
        precondition(head >= 0 && head < heads, "\(description): no head \(head)")
        precondition(sequence >= 0 && (sequence + 1) * sequenceLength <= lastRows,
                     "\(description): the last forward pass had no sequence \(sequence)")
        let p = pattern(probabilities.matrix(rows: lastRows * heads), sequence: sequence, head: head)
        return (0..<sequenceLength).map { i in (0..<sequenceLength).map { j in p[i, j] } }
    }

    /// The weights one head owns: its rows of the query, key and value
    /// projections ([headWidth][width] each, input features along the row)
    /// and its columns of the output projection ([width][headWidth]).
    public func headWeights(head: Int) -> (query: [[Float]], key: [[Float]], value: [[Float]], output: [[Float]]) {
        precondition(head >= 0 && head < heads, "\(description): no head \(head)")
        let projectionSize = width * width + width
        func weight(_ index: Int) -> Matrix {
            Matrix(data: parameters + index * projectionSize, rows: width, columns: width)
        }
        let headRows = (head * headWidth)..<((head + 1) * headWidth)
        func rows(of matrix: Matrix) -> [[Float]] {
            headRows.map { r in Array(UnsafeBufferPointer(start: matrix.row(r), count: width)) }
        }
        let outputWeight = weight(3)
        return (rows(of: weight(0)), rows(of: weight(1)), rows(of: weight(2)),
                (0..<width).map { r in headRows.map { c in outputWeight.row(r)[c] } })
    }
}

#if canImport(Glibc)
import Glibc
#endif
