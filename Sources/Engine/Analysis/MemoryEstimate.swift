// How much memory a training step needs: parameters, gradients, optimizer
// state and the activations kept for the backward pass, per batch size. The
// same arithmetic explains why a full batch of a large network fails with
// "CUDA out of memory" on a GPU.

public struct MemoryEstimate: Sendable, Codable {
    public var batchSize: Int
    public var parameterBytes: Int
    public var gradientBytes: Int
    public var optimizerStateBytes: Int
    /// Layer outputs and what each backward pass needs, plus the loss gradient.
    public var activationBytes: Int
    /// The gathered batch of inputs (none for a full batch, which is used in place).
    public var inputBytes: Int
    public var totalBytes: Int { parameterBytes + gradientBytes + optimizerStateBytes + activationBytes + inputBytes }

    /// What this engine allocates to train `model` at `batchSize` rows with an
    /// optimizer keeping `optimizerSlots` values per parameter (0 for plain
    /// SGD, 1 for momentum, 2 for Adam). `fullBatch` skips the input copy.
    public static func training(model: Sequential, batchSize: Int, optimizerSlots: Int = 0, fullBatch: Bool = false) -> MemoryEstimate {
        training(layers: model.layers, batchSize: batchSize, optimizerSlots: optimizerSlots, fullBatch: fullBatch)
    }

    public static func training(layers: [Layer], batchSize b: Int, optimizerSlots: Int = 0, fullBatch: Bool = false) -> MemoryEstimate {
        let float = MemoryLayout<Float>.stride
        let parameters = layers.reduce(0) { $0 + $1.parameterCount }
        var activations = 0
        for (index, layer) in layers.enumerated() {
            let f = layer.outputFeatures
            switch layer {
            case let linear as Linear:
                activations += b * f + (index > 0 ? b * linear.inputFeatures : 0)
            case is LayerNorm:
                activations += b * (2 * f + 2)
            case is ReLU:
                activations += 2 * b * f
            case let dropout as Dropout:
                activations += dropout.probability > 0 ? 3 * b * f : 0
            default:
                activations += 2 * b * f  // an output and an input gradient
            }
        }
        activations += b * (layers.last?.outputFeatures ?? 0)  // dLoss/dLogits
        return MemoryEstimate(batchSize: b, parameterBytes: parameters * float, gradientBytes: parameters * float,
                              optimizerStateBytes: optimizerSlots * parameters * float,
                              activationBytes: activations * float,
                              inputBytes: fullBatch ? 0 : b * (layers.first?.inputFeatures ?? 0) * float)
    }

    /// Measures what the engine really holds after one training step of a fresh
    /// model from `makeModel` on `batchSize` random rows (parameters, gradients,
    /// activations and loss buffers; not the batch copy, which the trainer frees).
    public static func measure(batchSize: Int, makeModel: () -> Sequential) -> Int {
        let before = Tensor.liveBytes
        let model = makeModel()
        let inputs = Tensor(shape: [batchSize, model.inputFeatures], repeating: 0.5)
        let data = Dataset(inputs: inputs, labels: (0..<batchSize).map { Int32($0 % model.outputFeatures) })
        let dataBytes = Tensor.liveBytes - before - model.parameterCount * 2 * MemoryLayout<Float>.stride
        let trainer = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.01))
        trainer.fit(train: data, configuration: TrainingConfiguration(batchSize: batchSize, epochs: 1, maxStepsPerEpoch: 1, scale: .full))
        return withExtendedLifetime((model, trainer, data)) { Tensor.liveBytes - before - dataBytes }
    }
}
