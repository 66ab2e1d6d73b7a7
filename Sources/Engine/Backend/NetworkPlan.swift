// A Sequential model as the operations the kernels run: Linear, LayerNorm and
// ReLU/dropout (a ReLU followed by Dropout is fused into one operation). Both
// the CUDA network and its CPU twin execute this plan, over the model's flat
// parameter layout, so parameters and gradients copy between them unchanged.

public struct NetworkPlan: Sendable {
    public enum Operation: Sendable, Equatable {
        /// y = x Wᵀ + b; W [out, in] at `weight`, b [out] at `weight + out·in`.
        case linear(inputs: Int, outputs: Int, weight: Int)
        /// Gain at `gain`, shift at `gain + features`.
        case layerNorm(features: Int, gain: Int, epsilon: Float)
        /// y = relu(x)·mask; `relu` false for a dropout alone, probability 0 for a ReLU alone.
        case reluDropout(features: Int, relu: Bool, probability: Float, dropout: DropoutStream)

        public var outputFeatures: Int {
            switch self {
            case .linear(_, let outputs, _): return outputs
            case .layerNorm(let features, _, _), .reluDropout(let features, _, _, _): return features
            }
        }
    }

    public let operations: [Operation]
    public let inputFeatures: Int
    public let parameterCount: Int
    public var outputFeatures: Int { operations.last?.outputFeatures ?? inputFeatures }
    /// The widest activation, which sizes the scratch gradient buffers.
    public var widestFeatures: Int { operations.map(\.outputFeatures).reduce(inputFeatures, max) }

    /// The plan of `model`; throws for a layer type with no kernels.
    public init(_ model: Sequential) throws {
        var operations: [Operation] = []
        var index = 0
        while index < model.layers.count {
            let layer = model.layers[index], offset = model.parameterOffsets[index]
            if let linear = layer as? Linear {
                operations.append(.linear(inputs: linear.inputFeatures, outputs: linear.outputFeatures, weight: offset))
            } else if let norm = layer as? LayerNorm {
                operations.append(.layerNorm(features: norm.inputFeatures, gain: offset, epsilon: norm.epsilon))
            } else if layer is ReLU {
                if index + 1 < model.layers.count, let dropout = model.layers[index + 1] as? Dropout {
                    operations.append(.reluDropout(features: layer.inputFeatures, relu: true, probability: dropout.probability,
                                                   dropout: Self.stream(of: dropout, layerIndex: index + 1)))
                    index += 1
                } else {
                    operations.append(.reluDropout(features: layer.inputFeatures, relu: true, probability: 0,
                                                   dropout: DropoutStream(key: (0, 0), stream: 0)))
                }
            } else if let dropout = layer as? Dropout {
                operations.append(.reluDropout(features: dropout.inputFeatures, relu: false, probability: dropout.probability,
                                               dropout: Self.stream(of: dropout, layerIndex: index)))
            } else {
                throw CUDAError(call: "NetworkPlan", code: -1, message: "the CUDA backend has no kernels for layer \(layer.description)")
            }
            index += 1
        }
        self.operations = operations
        self.inputFeatures = model.inputFeatures
        self.parameterCount = model.parameterCount
    }

    /// The Philox key comes from the dropout layer's own seeded generator (a
    /// copy, so the CPU layer's stream is untouched): the model's seed decides
    /// the GPU's masks as it decides the CPU's.
    static func stream(of dropout: Dropout, layerIndex: Int) -> DropoutStream {
        var generator = dropout.generator
        let bits = generator.next()
        return DropoutStream(key: (UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32)),
                             stream: UInt32(layerIndex))
    }
}
