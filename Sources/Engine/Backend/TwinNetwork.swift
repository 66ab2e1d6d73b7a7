// The CPU twin of the CUDA network: a NetworkPlan executed with the kernel
// twins, and OpenBLAS in place of cuBLAS. It is what the GPU must reproduce
// (to 1e-4 relative, FP32), including dropout's Philox masks, which the
// engine's CPU Dropout layer draws from another generator.

public final class TwinNetwork {
    public let plan: NetworkPlan
    /// The flat parameters, in the model's layout.
    public var parameters: [Float]
    /// dLoss/dParameters after `backward`, same layout; the self-test also
    /// sets them to the GPU's, to check an update on its own.
    public internal(set) var gradients: [Float]
    /// Optimizer steps taken; the dropout masks' step counter.
    public var completedSteps: UInt32 = 0

    private var activations: [Tensor] = []  // activations[k] enters operation k; the last is the logits
    private var statistics: [Tensor?] = []   // LayerNorm (μ, 1/σ) per row
    private var rows = 0

    public init(plan: NetworkPlan, parameters: [Float]) {
        precondition(parameters.count == plan.parameterCount, "TwinNetwork: \(parameters.count) parameters for a plan of \(plan.parameterCount)")
        self.plan = plan
        self.parameters = parameters
        self.gradients = [Float](repeating: 0, count: parameters.count)
    }

    /// Logits for `input` ([rows, inputFeatures], row-major); dropout only in training.
    public func forward(_ input: [Float], rows: Int, mode: Mode) -> [Float] {
        precondition(input.count == rows * plan.inputFeatures, "TwinNetwork.forward: input is not [\(rows), \(plan.inputFeatures)]")
        self.rows = rows
        let first = Tensor(shape: [rows, plan.inputFeatures])
        input.withUnsafeBufferPointer { first.data.update(from: $0.baseAddress!, count: input.count) }
        activations = [first]
        statistics = []
        parameters.withUnsafeMutableBufferPointer { parameterBuffer in
            let p = parameterBuffer.baseAddress!
            for operation in plan.operations {
                let x = activations.last!
                let y = Tensor(shape: [rows, operation.outputFeatures])
                var stats: Tensor?
                switch operation {
                case let .linear(inputs, outputs, weight):
                    KernelTwins.fillRowsWithBias(y.data, bias: p + weight + outputs * inputs, rows: rows, columns: outputs)
                    BLAS.gemm(x.matrix(), Matrix(data: p + weight, rows: outputs, columns: inputs), transposeB: true,
                              into: y.matrix(), beta: 1)
                case let .layerNorm(features, gain, epsilon):
                    stats = Tensor(shape: [rows, 2])
                    KernelTwins.layerNormForward(x: x.data, gain: p + gain, shift: p + gain + features, y: y.data,
                                                 statistics: stats!.data, rows: rows, features: features, epsilon: epsilon)
                case let .reluDropout(features, relu, probability, dropout):
                    KernelTwins.reluDropoutForward(x: x.data, y: y.data, count: rows * features, relu: relu,
                                                   probability: mode == .training ? probability : 0,
                                                   dropout: dropout, step: completedSteps)
                }
                statistics.append(stats)
                activations.append(y)
            }
        }
        return activations.last!.array
    }

