// CPU twins of the batch-1 row kernels (Kernels/RowKernels.swift), in the
// kernels' order of operations. A kernel's blocks all compute the same small
// vectors, so one copy stands for them; the shares of the products that the
// blocks split between them do not depend on the grid, so neither do the twins.

extension KernelTwins {
    /// step_setting's learning rate: this step's, looked up by its index in
    /// the epoch (the last entry for later steps); nil after a diverged step.
    static func stepRate(scalars: UnsafePointer<Double>, rateCount: Int, counters: UnsafePointer<UInt32>) -> Double? {
        if counters[KernelSource.Counter.firstDivergedStep] != 0 { return nil }
        let inEpoch = Int(counters[KernelSource.Counter.stepInEpoch])
        return scalars[KernelSource.Scalar.learningRates + min(inEpoch, rateCount - 1)]
    }

    /// row_product: y[o] = Σ_i weight[o, i]·v[i] by one warp's lanes (+ bias[o]).
    static func rowProduct(weight: UnsafePointer<Float>, v: UnsafePointer<Float>, inputs: Int, outputs: Int,
                           bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        for o in 0..<outputs {
            let w = weight + o * inputs
            let sum = laneSum(count: inputs) { w[$0] * v[$0] }
            y[o] = bias.map { sum + $0[o] } ?? sum
        }
    }

    /// row_normalize: xb = z + bias, then layer_norm_forward's LayerNorm and
    /// ReLU-dropout of row 0; writes xb, (μ, 1/σ) and the activation h.
    static func rowNormalize(z: UnsafePointer<Float>, bias: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                             shift: UnsafePointer<Float>, features n: Int, epsilon: Float, probability: Float,
                             dropout: DropoutStream, step: UInt32, xb: UnsafeMutablePointer<Float>,
                             statistics: UnsafeMutablePointer<Float>, activated: UnsafeMutablePointer<Float>) {
        for i in 0..<n { xb[i] = z[i] + bias[i] }
        layerNormForwardFused(x: xb, bias: nil, gain: gain, shift: shift, y: nil, statistics: statistics, rows: 1,
                              features: n, epsilon: epsilon, activated: activated, probability: probability,
                              dropout: dropout, step: step)
    }

    /// row_backward: the LayerNorm's backward at one row (block sums), its
    /// parameter gradients and the Linear's bias gradient, the Linear's weight
    /// gradient and, when `inputGradient` is given, the gradient at its input
    /// (64 partial sums down each column, 8 a warp added by butterfly, then
    /// the warps' in order).
    static func rowBackward(dh: UnsafePointer<Float>, xb: UnsafePointer<Float>, activated: UnsafePointer<Float>,
                            mean: Float, inverseDeviation: Float, scale: Float, gain: UnsafePointer<Float>,
                            features n: Int, gainGradient: UnsafeMutablePointer<Float>,
                            shiftGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>,
                            weight: UnsafePointer<Float>, v: UnsafePointer<Float>, inputs: Int,
                            weightGradient: UnsafeMutablePointer<Float>?, inputGradient: UnsafeMutablePointer<Float>?,
                            updatedWeight: UnsafeMutablePointer<Float>? = nil, rate: Float = 0) {
        let normalized = (0..<n).map { (xb[$0] - mean) * inverseDeviation }
        let upstream = (0..<n).map { activated[$0] != 0 ? dh[$0] * scale : 0 }
        let sumsG = stridedPartials(count: n) { upstream[$0] * gain[$0] }
        let sumsGX = stridedPartials(count: n) { (upstream[$0] * gain[$0]) * normalized[$0] }
        let meanG = blockSum { sumsG[$0] } / Float(n)
        let meanGX = blockSum { sumsGX[$0] } / Float(n)
        var dx = [Float](repeating: 0, count: n)
        for i in 0..<n {
            dx[i] = (upstream[i] * gain[i] - meanG - normalized[i] * meanGX) * inverseDeviation
            gainGradient[i] = upstream[i] * normalized[i]
            shiftGradient[i] = upstream[i]
            biasGradient[i] = dx[i]
        }
        if let weightGradient {
            for o in 0..<n { for i in 0..<inputs { weightGradient[o * inputs + i] = dx[o] * v[i] } }
        } else if let updatedWeight {
            for o in 0..<n {
                for i in 0..<inputs { updatedWeight[o * inputs + i] = updatedWeight[o * inputs + i] - rate * (dx[o] * v[i]) }
            }
        }
        guard let inputGradient else { return }
        let lanes = blockSize / 4, lanesPerWarp = 8
        for c in 0..<inputs {
            let sums = (0..<lanes).map { lane -> Float in
                var sum: Float = 0
                var o = lane
                while o < n { sum += weight[o * inputs + c] * dx[o]; o += lanes }
                return sum
            }
            var total: Float = 0
            for warp in 0..<(lanes / lanesPerWarp) {
                // The butterfly over the warp's 8 lanes of the column: offsets 4, 8, 16
                // between threads are 1, 2, 4 between lanes.
                var values = Array(sums[(warp * lanesPerWarp)..<((warp + 1) * lanesPerWarp)])
                var offset = 1
                while offset < lanesPerWarp {
                    values = (0..<lanesPerWarp).map { values[$0] + values[$0 ^ offset] }
                    offset <<= 1
                }
                total += values[0]
            }
            inputGradient[c] = total
        }
    }

