// Token and learned positional embedding: row r of a batch of sequences is
// token[tokens[r]] + position[r mod sequenceLength].
//
// The input is integer token ids, not a Float matrix, so this is not a
// `Layer`; it has the same bind / initialise / reserve / forward / backward
// shape, and the transformer model calls it first.

public final class Embedding {
    public let vocabulary: Int
    public let sequenceLength: Int
    public let width: Int
    /// Token table [vocabulary, width], then position table [sequenceLength, width].
    public var parameterCount: Int { (vocabulary + sequenceLength) * width }
    public var description: String { "Embedding(\(vocabulary) tokens, \(sequenceLength) positions, \(width))" }

    private var tokenTable: Matrix!
    private var positionTable: Matrix!
    private var tokenGradient: Matrix!
    private var positionGradient: Matrix!

    private var output: ActivationBuffer  // [batch·sequence, width]
    /// A copy of the last forward's token ids: backward needs them, and the
    /// caller's buffer may be reused for the next batch in the meantime.
    private var lastTokens: [Int32] = []

    public init(vocabulary: Int, sequenceLength: Int, width: Int) {
        precondition(vocabulary > 0 && sequenceLength > 0 && width > 0,
                     "Embedding(\(vocabulary), \(sequenceLength), \(width)): sizes must be positive")
        self.vocabulary = vocabulary
        self.sequenceLength = sequenceLength
        self.width = width
        self.output = ActivationBuffer(columns: width)
    }

    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        tokenTable = Matrix(data: parameters, rows: vocabulary, columns: width)
        positionTable = Matrix(data: parameters + vocabulary * width, rows: sequenceLength, columns: width)
        tokenGradient = Matrix(data: gradients, rows: vocabulary, columns: width)
        positionGradient = Matrix(data: gradients + vocabulary * width, rows: sequenceLength, columns: width)
    }

    /// N(0, 1) entries, as PyTorch's nn.Embedding; the LayerNorm in front of
    /// every attention layer removes the overall scale.
    public func initializeParameters(using generator: inout RandomGenerator) {
        for i in 0..<tokenTable.count { tokenTable.data[i] = Float(generator.normal()) }
        for i in 0..<positionTable.count { positionTable.data[i] = Float(generator.normal()) }
    }

    public func reserve(batchCapacity: Int) {
        output.reserve(rows: batchCapacity)
        lastTokens.reserveCapacity(batchCapacity)
    }

    /// Embeds `rows` token ids (a whole number of sequences).
    public func forward(tokens: UnsafePointer<Int32>, rows: Int) -> Matrix {
        precondition(rows % sequenceLength == 0,
                     "\(description): \(rows) tokens are not a whole number of sequences of \(sequenceLength)")
        let y = output.matrix(rows: rows)
        lastTokens.removeAll(keepingCapacity: true)
        for r in 0..<rows {
            let token = Int(tokens[r])
            precondition(token >= 0 && token < vocabulary, "\(description): token \(token) outside 0..<\(vocabulary)")
            lastTokens.append(tokens[r])
            let out = y.row(r)
            out.update(from: tokenTable.row(token), count: width)
            Vectorized.add(positionTable.row(r % sequenceLength), into: out, width)
        }
        return y
    }

    /// Writes the table gradients for dLoss/dOutput. A token that occurs many
    /// times collects the sum of its rows' gradients, so the tables are cleared
    /// first and then accumulated (the gradient view is still overwritten as a whole).
    public func backward(_ outputGradient: Matrix) {
        outputGradient.requireColumns(width, "\(description) backward")
        precondition(outputGradient.rows == lastTokens.count, "\(description): backward does not match the last forward")
        tokenGradient.data.update(repeating: 0, count: tokenGradient.count)
        positionGradient.data.update(repeating: 0, count: positionGradient.count)
        for r in 0..<outputGradient.rows {
            let gradient = outputGradient.row(r)
            Vectorized.add(gradient, into: tokenGradient.row(Int(lastTokens[r])), width)
            Vectorized.add(gradient, into: positionGradient.row(r % sequenceLength), width)
        }
    }
}
