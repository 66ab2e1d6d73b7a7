// CPU twins of the CUDA kernels (Kernels/KernelSource.swift): each function
// computes what its kernel computes, in the same order of operations, so that
// the twin can be checked here against the engine's layers and, on a GPU,
// the kernel against the twin. Reductions follow the kernels' thread layout:
// per-thread strided partial sums, then a butterfly over each warp and over
// the warp totals. (NVRTC compiles with --fmad=false so that no multiply-add
// is contracted on the GPU either.)
#if canImport(Glibc)
import Glibc
#endif

public enum KernelTwins {
    static let blockSize = KernelSource.blockSize

    // MARK: Reductions

    /// The butterfly of warp_sum over 32 lanes; every lane ends equal, lane 0 is returned.
    static func warpSum(_ lanes: [Float]) -> Float {
        var values = lanes
        var offset = 16
        while offset > 0 {
            values = (0..<32).map { values[$0] + values[$0 ^ offset] }
            offset >>= 1
        }
        return values[0]
    }

    /// block_sum: `partial(t)` is thread t's value, for t in 0..<blockSize.
    static func blockSum(_ partial: (Int) -> Float) -> Float {
        let warps = blockSize / 32
        let warpTotals = (0..<warps).map { warp in warpSum((0..<32).map { partial(warp * 32 + $0) }) }
        return warpSum((0..<32).map { $0 < warps ? warpTotals[$0] : 0 })
    }

    /// One warp's sum over a row: lane l adds term(i) for i = l, l + 32, … <
    /// count, then the warp's butterfly (the loss kernels' and
    /// layer_norm_backward's row sums).
    static func laneSum(count: Int, _ term: (Int) -> Float) -> Float {
        warpSum(stridedPartials(count: count, threads: 32, term))
    }

    /// Rows per block of layer_norm_backward unless told otherwise.
    public static let layerNormRowsPerBlock = KernelSource.layerNormMaxRowsPerBlock

    /// A sum over rows as layer_norm_backward takes it: each block's
    /// `perBlock` rows in order, then the blocks' sums in order.
    public static func blockedRowSum(rows: Int, perBlock: Int = layerNormRowsPerBlock,
                                     _ value: (Int) -> Float) -> Float {
        precondition(perBlock >= 1, "blockedRowSum: at least one row per block")
        var total: Float = 0
        for first in stride(from: 0, to: rows, by: perBlock) {
            var sum: Float = 0
            for row in first..<min(rows, first + perBlock) { sum += value(row) }
            total += sum
        }
        return total
    }

    /// Thread t's strided sum of `term(i)` over i = t, t + threads, … < count,
    /// for each of `threads` threads (a block's, or a warp's lanes).
    static func stridedPartials(count: Int, threads: Int = blockSize, _ term: (Int) -> Float) -> [Float] {
        (0..<threads).map { thread in
            var sum: Float = 0
            var i = thread
            while i < count { sum += term(i); i += threads }
            return sum
        }
    }

    // MARK: Data and Linear

    /// gather_batch: rows order[first ..< first + rows] into the batch.
    public static func gatherBatch(data: UnsafePointer<Float>, labels: UnsafePointer<Int32>, order: UnsafePointer<Int32>,
                                   batch: UnsafeMutablePointer<Float>, batchLabels: UnsafeMutablePointer<Int32>,
                                   rows: Int, features: Int, batchSize: Int, stepInEpoch: Int) {
        let first = stepInEpoch * batchSize
        for row in 0..<rows {
            let source = Int(order[first + row])
            (batch + row * features).update(from: data + source * features, count: features)
            batchLabels[row] = labels[source]
        }
    }

