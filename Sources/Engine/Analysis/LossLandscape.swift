// Loss landscapes: the loss of a trained network on a plane through its
// parameters, spanned either by two filter-normalised random directions
// (Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets") or by the
// two principal directions of the training trajectory (see TrajectoryPCA).

/// Loss values on a grid: `losses[j][i]` is the loss at (alphas[i], betas[j]).
public struct LossSurface: Sendable {
    public var alphas: [Double]
    public var betas: [Double]
    public var losses: [[Double]]
}

public enum LossLandscape {
    /// A Gaussian random direction in parameter space, rescaled row by row so
    /// that each neuron's incoming weights ("filter") has the same norm in the
    /// direction as in the model. Biases and LayerNorm parameters get zero, as
    /// in Li et al., so the plane moves only the weights that matter for scale.
    public static func filterNormalizedDirection(for model: Sequential, seed: UInt64) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        var direction = [Float](repeating: 0, count: model.parameterCount)
        for (layer, offset) in zip(model.layers, model.parameterOffsets) {
            guard let linear = layer as? Linear else { continue }
            let columns = linear.inputFeatures
            for row in 0..<linear.outputFeatures {
                let start = offset + row * columns
                var weightNorm = 0.0, directionNorm = 0.0
                for i in start..<(start + columns) {
                    let value = Float(generator.normal())
                    direction[i] = value
                    directionNorm += Double(value * value)
                    weightNorm += Double(model.parameters[i] * model.parameters[i])
                }
                let scale = Float(weightNorm.squareRoot() / max(directionNorm.squareRoot(), 1e-12))
                for i in start..<(start + columns) { direction[i] *= scale }
            }
        }
        return direction
    }

    /// Evaluates the mean loss on `data` at θ + α·d₁ + β·d₂ for α, β on a
    /// `resolution` × `resolution` grid. The model's parameters are restored.
    public static func surface(model: Sequential, data: Dataset, directions: ([Float], [Float]),
                               alphas: [Double], betas: [Double]) -> LossSurface {
        precondition(directions.0.count == model.parameterCount && directions.1.count == model.parameterCount,
                     "LossLandscape: directions have \(directions.0.count) and \(directions.1.count) values, the model \(model.parameterCount)")
        let center = model.parameterSnapshot()
        defer { try? model.loadParameters(center) }
        let evaluator = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0))
        var losses: [[Double]] = []
        for beta in betas {
            var row: [Double] = []
            for alpha in alphas {
                let a = Float(alpha), b = Float(beta)
                for i in 0..<center.count {
                    model.parameters[i] = center[i] + a * directions.0[i] + b * directions.1[i]
                }
                row.append(evaluator.evaluate(data).loss)
            }
            losses.append(row)
        }
        return LossSurface(alphas: alphas, betas: betas, losses: losses)
    }

    /// `count` evenly spaced values from `low` to `high`, both included.
    public static func grid(_ low: Double, _ high: Double, count: Int) -> [Double] {
        precondition(count >= 2, "grid: need at least two points")
        return (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
    }
}
