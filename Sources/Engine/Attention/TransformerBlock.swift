// One pre-norm transformer block: a residual attention sublayer, then
// (optionally) a residual feed-forward sublayer.
//
//   h = x + Attention(LayerNorm(x))
//   y = h + Linear(ReLU(Linear(LayerNorm(h))))     (omitted when feedForwardWidth is 0)
//
// Pre-norm keeps an unnormalised residual path from input to output, which
// is what lets a one- or two-layer model train quickly without warm-up.

public final class TransformerBlock: Layer {
    public let width: Int
    public let feedForwardWidth: Int
    public var inputFeatures: Int { width }
    public var outputFeatures: Int { width }
    public var description: String {
        "TransformerBlock(\(width), heads: \(attention.heads), feed-forward: \(feedForwardWidth)\(attention.causal ? ", causal" : ""))"
    }

    public let attentionNorm: LayerNorm
    public let attention: MultiHeadAttention
    /// The feed-forward sublayer; nil in an attention-only block.
    public let feedForwardNorm: LayerNorm?
    public let expand: Linear?
    public let activation: ReLU?
    public let contract: Linear?

    /// Every sublayer with parameters, in flat-buffer order.
    private var parameterLayers: [Layer] {
        let feedForward: [Layer?] = [feedForwardNorm, expand, contract]
        return [attentionNorm, attention] + feedForward.compactMap { $0 }
    }
    public var parameterCount: Int { parameterLayers.reduce(0) { $0 + $1.parameterCount } }

    private var afterAttention: ActivationBuffer  // h
    private var output: ActivationBuffer          // y
    private var middleGradient: ActivationBuffer  // dLoss/dh
    private var inputGradient: ActivationBuffer   // dLoss/dx
    private var lastRows = 0

    /// `feedForwardWidth` 0 makes an attention-only block.
    public init(width: Int, heads: Int, sequenceLength: Int, feedForwardWidth: Int, causal: Bool = false) {
        precondition(feedForwardWidth >= 0, "TransformerBlock: feed-forward width must be ≥ 0")
        self.width = width
        self.feedForwardWidth = feedForwardWidth
        attentionNorm = LayerNorm(width)
        attention = MultiHeadAttention(width: width, heads: heads, sequenceLength: sequenceLength, causal: causal)
        if feedForwardWidth > 0 {
            feedForwardNorm = LayerNorm(width)
            expand = Linear(width, feedForwardWidth)
            activation = ReLU(feedForwardWidth)
            contract = Linear(feedForwardWidth, width)
        } else {
            feedForwardNorm = nil; expand = nil; activation = nil; contract = nil
        }
        afterAttention = ActivationBuffer(columns: width)
        output = ActivationBuffer(columns: width)
        middleGradient = ActivationBuffer(columns: width)
        inputGradient = ActivationBuffer(columns: width)
    }

    public func bind(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        var offset = 0
        for layer in parameterLayers {
            layer.bind(parameters: parameters + offset, gradients: gradients + offset)
            offset += layer.parameterCount
        }
    }

    public func initializeParameters(using generator: inout RandomGenerator) {
        for layer in parameterLayers { layer.initializeParameters(using: &generator) }
    }

    public func reserve(batchCapacity: Int) {
        for layer in parameterLayers { layer.reserve(batchCapacity: batchCapacity) }
        activation?.reserve(batchCapacity: batchCapacity)
        afterAttention.reserve(rows: batchCapacity)
        output.reserve(rows: batchCapacity)
        middleGradient.reserve(rows: batchCapacity)
        inputGradient.reserve(rows: batchCapacity)
    }

    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        input.requireColumns(width, description)
        lastRows = input.rows
        let attended = attention.forward(attentionNorm.forward(input, mode: mode), mode: mode)
        let h = afterAttention.matrix(rows: input.rows)
        h.data.update(from: input.data, count: h.count)
        Vectorized.add(attended.data, into: h.data, h.count)
        guard let feedForwardNorm, let expand, let activation, let contract else { return h }
        let fed = contract.forward(activation.forward(expand.forward(feedForwardNorm.forward(h, mode: mode), mode: mode),
                                                      mode: mode), mode: mode)
        let y = output.matrix(rows: input.rows)
        y.data.update(from: h.data, count: y.count)
        Vectorized.add(fed.data, into: y.data, y.count)
        return y
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix? {
        outputGradient.requireColumns(width, "\(description) backward")
        precondition(outputGradient.rows == lastRows, "\(description): backward does not match the last forward")
        // Each residual connection passes its gradient straight through and adds the sublayer's.
        var dh = outputGradient
        if let feedForwardNorm, let expand, let activation, let contract {
            let dContract = contract.backward(outputGradient, needsInputGradient: true)!
            let dActivation = activation.backward(dContract, needsInputGradient: true)!
            let dExpand = expand.backward(dActivation, needsInputGradient: true)!
            let dNorm = feedForwardNorm.backward(dExpand, needsInputGradient: true)!
            dh = middleGradient.matrix(rows: lastRows)
            dh.data.update(from: outputGradient.data, count: dh.count)
            Vectorized.add(dNorm.data, into: dh.data, dh.count)
        }
        let dAttention = attention.backward(dh, needsInputGradient: true)!
        let dNorm = attentionNorm.backward(dAttention, needsInputGradient: needsInputGradient)
        guard needsInputGradient, let dNorm else { return nil }
        let dx = inputGradient.matrix(rows: lastRows)
        dx.data.update(from: dh.data, count: dx.count)
        Vectorized.add(dNorm.data, into: dx.data, dx.count)
        return dx
    }
}
