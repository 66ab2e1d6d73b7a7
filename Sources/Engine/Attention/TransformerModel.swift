// A small transformer over token sequences of fixed length, with all its
// parameters in one flat buffer (the same layout idea as Sequential), so every
// `Optimizer<Float>` trains it unchanged.
//
//   tokens → Embedding (token + position) → TransformerBlock × layers
//          → LayerNorm → Linear(width, vocabulary) = logits at every position
//
// A batch of `sequences` sequences is one (sequences·T) × width matrix.

public final class TransformerModel {
    public let vocabulary: Int
    public let sequenceLength: Int
    public let width: Int
    public let heads: Int
    public let feedForwardWidth: Int
    public let causal: Bool

    public let embedding: Embedding
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNorm
    public let unembedding: Linear

    /// Every parameter: embedding, blocks in order, final norm, unembedding.
    public let parameters: Tensor
    /// dLoss/dParameters of the last backward pass, same layout as `parameters`.
    public let gradients: Tensor
    public var parameterCount: Int { parameters.count }
    /// Capacity in sequences (not rows) of the activation buffers.
    public private(set) var sequenceCapacity = 0

    /// - Parameters:
    ///   - layers: how many transformer blocks.
    ///   - feedForwardWidth: hidden width of each block's feed-forward
    ///     sublayer; 0 makes attention-only blocks.
    ///   - causal: whether position i may only attend to positions ≤ i.
    public init(vocabulary: Int, sequenceLength: Int, width: Int, heads: Int, layers: Int,
                feedForwardWidth: Int = 0, causal: Bool = false, seed: UInt64 = 0) {
        precondition(layers >= 1, "TransformerModel: needs at least one layer")
        self.vocabulary = vocabulary
        self.sequenceLength = sequenceLength
        self.width = width
        self.heads = heads
        self.feedForwardWidth = feedForwardWidth
        self.causal = causal
        embedding = Embedding(vocabulary: vocabulary, sequenceLength: sequenceLength, width: width)
        blocks = (0..<layers).map { _ in
            TransformerBlock(width: width, heads: heads, sequenceLength: sequenceLength,
                             feedForwardWidth: feedForwardWidth, causal: causal)
        }
        finalNorm = LayerNorm(width)
        unembedding = Linear(width, vocabulary)

        let layerCounts = blocks.map(\.parameterCount) + [finalNorm.parameterCount, unembedding.parameterCount]
        let total = embedding.parameterCount + layerCounts.reduce(0, +)
        parameters = Tensor(shape: [total])
        gradients = Tensor(shape: [total])
        embedding.bind(parameters: parameters.data, gradients: gradients.data)
        var offset = embedding.parameterCount
        for layer in self.layers {
            layer.bind(parameters: parameters.data + offset, gradients: gradients.data + offset)
            offset += layer.parameterCount
        }
        initialize(seed: seed)
    }

    /// The Float-to-Float layers after the embedding, in order.
    public var layers: [Layer] { blocks + [finalNorm, unembedding] }
    public var layerCount: Int { blocks.count }

    /// Re-initialises every parameter from `seed`.
    public func initialize(seed: UInt64) {
        var generator = RandomGenerator.stream(seed: seed, 0)
        embedding.initializeParameters(using: &generator)
        for layer in layers { layer.initializeParameters(using: &generator) }
    }

    /// Sizes every activation buffer for batches of up to `sequences` sequences.
    public func reserve(sequences: Int) {
        guard sequences > sequenceCapacity else { return }
        let rows = sequences * sequenceLength
        embedding.reserve(batchCapacity: rows)
        for layer in layers { layer.reserve(batchCapacity: rows) }
        sequenceCapacity = sequences
    }

    /// Logits [(sequences·T), vocabulary] for `sequences` sequences of token
    /// ids laid end to end. Valid until the next forward pass.
    public func forward(tokens: UnsafePointer<Int32>, sequences: Int, mode: Mode = .evaluation) -> Matrix {
        if sequences > sequenceCapacity { reserve(sequences: sequences) }
        var activation = embedding.forward(tokens: tokens, rows: sequences * sequenceLength)
        for layer in layers { activation = layer.forward(activation, mode: mode) }
        return activation
    }

    /// The same for token ids in an array (a whole number of sequences).
    public func forward(tokens: [Int32], mode: Mode = .evaluation) -> Matrix {
        precondition(tokens.count % sequenceLength == 0,
                     "TransformerModel: \(tokens.count) tokens are not a whole number of sequences of \(sequenceLength)")
        return tokens.withUnsafeBufferPointer {
            forward(tokens: $0.baseAddress!, sequences: tokens.count / sequenceLength, mode: mode)
        }
    }

    /// Backpropagates dLoss/dLogits of the last forward pass, overwriting `gradients`.
    public func backward(_ logitGradient: Matrix) {
        var gradient = logitGradient
        for layer in layers.reversed() {
            gradient = layer.backward(gradient, needsInputGradient: true)!
        }
        embedding.backward(gradient)
    }

    /// The most likely token at every position, for sequences laid end to end.
    public func predict(_ tokens: [Int32]) -> [Int32] {
        let logits = forward(tokens: tokens)
        return (0..<logits.rows).map { r in
            let z = logits.row(r)
            var best = 0
            for c in 1..<vocabulary where z[c] > z[best] { best = c }
            return Int32(best)
        }
    }

    /// The attention pattern of one head from the last forward pass:
    /// [query position][key position], each row summing to 1.
    public func attention(layer: Int, head: Int, sequence: Int = 0) -> [[Float]] {
        blocks[layer].attention.attention(head: head, sequence: sequence)
    }

    /// One head's slices of its layer's query, key, value and output projections.
    public func headWeights(layer: Int, head: Int) -> (query: [[Float]], key: [[Float]], value: [[Float]], output: [[Float]]) {
        blocks[layer].attention.headWeights(head: head)
    }

    /// Every head's pattern for one sequence: [layer][head][query][key].
    public func attentionMaps(for tokens: [Int32]) -> [[[[Float]]]] {
        precondition(tokens.count == sequenceLength, "attentionMaps: give one sequence of \(sequenceLength) tokens")
        _ = forward(tokens: tokens)
        return blocks.indices.map { layer in (0..<heads).map { head in attention(layer: layer, head: head) } }
    }

    /// A copy of all parameters.
    public func parameterSnapshot() -> [Float] { parameters.array }

    /// Overwrites all parameters from a snapshot of a model of the same shape.
    public func loadParameters(_ values: [Float]) throws {
        guard values.count == parameterCount else {
            throw ShapeError("loadParameters: snapshot has \(values.count) values, model has \(parameterCount)")
        }
        values.withUnsafeBufferPointer { parameters.data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// The layers as text, with parameter counts.
    public var summary: String {
        var lines = [embedding.description + "  \(embedding.parameterCount) parameters"]
        lines += layers.map { "\($0.description)  \($0.parameterCount) parameters" }
        lines.append("total: \(parameterCount) parameters")
        return lines.joined(separator: "\n")
    }
}
