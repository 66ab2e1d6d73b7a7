// A model as a list of layers whose parameters share one flat buffer.
//
// All parameters live in `parameters` and all gradients in `gradients`, with
// the same layout (layer by layer, each layer's own order), so an optimizer
// step is one pass over two contiguous buffers.

public final class Sequential {
    public let layers: [Layer]
    /// Every parameter of the model, layer after layer.
    public let parameters: Tensor
    /// dLoss/dParameters for the last backward pass, same layout as `parameters`.
    public let gradients: Tensor
    /// Where each layer's parameters start in the flat buffers.
    public let parameterOffsets: [Int]
    public private(set) var batchCapacity = 0

    public var parameterCount: Int { parameters.count }
    public var inputFeatures: Int { layers.first?.inputFeatures ?? 0 }
    public var outputFeatures: Int { layers.last?.outputFeatures ?? 0 }

    public init(_ layers: [Layer], seed: UInt64 = 0) {
        precondition(!layers.isEmpty, "Sequential: a model needs at least one layer")
        for (previous, next) in zip(layers, layers.dropFirst()) where previous.outputFeatures != next.inputFeatures {
            preconditionFailure("Sequential: \(previous.description) gives \(previous.outputFeatures) features but \(next.description) expects \(next.inputFeatures)")
        }
        self.layers = layers
        var offsets: [Int] = []
        var total = 0
        for layer in layers {
            offsets.append(total)
            total += layer.parameterCount
        }
        parameterOffsets = offsets
        parameters = Tensor(shape: [total])
        gradients = Tensor(shape: [total])
        for (layer, offset) in zip(layers, offsets) {
            layer.bind(parameters: parameters.data + offset, gradients: gradients.data + offset)
        }
        initialize(seed: seed)
    }

    /// Re-initialises every parameter and reseeds dropout from `seed`.
    public func initialize(seed: UInt64) {
        var generator = RandomGenerator.stream(seed: seed, 0)
        for (index, layer) in layers.enumerated() {
            layer.initializeParameters(using: &generator)
            if let dropout = layer as? Dropout {
                dropout.generator = RandomGenerator.stream(seed: seed, UInt64(1000 + index))
            }
        }
    }

    /// Sizes every activation buffer for batches of up to `batchCapacity` rows.
    /// Call once per batch size; forward and backward then never allocate.
    public func reserve(batchCapacity: Int) {
        guard batchCapacity > self.batchCapacity else { return }
        for layer in layers { layer.reserve(batchCapacity: batchCapacity) }
        self.batchCapacity = batchCapacity
    }

    /// The network's output (logits) for a batch of inputs.
    public func forward(_ input: Matrix, mode: Mode) -> Matrix {
        if input.rows > batchCapacity { reserve(batchCapacity: input.rows) }
        var activation = input
        for layer in layers { activation = layer.forward(activation, mode: mode) }
        return activation
    }

    /// Backpropagates dLoss/dOutput through every layer, in reverse, writing
    /// `gradients`. The first layer's input gradient is not computed.
    public func backward(_ outputGradient: Matrix) {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            if let next = layers[index].backward(gradient, needsInputGradient: index > 0) {
                gradient = next
            }
        }
    }

    /// Backpropagates a batch and takes a plain gradient-descent step
    /// θ ← θ − η∇ as it goes, layer by layer from the top. Each layer's input
    /// gradient is computed before its own parameters change, so the result
    /// is the ordinary step; Linear layers fuse it into their backward pass.
    /// `gradients` then holds stale values for the Linear layers.
    public func backwardDescending(_ outputGradient: Matrix, learningRate: Float) {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            let layer = layers[index]
            let next: Matrix?
            if let linear = layer as? Linear {
                next = linear.backwardDescending(gradient, needsInputGradient: index > 0, learningRate: learningRate)
            } else {
                next = layer.backward(gradient, needsInputGradient: index > 0)
                let offset = parameterOffsets[index]
                if layer.parameterCount > 0 {
                    Vectorized.addScaled(gradients.data + offset, by: -learningRate,
                                         into: parameters.data + offset, layer.parameterCount)
                }
            }
            if let next { gradient = next }
        }
    }

    /// The layer list as text, one layer a line, with parameter counts.
    public var summary: String {
        var lines = layers.map { layer in
            layer.parameterCount > 0 ? "\(layer.description)  \(layer.parameterCount) parameters" : layer.description
        }
        lines.append("total: \(parameterCount) parameters")
        return lines.joined(separator: "\n")
    }

    /// A copy of all parameters, e.g. to snapshot a trajectory through weight space.
    public func parameterSnapshot() -> [Float] { parameters.array }

    /// Overwrites all parameters from a snapshot taken from a model of the same layout.
    public func loadParameters(_ values: [Float]) throws {
        guard values.count == parameterCount else {
            throw ShapeError("loadParameters: snapshot has \(values.count) values, model has \(parameterCount)")
        }
        values.withUnsafeBufferPointer { parameters.data.update(from: $0.baseAddress!, count: values.count) }
    }
}

extension Sequential {
    /// The tutorial's MNIST network, exactly as in the original experiments:
    /// 784 → 512 → 512 → 512 → 10 with LayerNorm, ReLU and dropout 0.4 / 0.2
    /// after the first two hidden layers. 935,434 parameters.
    public static func tutorialNetwork(seed: UInt64 = 0) -> Sequential {
        let hidden = 512
        return Sequential([
            Linear(784, hidden), LayerNorm(hidden), ReLU(hidden), Dropout(hidden, probability: 0.4),
            Linear(hidden, hidden), LayerNorm(hidden), ReLU(hidden), Dropout(hidden, probability: 0.2),
            Linear(hidden, hidden), LayerNorm(hidden), ReLU(hidden),
            Linear(hidden, 10),
        ], seed: seed)
    }

    /// A multilayer perceptron with the tutorial's layer pattern for any sizes:
    /// each hidden layer is Linear → LayerNorm → ReLU (→ Dropout when given);
    /// without `relu`, Linear → LayerNorm (→ Dropout), a smooth function of
    /// its input and parameters.
    public static func perceptron(sizes: [Int], dropout: [Float] = [], relu: Bool = true, seed: UInt64 = 0) -> Sequential {
        precondition(sizes.count >= 2, "perceptron: give at least input and output sizes")
        var layers: [Layer] = []
        for index in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[index], sizes[index + 1]))
            let isOutput = index == sizes.count - 2
            if !isOutput {
                layers.append(LayerNorm(sizes[index + 1]))
                if relu { layers.append(ReLU(sizes[index + 1])) }
                if index < dropout.count, dropout[index] > 0 {
                    layers.append(Dropout(sizes[index + 1], probability: dropout[index]))
                }
            }
        }
        return Sequential(layers, seed: seed)
    }
}