    /// fill_rows_with_bias.
    public static func fillRowsWithBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows { (y + row * columns).update(from: bias, count: columns) }
    }

    /// The bias part of softmax_cross_entropy: y[r, c] ← y[r, c] + bias[c].
    public static func addBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows { for column in 0..<columns { y[row * columns + column] = y[row * columns + column] + bias[column] } }
    }

    /// column_sums, rows in order (also the last-block bias sums of
    /// softmax_cross_entropy and layer_norm_backward).
    public static func columnSums(_ matrix: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for column in 0..<columns {
            var sum: Float = 0
            for row in 0..<rows { sum += matrix[row * columns + column] }
            sums[column] = sum
        }
    }

    // MARK: LayerNorm

    /// layer_norm_forward with its fusions, as the composition of the parts it
    /// fuses: with `bias`, x ← x + bias (written back); the LayerNorm into `y`
    /// when given; with `activated`, the ReLU-dropout of the LayerNorm's output.
    public static func layerNormForwardFused(x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
                                             gain: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                             y: UnsafeMutablePointer<Float>?, statistics: UnsafeMutablePointer<Float>,
                                             rows: Int, features n: Int, epsilon: Float,
                                             activated: UnsafeMutablePointer<Float>?, probability: Float,
                                             dropout: DropoutStream, step: UInt32) {
        if let bias {
            for row in 0..<rows { for i in 0..<n { x[row * n + i] = x[row * n + i] + bias[i] } }
        }
        var normalized = [Float](repeating: 0, count: rows * n)
        layerNormForward(x: x, gain: gain, shift: shift, y: &normalized, statistics: statistics, rows: rows, features: n, epsilon: epsilon)
        if let y { y.update(from: normalized, count: rows * n) }
        if let activated {
            reluDropoutForward(x: normalized, y: activated, count: rows * n, relu: true, probability: probability,
                               dropout: dropout, step: step)
        }
    }

    /// layer_norm_backward with its fusions, as the composition of the parts:
    /// with `activated`, dy first goes back through the ReLU-dropout (passing
    /// where the output was non-zero, times `scale`); then the input gradient
    /// (when `dx` is given) and the gain and shift gradients.
    public static func layerNormBackwardFused(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, activated: UnsafePointer<Float>?,
                                              scale: Float, gain: UnsafePointer<Float>, statistics: UnsafePointer<Float>,
                                              dx: UnsafeMutablePointer<Float>?, gainGradient: UnsafeMutablePointer<Float>,
                                              shiftGradient: UnsafeMutablePointer<Float>, rows: Int, features n: Int,
                                              linearBiasGradient: UnsafeMutablePointer<Float>? = nil,
                                              rowsPerBlock: Int = layerNormRowsPerBlock) {
        let upstream = (0..<(rows * n)).map { i -> Float in
            guard let activated else { return dy[i] }
            return activated[i] != 0 ? dy[i] * scale : 0
        }
        if let dx {
            layerNormBackwardInput(x: x, dy: upstream, gain: gain, statistics: statistics, dx: dx, rows: rows, features: n)
            if let linearBiasGradient {
                for feature in 0..<n {
                    linearBiasGradient[feature] = blockedRowSum(rows: rows, perBlock: rowsPerBlock) { dx[$0 * n + feature] }
                }
            }
        }
        layerNormBackwardParameters(x: x, dy: upstream, statistics: statistics, gainGradient: gainGradient,
                                    shiftGradient: shiftGradient, rows: rows, features: n, rowsPerBlock: rowsPerBlock)
    }

    /// The LayerNorm part of layer_norm_forward, one row at a time; statistics holds (μ, 1/σ) per row.
    public static func layerNormForward(x: UnsafePointer<Float>, gain: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                        y: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>,
                                        rows: Int, features n: Int, epsilon: Float) {
        for row in 0..<rows {
            let input = x + row * n, output = y + row * n
            let sums = stridedPartials(count: n) { input[$0] }
            let mean = blockSum { sums[$0] } / Float(n)
            let squares = stridedPartials(count: n) { let d = input[$0] - mean; return d * d }
            let variance = blockSum { squares[$0] } / Float(n)
            let inverseDeviation = 1 / (variance + epsilon).squareRoot()
            for i in 0..<n { output[i] = (input[i] - mean) * inverseDeviation * gain[i] + shift[i] }
            statistics[2 * row] = mean
            statistics[2 * row + 1] = inverseDeviation
        }
    }

    /// The input gradient of layer_norm_backward, one warp per row.
    public static func layerNormBackwardInput(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                                              statistics: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                              rows: Int, features n: Int) {
        for row in 0..<rows {
            let input = x + row * n, outputGradient = dy + row * n
            let mean = statistics[2 * row], inverseDeviation = statistics[2 * row + 1]
            let meanG = laneSum(count: n) { outputGradient[$0] * gain[$0] } / Float(n)
            let meanGX = laneSum(count: n) { i in
                (outputGradient[i] * gain[i]) * ((input[i] - mean) * inverseDeviation)
            } / Float(n)
            for i in 0..<n {
                let normalized = (input[i] - mean) * inverseDeviation
                dx[row * n + i] = (outputGradient[i] * gain[i] - meanG - normalized * meanGX) * inverseDeviation
            }
        }
    }

    /// The parameter gradients of layer_norm_backward: dγ and dβ summed over rows as blockedRowSum does.
    public static func layerNormBackwardParameters(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, statistics: UnsafePointer<Float>,
                                                   gainGradient: UnsafeMutablePointer<Float>, shiftGradient: UnsafeMutablePointer<Float>,
                                                   rows: Int, features n: Int,
                                                   rowsPerBlock: Int = layerNormRowsPerBlock) {
        for feature in 0..<n {
            gainGradient[feature] = blockedRowSum(rows: rows, perBlock: rowsPerBlock) { row in
                let i = row * n + feature
                return dy[i] * ((x[i] - statistics[2 * row]) * statistics[2 * row + 1])
            }
            shiftGradient[feature] = blockedRowSum(rows: rows, perBlock: rowsPerBlock) { dy[$0 * n + feature] }
        }
    }

    // MARK: ReLU and dropout

    /// relu_dropout_forward: y = relu(x)·mask (either part optional).
    public static func reluDropoutForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, relu: Bool,
                                          probability: Float, dropout: DropoutStream, step: UInt32) {
        for i in 0..<count {
            var value = x[i]
            if relu { value = value > 0 ? value : 0 }
            if probability > 0 { value *= dropout.multiplier(index: i, step: step, probability: probability) }
            y[i] = value
        }
    }

    /// relu_dropout_backward: dx = dy·mask·[x > 0].
    public static func reluDropoutBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                           count: Int, relu: Bool, probability: Float, dropout: DropoutStream, step: UInt32) {
        for i in 0..<count {
            var gradient = dy[i]
            if probability > 0 { gradient *= dropout.multiplier(index: i, step: step, probability: probability) }
            if relu && !(x[i] > 0) { gradient = 0 }
            dx[i] = gradient
        }
    }

    // MARK: Softmax cross-entropy

    /// softmax_cross_entropy: per-row losses and dLogits = (softmax − onehot)/rows.
    public static func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                           dLogits: UnsafeMutablePointer<Float>, rowLoss: UnsafeMutablePointer<Float>,
                                           rows: Int, classes: Int, inverseBatch: Float) {
        for row in 0..<rows {
            let z = logits + row * classes, g = dLogits + row * classes
            var maximum = -Float.infinity
            for c in 0..<classes { maximum = max(maximum, z[c]) }
            for c in 0..<classes { g[c] = expf(z[c] - maximum) }
            let sum = laneSum(count: classes) { g[$0] }
            let label = Int(labels[row])
            let scale = inverseBatch / sum
            for c in 0..<classes { g[c] = g[c] * scale - (c == label ? inverseBatch : 0) }
            rowLoss[row] = logf(sum) - (z[label] - maximum)
        }
    }

    /// The last block of softmax_cross_entropy: the batch's loss sum added to
    /// the accumulator, the mean logged at the step's index in the epoch, and
    /// a mean that is not finite or above `limit` recorded as the first
    /// diverged step (if none is yet).
    public static func accumulateTrainingLoss(rowLoss: UnsafePointer<Float>, rows: Int, accumulators: UnsafeMutablePointer<Double>,
                                              counters: UnsafeMutablePointer<UInt32>, limit: Double,
                                              lossLog: UnsafeMutablePointer<Double>?, logCapacity: Int) {
        let total = trainingLossSum(rowLoss: rowLoss, rows: rows)
        accumulators[KernelSource.Accumulator.trainingLossSum] += total
        let mean = total / Double(rows)
        let inEpoch = Int(counters[KernelSource.Counter.stepInEpoch])
        if let lossLog, inEpoch < logCapacity { lossLog[inEpoch] = mean }
        if (!mean.isFinite || mean > limit) && counters[KernelSource.Counter.firstDivergedStep] == 0 {
            counters[KernelSource.Counter.firstDivergedStep] = counters[KernelSource.Counter.stepInEpoch] + 1
            accumulators[KernelSource.Accumulator.divergedLoss] = mean
        }
    }

    /// The batch's loss sum as softmax_cross_entropy's last block takes it (a
    /// tree over 256 double partials).
    public static func trainingLossSum(rowLoss: UnsafePointer<Float>, rows: Int) -> Double {
        var partial = (0..<blockSize).map { thread -> Double in
            var sum = 0.0
            var r = thread
            while r < rows { sum += Double(rowLoss[r]); r += blockSize }
            return sum
        }
        var width = blockSize / 2
        while width > 0 {
            for t in 0..<width { partial[t] += partial[t + width] }
            width >>= 1
        }
        return partial[0]
    }

    /// evaluate_rows: summed loss and the count of rows whose first largest logit is the label.
    public static func evaluateRows(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int,
                                    classes: Int) -> (lossSum: Double, correct: Int) {
        var lossSum = 0.0, correct = 0
        for row in 0..<rows {
            let z = logits + row * classes
            var maximum = -Float.infinity, best = classes
            for c in 0..<classes where z[c] > maximum { maximum = z[c]; best = c }
            let label = Int(labels[row])
            lossSum += Double(logf(laneSum(count: classes) { expf(z[$0] - maximum) }) - (z[label] - maximum))
            if best == label { correct += 1 }
        }
        return (lossSum, correct)
    }
}