    /// Softmax cross-entropy of the last forward's logits, then every gradient.
    /// Returns the summed (not mean) loss over the batch, as the kernels accumulate it.
    @discardableResult
    public func backward(labels: [Int32], mode: Mode = .training) -> Double {
        precondition(labels.count == rows, "TwinNetwork.backward: \(labels.count) labels for \(rows) rows")
        let logits = activations.last!
        let classes = plan.outputFeatures
        var gradient = Tensor(shape: [rows, classes])
        let rowLoss = Tensor(shape: [rows])
        labels.withUnsafeBufferPointer { labelBuffer in
            KernelTwins.softmaxCrossEntropy(logits: logits.data, labels: labelBuffer.baseAddress!, dLogits: gradient.data,
                                            rowLoss: rowLoss.data, rows: rows, classes: classes, inverseBatch: 1 / Float(rows))
        }
        let lossSum = KernelTwins.trainingLossSum(rowLoss: rowLoss.data, rows: rows)
        parameters.withUnsafeMutableBufferPointer { parameterBuffer in
            gradients.withUnsafeMutableBufferPointer { gradientBuffer in
                let p = parameterBuffer.baseAddress!, g = gradientBuffer.baseAddress!
                for (k, operation) in plan.operations.enumerated().reversed() {
                    let x = activations[k]
                    let needsInput = k > 0
                    let dx = Tensor(shape: [rows, x.columns])
                    switch operation {
                    case let .linear(inputs, outputs, weight):
                        BLAS.gemm(gradient.matrix(), transposeA: true, x.matrix(),
                                  into: Matrix(data: g + weight, rows: outputs, columns: inputs))
                        KernelTwins.columnSums(gradient.data, into: g + weight + outputs * inputs, rows: rows, columns: outputs)
                        if needsInput {
                            BLAS.gemm(gradient.matrix(), Matrix(data: p + weight, rows: outputs, columns: inputs), into: dx.matrix())
                        }
                    case let .layerNorm(features, gain, _):
                        let stats = statistics[k]!
                        KernelTwins.layerNormBackwardParameters(x: x.data, dy: gradient.data, statistics: stats.data,
                                                                gainGradient: g + gain, shiftGradient: g + gain + features,
                                                                rows: rows, features: features)
                        if needsInput {
                            KernelTwins.layerNormBackwardInput(x: x.data, dy: gradient.data, gain: p + gain, statistics: stats.data,
                                                               dx: dx.data, rows: rows, features: features)
                        }
                    case let .reluDropout(features, relu, probability, dropout):
                        if needsInput {
                            KernelTwins.reluDropoutBackward(x: x.data, dy: gradient.data, dx: dx.data, count: rows * features,
                                                            relu: relu, probability: mode == .training ? probability : 0,
                                                            dropout: dropout, step: completedSteps)
                        }
                    }
                    gradient = dx
                }
            }
        }
        return lossSum
    }

    /// The optimizer state the twin keeps, as the device does: the state
    /// buffers one after another and the step scalars.
    private var optimizerState: [Float] = []
    private var scalars: [Double] = []
    /// Clip the gradient to this global norm before each update, as the device does.
    public var clipNorm: Double?
    /// The gradient's norm before the last update's clipping.
    public var lastGradientNorm: Double { scalars.isEmpty ? .nan : scalars[KernelSource.Scalar.gradientNorm] }

    /// One optimizer update with the twins of the clipping and update kernels,
    /// at `learningRate` (the optimizer's own when nil); advances the step counter.
    public func step(_ optimizer: DeviceOptimizer, learningRate: Double? = nil) {
        let count = parameters.count
        if optimizerState.isEmpty {  // at least one Float, so that the buffer always has an address
            optimizerState = [Float](repeating: optimizer.initialStateValue, count: max(count * optimizer.stateBuffers, 1))
        }
        if scalars.isEmpty { scalars = optimizer.initialScalars() }
        scalars[KernelSource.Scalar.learningRates] = learningRate ?? optimizer.learningRate
        let counters: [UInt32] = [0, completedSteps, 0, 0]
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                scalars.withUnsafeMutableBufferPointer { scalars in
                    if let clipNorm {
                        let blocks = min(KernelSource.clippingBlocks, gridBlocks(for: count))
                        var partials = [Double](repeating: 0, count: blocks)
                        KernelTwins.gradientSquareSums(g.baseAddress!, count: count, blocks: blocks, into: &partials)
                        KernelTwins.clipCoefficient(partials: partials, blocks: blocks, maxNorm: clipNorm, scalars: scalars.baseAddress!)
                    }
                    optimizerState.withUnsafeMutableBufferPointer { state in
                        optimizer.twinUpdate(parameters: p.baseAddress!, gradients: g.baseAddress!, state: state.baseAddress!,
                                             count: count, scalars: scalars.baseAddress!, rateCount: 1, counters: counters)
                    }
                }
            }
        }
        completedSteps += 1
    }
}
