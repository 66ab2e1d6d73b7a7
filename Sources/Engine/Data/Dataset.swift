// In-memory labelled examples: a [count, features] Float tensor and labels.

/// Examples as rows of `inputs`, with one class index per row in `labels`.
public final class Dataset {
    public let inputs: Tensor
    public let labels: [Int32]
    public var count: Int { labels.count }
    public var features: Int { inputs.columns }

    public init(inputs: Tensor, labels: [Int32]) {
        precondition(inputs.rows == labels.count,
                     "Dataset: \(inputs.rows) input rows but \(labels.count) labels")
        self.inputs = inputs
        self.labels = labels
    }

    /// The first `count` examples (or all, when there are fewer).
    public func prefix(_ count: Int) -> Dataset {
        let n = min(count, self.count)
        let copy = Tensor(shape: [n, features])
        copy.data.update(from: inputs.data, count: n * features)
        return Dataset(inputs: copy, labels: Array(labels[0..<n]))
    }

    /// One example's inputs, e.g. an image's pixels.
    public func example(_ index: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: inputs.data + index * features, count: features))
    }
}
