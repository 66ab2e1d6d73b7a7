// Softmax cross-entropy over class logits, fused: one pass computes the mean
// loss over the batch and dLoss/dLogits = (softmax − onehot) / batch.

public final class SoftmaxCrossEntropy {
    public let classCount: Int
    private var gradient: ActivationBuffer  // [batch, classes]

    public init(classCount: Int) {
        self.classCount = classCount
        self.gradient = ActivationBuffer(columns: classCount)
    }

    public func reserve(batchCapacity: Int) { gradient.reserve(rows: batchCapacity) }

    /// Mean loss over the batch and the gradient with respect to `logits`.
    /// The gradient matrix is owned by the loss and valid until the next call.
    public func lossAndGradient(logits: Matrix, labels: UnsafePointer<Int32>) -> (loss: Double, gradient: Matrix) {
        logits.requireColumns(classCount, "SoftmaxCrossEntropy")
        gradient.reserve(rows: logits.rows)
        let dLogits = gradient.matrix(rows: logits.rows)
        let inverseBatch = 1 / Float(logits.rows)
        var total: Double = 0
        for r in 0..<logits.rows {
            let z = logits.row(r), g = dLogits.row(r)
            let label = Int(labels[r])
            precondition(label >= 0 && label < classCount, "SoftmaxCrossEntropy: label \(label) outside 0..<\(classCount)")
            // Subtracting the row maximum keeps exp() finite for any logits.
            var maximum = z[0]
            for c in 1..<classCount { maximum = max(maximum, z[c]) }
            var sum: Float = 0
            for c in 0..<classCount { let e = expf(z[c] - maximum); g[c] = e; sum += e }
            let logSum = logf(sum)
            total += Double(logSum - (z[label] - maximum))
            let scale = inverseBatch / sum
            for c in 0..<classCount { g[c] *= scale }
            g[label] -= inverseBatch
        }
        return (total / Double(logits.rows), dLogits)
    }

    /// Summed loss and number of correct argmax predictions, without a gradient.
    public static func evaluate(logits: Matrix, labels: UnsafePointer<Int32>) -> (lossSum: Double, correct: Int) {
        var total: Double = 0
        var correct = 0
        for r in 0..<logits.rows {
            let z = logits.row(r)
            var maximum = z[0], best = 0
            for c in 1..<logits.columns where z[c] > maximum { maximum = z[c]; best = c }
            var sum: Float = 0
            for c in 0..<logits.columns { sum += expf(z[c] - maximum) }
            let label = Int(labels[r])
            total += Double(logf(sum) - (z[label] - maximum))
            if best == label { correct += 1 }
        }
        return (total, correct)
    }
}

/// Mean squared error over every element, as PyTorch's MSELoss(reduction="mean").
public final class MeanSquaredError {
    private var gradient: ActivationBuffer

    public init(features: Int) { gradient = ActivationBuffer(columns: features) }

    public func lossAndGradient(predictions: Matrix, targets: Matrix) -> (loss: Double, gradient: Matrix) {
        precondition(predictions.rows == targets.rows && predictions.columns == targets.columns,
                     "MeanSquaredError: predictions shaped \(describeShape(predictions.shape)) but targets shaped \(describeShape(targets.shape))")
        gradient.reserve(rows: predictions.rows)
        let g = gradient.matrix(rows: predictions.rows)
        let count = predictions.count
        let scale = 2 / Float(count)
        var total: Double = 0
        for i in 0..<count {
            let d = predictions.data[i] - targets.data[i]
            total += Double(d * d)
            g.data[i] = scale * d
        }
        return (total / Double(count), g)
    }
}

#if canImport(Glibc)
import Glibc
#endif