    /// row_first_forward: example order[stepInEpoch] into `input` and
    /// `label`, and z = W·x.
    static func rowFirstForward(data: UnsafePointer<Float>, labels: UnsafePointer<Int32>, order: UnsafePointer<Int32>,
                                input: UnsafeMutablePointer<Float>, label: UnsafeMutablePointer<Int32>, features: Int,
                                weight: UnsafePointer<Float>, outputs: Int, z: UnsafeMutablePointer<Float>,
                                stepInEpoch: Int) {
        let source = Int(order[stepInEpoch])
        input.update(from: data + source * features, count: features)
        label[0] = labels[source]
        rowProduct(weight: weight, v: input, inputs: features, outputs: outputs, bias: nil, y: z)
    }

    /// row_hidden_forward: the previous layer's row_normalize, then y = W·h.
    static func rowHiddenForward(z: UnsafePointer<Float>, bias: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                                 shift: UnsafePointer<Float>, features: Int, epsilon: Float, probability: Float,
                                 dropout: DropoutStream, step: UInt32, xb: UnsafeMutablePointer<Float>,
                                 statistics: UnsafeMutablePointer<Float>, activated: UnsafeMutablePointer<Float>,
                                 weight: UnsafePointer<Float>, outputs: Int, y: UnsafeMutablePointer<Float>) {
        rowNormalize(z: z, bias: bias, gain: gain, shift: shift, features: features, epsilon: epsilon,
                     probability: probability, dropout: dropout, step: step, xb: xb, statistics: statistics,
                     activated: activated)
        rowProduct(weight: weight, v: activated, inputs: features, outputs: outputs, bias: nil, y: y)
    }

    /// The fused plain SGD of row_hidden_backward (row_fused_sgd), after its
    /// row_backward: the Linear above updated from upperDx ⊗ upperInput;
    /// with `runs`, the runs of `parameters` from `gradients` and the step
    /// counters moved on. `update` false (a diverged step) updates nothing.
    static func rowFusedSGD(update: Bool, rate: Float, upperWeight: UnsafeMutablePointer<Float>?, upperDx: UnsafePointer<Float>,
                            upperInput: UnsafePointer<Float>, upperOutputs: Int, upperInputs: Int,
                            runs: UnsafePointer<Int32>?, runCount: Int, parameters: UnsafeMutablePointer<Float>,
                            gradients: UnsafePointer<Float>, counters: UnsafeMutablePointer<UInt32>) {
        if update, let upperWeight {
            for o in 0..<upperOutputs {
                for i in 0..<upperInputs {
                    upperWeight[o * upperInputs + i] = upperWeight[o * upperInputs + i] - rate * (upperDx[o] * upperInput[i])
                }
            }
        }
        guard let runs else { return }
        if update {
            for r in 0..<runCount {
                let offset = Int(runs[2 * r]), count = Int(runs[2 * r + 1])
                for i in offset..<(offset + count) { parameters[i] = parameters[i] - rate * gradients[i] }
            }
        }
        counters[KernelSource.Counter.stepInEpoch] += 1
        counters[KernelSource.Counter.completedSteps] += 1
    }

    /// The pointers of row_head's output layer and loss.
    struct RowHeadOutput {
        var weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, classes: Int, logits: UnsafeMutablePointer<Float>
        var weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>
        var label: UnsafePointer<Int32>, accumulators: UnsafeMutablePointer<Double>, counters: UnsafeMutablePointer<UInt32>
        var limit: Double, lossLog: UnsafeMutablePointer<Double>?, logCapacity: Int
    }

    /// row_head: the last hidden layer's row_normalize; the logits; softmax
    /// cross-entropy and the loss's bookkeeping as softmax_cross_entropy
    /// does for one row; the last Linear's gradients; dh = W_lastᵀ·dlogits
    /// (classes in order); row_backward for the hidden layer.
    static func rowHead(z: UnsafePointer<Float>, bias: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                        shift: UnsafePointer<Float>, features n: Int, epsilon: Float, probability: Float,
                        dropout: DropoutStream, xb: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>,
                        activated: UnsafeMutablePointer<Float>, output: RowHeadOutput,
                        gainGradient: UnsafeMutablePointer<Float>, shiftGradient: UnsafeMutablePointer<Float>,
                        biasGradient: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>, input: UnsafePointer<Float>,
                        inputs: Int, weightGradient: UnsafeMutablePointer<Float>?, inputGradient: UnsafeMutablePointer<Float>?) {
        let classes = output.classes
        rowNormalize(z: z, bias: bias, gain: gain, shift: shift, features: n, epsilon: epsilon, probability: probability,
                     dropout: dropout, step: output.counters[KernelSource.Counter.completedSteps], xb: xb,
                     statistics: statistics, activated: activated)
        rowProduct(weight: output.weight, v: activated, inputs: n, outputs: classes, bias: output.bias, y: output.logits)
        var rowLoss: Float = 0
        softmaxCrossEntropy(logits: output.logits, labels: output.label, dLogits: output.biasGradient, rowLoss: &rowLoss,
                            rows: 1, classes: classes, inverseBatch: 1)
        accumulateTrainingLoss(rowLoss: &rowLoss, rows: 1, accumulators: output.accumulators, counters: output.counters,
                               limit: output.limit, lossLog: output.lossLog, logCapacity: output.logCapacity)
        let dz = output.biasGradient
        for o in 0..<classes { for i in 0..<n { output.weightGradient[o * n + i] = dz[o] * activated[i] } }
        let dh = (0..<n).map { c -> Float in
            var sum: Float = 0
            for o in 0..<classes { sum += output.weight[o * n + c] * dz[o] }
            return sum
        }
        rowBackward(dh: dh, xb: xb, activated: activated, mean: statistics[0], inverseDeviation: statistics[1],
                    scale: 1 / (1 - probability), gain: gain, features: n, gainGradient: gainGradient,
                    shiftGradient: shiftGradient, biasGradient: biasGradient, weight: weight, v: input, inputs: inputs,
                    weightGradient: weightGradient, inputGradient: inputGradient)
    }
}
