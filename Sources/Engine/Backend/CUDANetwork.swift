// A NetworkPlan on the GPU: every buffer a training step touches, allocated
// once per model and batch capacity, and the launch sequences of the forward
// pass, the loss and backward pass, and the optimizer update. Each sequence
// only enqueues work on the context's stream, so the trainer can capture it
// in a CUDA graph; nothing here reads back to the host except on request.
//
// Small batches are launch-bound, so the sequences fuse what they can: a
// Linear followed by a LayerNorm leaves its bias (and its bias gradient) to
// the LayerNorm's kernels, which also run the ReLU-dropout after it; in a
// training step the last Linear leaves its bias to the loss kernel, which
// also sums that bias's gradient and the batch's loss; the update moves the
// step counters on. Reductions over a whole grid are finished by the grid's
// last block (KernelSource's last_block_to_finish). A step of the tutorial
// network is then 4 + 3 forward nodes, 1 for the loss, 10 backward and 1 for
// the update. At batch 1 the row kernels (RowKernels.swift) take a step of
// such a network in 2n + 1 nodes for n hidden layers, the gather included.

import Foundation

final class CUDANetwork {
    let context: KernelDevice
    let plan: NetworkPlan
    let optimizer: DeviceOptimizer
    let batchCapacity: Int

    let parameters: DeviceBuffer
    let gradients: DeviceBuffer
    let optimizerState: DeviceBuffer
    /// activations[0] is the batch input; activations[k + 1] is operation k's output.
    private let activations: [DeviceBuffer]
    private let statistics: [DeviceBuffer?]
    private let gradientScratch: [DeviceBuffer]  // ping-pong dLoss/dActivation
    let labels: DeviceBuffer
    private let rowLoss: DeviceBuffer
    let counters: DeviceBuffer      // UInt32 × KernelSource.Counter.count
    let accumulators: DeviceBuffer  // Double × KernelSource.Accumulator.count
    /// Double × (KernelSource.Scalar.learningRates + rateCount): see KernelSource.Scalar.
    let scalars: DeviceBuffer
    private let clipPartials: DeviceBuffer  // Double × KernelSource.clippingBlocks
    /// layer_norm_backward's per-block sums: Float × [blocks][3][widest features].
    private let layerNormPartials: DeviceBuffer
    /// The (offset, count) runs of parameters that the last row kernel's last
    /// block updates when plain SGD is fused into a row step (the small
    /// parameters and the last Linear); nil for a plan the row kernels do not take.
    private let rowUpdateRuns: DeviceBuffer?
    private let rowUpdateRunCount: Int
    /// TN_CUDA_FUSED_UPDATE (see `fusedUpdateSetting(environment:)`), read once.
    private let fusedUpdateAllowed: Bool
    /// Blocks per multiprocessor of the batch-1 kernels with backward parts
    /// (TN_CUDA_ROW_BLOCKS; see rowBlocksSetting).
    let rowBlocksPerMultiprocessor: Int
    /// Rows per block of layer_norm_backward (see `layerNormRows(environment:)`).
    let layerNormRowsPerBlock: Int
    /// How many learning rates the scalars hold: 1 (a constant rate) or one per step of an epoch.
    let rateCount: Int

    /// Clip the gradient to this global norm before each update (nil: no clipping).
    /// Read when a step is enqueued, so set it before capturing a graph.
    var clipNorm: Double?
    /// Keeps each step's gradient norm (before clipping) at its index in the
    /// epoch, up to `normLogCapacity` steps (0: none kept).
    let normLogCapacity: Int
    private let normLog: DeviceBuffer?
    /// Keeps each step's mean training loss likewise, up to `lossLogCapacity` steps.
    let lossLogCapacity: Int
    private let lossLog: DeviceBuffer?
    /// A step whose mean loss is above this (or not finite) is a divergence:
    /// it is recorded and no later update changes the parameters.
    var divergenceLimit: Double?

    var parameterCount: Int { plan.parameterCount }

    /// Bytes of device memory for a plan at a batch capacity: a fixed part
    /// (parameters, gradients, optimizer state, counters) plus a part per row.
    static func memoryNeeded(plan: NetworkPlan, optimizer: DeviceOptimizer,
                             layerNormRowsPerBlock: Int = KernelSource.layerNormMaxRowsPerBlock) -> (fixed: Int, perRow: Int) {
        let fixed = 4 * plan.parameterCount * (2 + optimizer.stateBuffers) + 4 * KernelSource.Counter.count + 3 * 4 * plan.widestFeatures
            + 8 * KernelSource.Accumulator.count + 8 * (KernelSource.Scalar.learningRates + 1 + KernelSource.clippingBlocks)
        // The last term is layer_norm_backward's partial sums: a block's slice
        // (3 × the widest features) per layerNormRowsPerBlock rows; the fixed
        // part above holds one more slice for the rounding up.
        var perRow = 4 * plan.inputFeatures + 2 * 4 * plan.widestFeatures + 4 + 4
            + (3 * 4 * plan.widestFeatures + layerNormRowsPerBlock - 1) / layerNormRowsPerBlock
        for operation in plan.operations {
            perRow += 4 * operation.outputFeatures
            if case .layerNorm = operation { perRow += 8 }
        }
        return (fixed, perRow)
    }

    /// Allocates everything, after checking `extraBytes` (e.g. the data set)
    /// plus the network's buffers against the device's free memory.
    /// `rateCount` learning rates: 1 for a constant rate, or the steps of an
    /// epoch when a schedule gives each step its own (see `uploadLearningRates`).
    /// With `normLogCapacity` > 0, every step's gradient norm is measured and
    /// kept (see `readGradientNorms`). The TN_CUDA_* settings come from
    /// `environment`.
    init(context: KernelDevice, plan: NetworkPlan, optimizer: DeviceOptimizer, batchCapacity: Int,
         rateCount: Int = 1, normLogCapacity: Int = 0, lossLogCapacity: Int = 0, extraBytes: Int = 0,
         requestedBatchSize: Int? = nil, layerNormRowsPerBlock: Int? = nil,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        precondition(rateCount >= 1, "CUDANetwork: rateCount must be ≥ 1")
        let layerNormRows = try layerNormRowsPerBlock
            ?? Self.layerNormRows(environment: environment, batchSize: requestedBatchSize ?? batchCapacity,
                                  multiprocessors: context.device.multiprocessors)
        fusedUpdateAllowed = try Self.fusedUpdateSetting(environment: environment)
        rowBlocksPerMultiprocessor = try Self.rowBlocksSetting(environment: environment)
        precondition((1...KernelSource.layerNormMaxRowsPerBlock).contains(layerNormRows),
                     "CUDANetwork: layer_norm_backward takes 1 to \(KernelSource.layerNormMaxRowsPerBlock) rows per block, not \(layerNormRows)")
        self.layerNormRowsPerBlock = layerNormRows
        self.context = context
        self.plan = plan
        self.optimizer = optimizer
        self.batchCapacity = batchCapacity
        self.rateCount = rateCount
        self.normLogCapacity = normLogCapacity
        self.lossLogCapacity = lossLogCapacity
        let (fixed, perRow) = Self.memoryNeeded(plan: plan, optimizer: optimizer, layerNormRowsPerBlock: layerNormRows)
        let required = fixed + 8 * (rateCount - 1 + normLogCapacity + lossLogCapacity) + perRow * batchCapacity + extraBytes
        let free = try context.memoryInfo().free
        // Leave 5% for cuBLAS and the driver's own allocations.
        let usable = free - free / 20
        func outOfMemory() -> DeviceOutOfMemory {
            let batch = requestedBatchSize ?? batchCapacity
            let suggestion = max(0, min(batch - 1, (usable - fixed - extraBytes) / max(perRow, 1)))
            return DeviceOutOfMemory(requestedBytes: required, freeBytes: free, batchSize: batch,
                                     suggestedBatchSize: suggestion)
        }
        guard required <= usable else { throw outOfMemory() }
        let count = plan.parameterCount
        do {
            parameters = try context.allocate(bytes: 4 * count)
            gradients = try context.allocate(bytes: 4 * count)
            optimizerState = try context.allocate(bytes: 4 * count * max(optimizer.stateBuffers, 1))
            var activations = [try context.allocate(bytes: 4 * batchCapacity * plan.inputFeatures)]
            var statistics: [DeviceBuffer?] = []
            for operation in plan.operations {
                activations.append(try context.allocate(bytes: 4 * batchCapacity * operation.outputFeatures))
                if case .layerNorm = operation {
                    statistics.append(try context.allocate(bytes: 8 * batchCapacity))
                } else {
                    statistics.append(nil)
                }
            }
            self.activations = activations
            self.statistics = statistics
            gradientScratch = try (0..<2).map { _ in try context.allocate(bytes: 4 * batchCapacity * plan.widestFeatures) }
            labels = try context.allocate(bytes: 4 * batchCapacity)
            rowLoss = try context.allocate(bytes: 4 * batchCapacity)
            counters = try context.allocate(bytes: 4 * KernelSource.Counter.count)
            accumulators = try context.allocate(bytes: 8 * KernelSource.Accumulator.count)
            scalars = try context.allocate(bytes: 8 * (KernelSource.Scalar.learningRates + rateCount))
            clipPartials = try context.allocate(bytes: 8 * KernelSource.clippingBlocks)
            let layerNormBlocks = (batchCapacity + layerNormRows - 1) / layerNormRows
            layerNormPartials = try context.allocate(bytes: 4 * 3 * plan.widestFeatures * max(layerNormBlocks, 1))
            normLog = normLogCapacity > 0 ? try context.allocate(bytes: 8 * normLogCapacity) : nil
            let runs = Self.rowUpdateRuns(of: plan)
            rowUpdateRunCount = runs.count / 2
            rowUpdateRuns = runs.isEmpty ? nil : try context.allocate(bytes: 4 * runs.count)
            lossLog = lossLogCapacity > 0 ? try context.allocate(bytes: 8 * lossLogCapacity) : nil
        } catch let error as CUDAError where error.code == CUDAConstant.outOfMemory {
            throw outOfMemory()
        }
        if optimizer.initialStateValue != 0 {
            try context.upload([Float](repeating: optimizer.initialStateValue, count: count * optimizer.stateBuffers),
                               to: optimizerState.address)
        } else {
            try context.zero(optimizerState.address, bytes: optimizerState.bytes)
        }
        try context.upload(optimizer.initialScalars(rates: [Double](repeating: optimizer.learningRate, count: rateCount)),
                           to: scalars.address)
        try context.zero(counters.address, bytes: counters.bytes)
        try context.zero(accumulators.address, bytes: accumulators.bytes)
        // The batch buffers start as a valid batch (all zeros, every label
        // class 0), never as whatever an earlier allocation left there: a
        // pass run before the first batch is gathered (the trainer's warm-up)
        // would otherwise index the logits with garbage labels.
        try context.zero(activations[0].address, bytes: activations[0].bytes)
        try context.zero(labels.address, bytes: labels.bytes)
        if let rowUpdateRuns { try context.upload(Self.rowUpdateRuns(of: plan), to: rowUpdateRuns.address) }
    }

    /// TN_CUDA_FUSED_UPDATE: unset or 1, a batch-1 row step with plain SGD
    /// folds the update into its backward kernels; 0, the update kernel runs
    /// after them (to time both).
    static func fusedUpdateSetting(environment: [String: String]) throws -> Bool {
        try SettingError.onOff("TN_CUDA_FUSED_UPDATE", environment: environment,
                               on: "plain SGD's update runs inside the batch-1 backward kernels", off: "in its own kernel")
    }

    /// TN_CUDA_ROW_BLOCKS: blocks per multiprocessor of row_head and
    /// row_hidden_backward, 1 to 4; 2 by default. Each block computes its
    /// layer's LayerNorm backward itself and takes its share of the weight
    /// rows, so more blocks each update fewer elements (on an H100 the first
    /// layer's 784-input rows are 12 to 13 elements a thread at 1, 6 to 7 at
    /// 2), at the cost of more blocks repeating the LayerNorm. On the H100, 2
    /// took 0.3 to 0.6 µs off a 31 µs step against 1 (BENCHMARKS.md,
    /// eleventh session).
    static func rowBlocksSetting(environment: [String: String]) throws -> Int {
        guard let text = environment["TN_CUDA_ROW_BLOCKS"] else { return 2 }
        guard let blocks = Int(text.trimmingCharacters(in: .whitespaces)), (1...4).contains(blocks) else {
            throw SettingError(name: "TN_CUDA_ROW_BLOCKS", value: text,
                               problem: "must be a whole number from 1 to 4 (blocks per multiprocessor of the batch-1 backward kernels); unset it for the default, 2")
        }
        return blocks
    }

    /// Rows per block of layer_norm_backward for a batch: the batch over the
    /// multiprocessors, at least 8 and at most 32, so that a large batch fills
    /// every SM and a small one is not left to one block; or
    /// TN_CUDA_LAYER_NORM_ROWS (1 to 32), so that one run on a GPU can time
    /// several (`scripts/gpu-check variants`). On an H100 (BENCHMARKS.md), 8
    /// rows per block took a step 31% faster than 32 at batch 32 and 15% at
    /// 512; 32 was the fastest at 10,000 (9% faster than 16).
    static func layerNormRows(environment: [String: String], batchSize: Int, multiprocessors: Int) throws -> Int {
        guard let text = environment["TN_CUDA_LAYER_NORM_ROWS"] else {
            return min(KernelSource.layerNormMaxRowsPerBlock, max(8, batchSize / max(multiprocessors, 1)))
        }
        guard let rows = Int(text.trimmingCharacters(in: .whitespaces)),
              (1...KernelSource.layerNormMaxRowsPerBlock).contains(rows) else {
            throw SettingError(name: "TN_CUDA_LAYER_NORM_ROWS", value: text,
                               problem: "must be a whole number from 1 to \(KernelSource.layerNormMaxRowsPerBlock) (rows per block of the LayerNorm backward kernel); unset it for the default, chosen from the batch size")
        }
        return rows
    }

    /// Whether the row kernels take batch-1 training steps (TN_CUDA_ROW_STEPS:
    /// unset or 1, yes; 0, no, so that one run on a GPU can time both).
    static func rowStepsEnabled(environment: [String: String]) throws -> Bool {
        try SettingError.onOff("TN_CUDA_ROW_STEPS", environment: environment,
                               on: "batch-1 steps use the row kernels", off: "they use the general kernels and cuBLAS")
    }

    /// The batch input buffer, [batchCapacity, inputFeatures].
    var inputBuffer: DeviceBuffer { activations[0] }
    /// The logits of the last forward pass.
    var logitsBuffer: DeviceBuffer { activations[activations.count - 1] }

    // MARK: Fusions

    /// Whether the Linear at `k` leaves its bias to the LayerNorm after it.
    private func biasGoesToLayerNorm(_ k: Int) -> Bool {
        guard case .linear = plan.operations[k], k + 1 < plan.operations.count,
              case .layerNorm = plan.operations[k + 1] else { return false }
        return true
    }

    /// The ReLU(-dropout) right after the LayerNorm at `k`, which that
    /// LayerNorm's kernels run too: (probability, dropout stream).
    private func reluAfterLayerNorm(_ k: Int) -> (probability: Float, dropout: DropoutStream)? {
        guard case .layerNorm = plan.operations[k], k + 1 < plan.operations.count,
              case let .reluDropout(_, relu, probability, dropout) = plan.operations[k + 1], relu else { return nil }
        return (probability, dropout)
    }

    /// Whether the plan ends in a Linear, whose bias the loss kernel can add
    /// (in a training step) and whose bias gradient it sums (always).
    private var endsInLinear: Bool {
        if case .linear = plan.operations.last { return true }
        return false
    }

    // MARK: Launch sequences

    /// Enqueues one training step on the batch buffer: the forward pass, with
    /// the last Linear's bias left to the loss kernel; the loss and backward
    /// pass; the optimizer update, which also moves the step counters on.
    func enqueueTrainingStep(rows: Int) throws {
        try enqueueForwardAndBackward(rows: rows)
        try enqueueOptimizerStep()
    }

    /// A training step's forward and backward passes, without the update.
    func enqueueForwardAndBackward(rows: Int) throws {
        try enqueueForward(rows: rows, mode: .training, lastBiasToLoss: endsInLinear)
        try enqueueLossAndBackward(rows: rows, logitsLackBias: endsInLinear)
    }

    /// Enqueues the forward pass of `rows` rows read from `input` (default: the
    /// batch buffer), leaving complete logits. A Linear followed by a
    /// LayerNorm leaves its bias to the LayerNorm's kernel, which also runs a
    /// ReLU(-dropout) that follows it; with `lastBiasToLoss`, a last Linear
    /// leaves its bias to the loss kernel (the logits then lack it until
    /// `enqueueLossAndBackward(rows:logitsLackBias: true)` adds it).
    func enqueueForward(rows: Int, mode: Mode, input: CUdeviceptr? = nil, lastBiasToLoss: Bool = false) throws {
        let threads = KernelSource.blockSize
        let operations = plan.operations
        var x = input ?? activations[0].address
        var k = 0
        while k < operations.count {
            switch operations[k] {
            case let .linear(inputs, outputs, weight):
                let y = activations[k + 1].address
                let w = parameters.offset(floats: weight), b = parameters.offset(floats: weight + outputs * inputs)
                let fused = biasGoesToLayerNorm(k) || (lastBiasToLoss && k == operations.count - 1)
                if !fused {
                    try context.launch("fill_rows_with_bias", blocks: gridBlocks(for: rows * outputs),
                                       [.pointer(y), .pointer(b), .int(Int32(rows)), .int(Int32(outputs))])
                }
                try context.gemm(LinearProducts.forward(rows: rows, inputs: inputs, outputs: outputs),
                                 a: w, b: x, c: y, beta: fused ? 0 : 1)
                x = y
                k += 1
            case let .layerNorm(features, gain, epsilon):
                var bias: CUdeviceptr = 0
                if k > 0, biasGoesToLayerNorm(k - 1), case let .linear(inputs, outputs, weight) = operations[k - 1] {
                    bias = parameters.offset(floats: weight + outputs * inputs)
                }
                let relu = reluAfterLayerNorm(k)
                let output = activations[k + (relu == nil ? 1 : 2)].address
                let probability = relu.map { mode == .training ? $0.probability : 0 } ?? 0
                let dropout = relu?.dropout ?? DropoutStream(key: (0, 0), stream: 0)
                try context.launch("layer_norm_forward", blocks: rows, threads: threads, [
                    .pointer(x), .pointer(bias), .pointer(parameters.offset(floats: gain)),
                    .pointer(parameters.offset(floats: gain + features)),
                    .pointer(relu == nil ? output : 0), .pointer(statistics[k]!.address), .int(Int32(features)), .float(epsilon),
                    .pointer(relu == nil ? 0 : output), .float(probability), .uint(dropout.key.0), .uint(dropout.key.1),
                    .uint(dropout.stream), .pointer(counters.address),
                ])
                x = output
                k += relu == nil ? 1 : 2
            case let .reluDropout(features, relu, probability, dropout):
                let y = activations[k + 1].address
                let count = rows * features
                try context.launch("relu_dropout_forward", blocks: max(1, ((count + 3) / 4 + threads - 1) / threads), [
                    .pointer(x), .pointer(y), .int(Int32(count)), .int(relu ? 1 : 0),
                    .float(mode == .training ? probability : 0), .uint(dropout.key.0), .uint(dropout.key.1),
                    .uint(dropout.stream), .pointer(counters.address),
                ])
                x = y
                k += 1
            }
        }
    }

    /// Enqueues softmax cross-entropy on the logits (adding the batch's loss
    /// sum to the training accumulator, and the last Linear's bias first when
    /// the forward pass left it out) and the backward pass into `gradients`.
    /// The forward input must still hold what the forward pass read.
    func enqueueLossAndBackward(rows: Int, input: CUdeviceptr? = nil, logitsLackBias: Bool = false) throws {
        let threads = KernelSource.blockSize
        let classes = plan.outputFeatures
        let operations = plan.operations
        precondition(!logitsLackBias || endsInLinear, "CUDANetwork: only a last Linear leaves its bias to the loss")
        var gradient = gradientScratch[0].address, spare = gradientScratch[1].address
        // The last Linear's bias and its gradient, which the loss kernel handles.
        var lastBias: CUdeviceptr = 0, lastBiasGradient: CUdeviceptr = 0
        if case let .linear(inputs, outputs, weight) = operations.last {
            lastBias = logitsLackBias ? parameters.offset(floats: weight + outputs * inputs) : 0
            lastBiasGradient = gradients.offset(floats: weight + outputs * inputs)
        }
        try context.launch("softmax_cross_entropy", blocks: (rows * 32 + threads - 1) / threads, [
            .pointer(logitsBuffer.address), .pointer(lastBias), .pointer(labels.address), .pointer(gradient),
            .pointer(rowLoss.address), .int(Int32(rows)), .int(Int32(classes)), .float(1 / Float(rows)),
            .pointer(lastBiasGradient), .pointer(accumulators.address), .pointer(counters.address),
            .double(divergenceLimit ?? .infinity), .pointer(lossLog?.address ?? 0), .int(Int32(lossLogCapacity)),
        ])
        func inputOf(_ k: Int) -> CUdeviceptr { k == 0 ? (input ?? activations[0].address) : activations[k].address }
        var k = operations.count - 1
        while k >= 0 {
            switch operations[k] {
            case let .linear(inputs, outputs, weight):
                let w = parameters.offset(floats: weight)
                try context.gemm(LinearProducts.weightGradient(rows: rows, inputs: inputs, outputs: outputs),
                                 a: inputOf(k), b: gradient, c: gradients.offset(floats: weight), beta: 0)
                // The bias gradient: summed by the loss kernel for the last
                // Linear, by the LayerNorm's backward when its bias went there.
                if k != operations.count - 1 && !biasGoesToLayerNorm(k) {
                    try context.launch("column_sums", blocks: (outputs + threads - 1) / threads, [
                        .pointer(gradient), .pointer(gradients.offset(floats: weight + outputs * inputs)),
                        .int(Int32(rows)), .int(Int32(outputs)),
                    ])
                }
                if k > 0 {
                    try context.gemm(LinearProducts.inputGradient(rows: rows, inputs: inputs, outputs: outputs),
                                     a: w, b: gradient, c: spare, beta: 0)
                    swap(&gradient, &spare)
                }
                k -= 1
            case let .reluDropout(features, relu, probability, dropout):
                if k > 0, let fused = reluAfterLayerNorm(k - 1) {
                    // This ReLU-dropout's backward runs inside the LayerNorm's.
                    try enqueueLayerNormBackward(at: k - 1, rows: rows, input: inputOf(k - 1), gradient: gradient,
                                                 activated: activations[k + 1].address, scale: 1 / (1 - fused.probability),
                                                 into: spare)
                    if k - 1 > 0 { swap(&gradient, &spare) }
                    k -= 2
                } else {
                    if k > 0 {
                        let count = rows * features
                        try context.launch("relu_dropout_backward", blocks: max(1, ((count + 3) / 4 + threads - 1) / threads), [
                            .pointer(inputOf(k)), .pointer(gradient), .pointer(spare), .int(Int32(count)), .int(relu ? 1 : 0),
                            .float(probability), .uint(dropout.key.0), .uint(dropout.key.1), .uint(dropout.stream),
                            .pointer(counters.address),
                        ])
                        swap(&gradient, &spare)
                    }
                    k -= 1
                }
            case .layerNorm:
                try enqueueLayerNormBackward(at: k, rows: rows, input: inputOf(k), gradient: gradient, activated: 0, scale: 1, into: spare)
                if k > 0 { swap(&gradient, &spare) }
                k -= 1
            }
        }
    }

    /// layer_norm_backward for the LayerNorm at `k`: the gain and shift
    /// gradients, and the input gradient into `dx` unless it is the first
    /// operation; and the bias gradient of the Linear before, when that
    /// Linear left its bias to this LayerNorm. One block per
    /// `layerNormRowsPerBlock` rows.
    private func enqueueLayerNormBackward(at k: Int, rows: Int, input: CUdeviceptr, gradient: CUdeviceptr,
                                          activated: CUdeviceptr, scale: Float, into dx: CUdeviceptr) throws {
        guard case let .layerNorm(features, gain, _) = plan.operations[k] else { preconditionFailure("not a LayerNorm") }
        var linearBiasGradient: CUdeviceptr = 0
        if k > 0, biasGoesToLayerNorm(k - 1), case let .linear(inputs, outputs, weight) = plan.operations[k - 1] {
            linearBiasGradient = gradients.offset(floats: weight + outputs * inputs)
        }
        let perBlock = layerNormRowsPerBlock
        try context.launch("layer_norm_backward", blocks: (rows + perBlock - 1) / perBlock, [
            .pointer(input), .pointer(gradient), .pointer(activated), .float(scale),
            .pointer(parameters.offset(floats: gain)), .pointer(statistics[k]!.address), .pointer(dx),
            .pointer(gradients.offset(floats: gain)), .pointer(gradients.offset(floats: gain + features)),
            .int(Int32(rows)), .int(Int32(features)), .int(k > 0 ? 1 : 0), .int(Int32(perBlock)),
            .pointer(linearBiasGradient), .pointer(layerNormPartials.address), .pointer(counters.address),
        ])
    }

    /// Enqueues the optimizer update over the whole flat buffer (after the
    /// gradient's norm and clipping coefficient, one launch, when set); the
    /// update's last block moves the step counters on. With `overlapping`,
    /// the launches may start before the kernel ahead of them ends (see
    /// KernelDevice.launch).
    func enqueueOptimizerStep(overlapping: Bool = false) throws {
        let count = plan.parameterCount
        if clipNorm != nil || normLog != nil {
            let blocks = min(KernelSource.clippingBlocks, gridBlocks(for: count))
            try context.launch("gradient_square_sums", blocks: blocks, overlapping: overlapping, [
                .pointer(gradients.address), .int(Int32(count)), .pointer(clipPartials.address), .double(clipNorm ?? -1),
                .pointer(scalars.address), .pointer(normLog?.address ?? 0), .int(Int32(normLogCapacity)),
                .pointer(counters.address),
            ])
        }
        try context.launch(optimizer.kernelName, blocks: (count + KernelSource.blockSize - 1) / KernelSource.blockSize,
                           overlapping: overlapping, [
            .pointer(parameters.address), .pointer(gradients.address), .pointer(optimizerState.address), .int(Int32(count)),
            .pointer(scalars.address), .int(Int32(rateCount)), .pointer(counters.address),
        ] + optimizer.kernelArguments)
    }

    // MARK: Batch 1 (RowKernels.swift)

    /// The plan as the row kernels take it: hidden layers of Linear →
    /// LayerNorm → ReLU(-dropout), at least one, then a Linear, no width above
    /// KernelSource.rowMaxFeatures; nil for any other plan.
    struct RowLayers: Equatable {
        /// The index in the plan of each hidden layer's Linear (its LayerNorm and ReLU-dropout follow it).
        var hidden: [Int]
        /// The index of the last Linear.
        var output: Int
    }

    static func rowLayers(of plan: NetworkPlan) -> RowLayers? {
        let operations = plan.operations, widest = KernelSource.rowMaxFeatures
        guard operations.count >= 4, (operations.count - 1) % 3 == 0 else { return nil }
        var hidden: [Int] = []
        for k in stride(from: 0, to: operations.count - 1, by: 3) {
            guard case let .linear(inputs, outputs, _) = operations[k], inputs <= widest, outputs <= widest,
                  case let .layerNorm(features, _, _) = operations[k + 1], features == outputs,
                  case let .reluDropout(reluFeatures, relu, _, _) = operations[k + 2], relu, reluFeatures == outputs
            else { return nil }
            hidden.append(k)
        }
        guard case let .linear(inputs, outputs, _) = operations[operations.count - 1], inputs <= widest, outputs <= widest
        else { return nil }
        return RowLayers(hidden: hidden, output: operations.count - 1)
    }

    /// This network's plan as the row kernels take it, or nil.
    var rowLayers: RowLayers? { Self.rowLayers(of: plan) }

    /// The parameter runs a fused row step's last block updates, as (offset,
    /// count) pairs: each hidden layer's Linear bias, LayerNorm gain and shift
    /// (contiguous), and the last Linear's weights and bias. Empty for a plan
    /// the row kernels do not take.
    static func rowUpdateRuns(of plan: NetworkPlan) -> [Int32] {
        guard let layers = rowLayers(of: plan) else { return [] }
        var runs: [Int32] = []
        for k in layers.hidden {
            guard case let .linear(inputs, outputs, weight) = plan.operations[k] else { continue }
            runs += [Int32(weight + outputs * inputs), Int32(3 * outputs)]
        }
        if case let .linear(inputs, outputs, weight) = plan.operations[layers.output] {
            runs += [Int32(weight), Int32(outputs * inputs + outputs)]
        }
        return runs
    }

    /// Whether a row step folds the update into its backward kernels
    /// (row_fused_sgd): plain SGD (no momentum or weight decay), no clipping
    /// or recorded gradient norms, at least two hidden layers (so that every
    /// weight is updated in a kernel after the loss's), and
    /// TN_CUDA_FUSED_UPDATE not 0. The gradients buffer then holds the small
    /// parameters' and the last Linear's gradients only.
    var fusesRowUpdate: Bool {
        guard fusedUpdateAllowed, case let .sgd(_, momentum, _, weightDecay, _) = optimizer, momentum == 0, weightDecay == 0,
              clipNorm == nil, normLog == nil, let layers = rowLayers, layers.hidden.count >= 2 else { return false }
        return true
    }

    /// The hidden layer whose Linear is at `k`: its Linear, LayerNorm and ReLU-dropout.
    private func hiddenLayer(_ k: Int) -> (inputs: Int, outputs: Int, weight: Int, gain: Int, epsilon: Float,
                                           probability: Float, dropout: DropoutStream) {
        guard case let .linear(inputs, outputs, weight) = plan.operations[k],
              case let .layerNorm(_, gain, epsilon) = plan.operations[k + 1],
              case let .reluDropout(_, _, probability, dropout) = plan.operations[k + 2]
        else { preconditionFailure("CUDANetwork: no hidden layer at operation \(k)") }
        return (inputs, outputs, weight, gain, epsilon, probability, dropout)
    }

    /// row_normalize's arguments for the hidden layer whose Linear is at `k`:
    /// its product, bias, gain and shift, width, ε, dropout, and where block 0
    /// writes xb (the LayerNorm's own output buffer, unused when a ReLU
    /// follows), (μ, 1/σ) and the ReLU-dropout's output.
    private func rowNormalizeArguments(_ k: Int) -> [KernelArgument] {
        let layer = hiddenLayer(k)
        return [
            .pointer(activations[k + 1].address), .pointer(parameters.offset(floats: layer.weight + layer.outputs * layer.inputs)),
            .pointer(parameters.offset(floats: layer.gain)), .pointer(parameters.offset(floats: layer.gain + layer.outputs)),
            .int(Int32(layer.outputs)), .float(layer.epsilon), .float(layer.probability), .uint(layer.dropout.key.0),
            .uint(layer.dropout.key.1), .uint(layer.dropout.stream), .pointer(activations[k + 2].address),
            .pointer(statistics[k + 1]!.address), .pointer(activations[k + 3].address),
        ]
    }

    /// row_backward's arguments for the hidden layer whose Linear is at `k`,
    /// after its dh: the gradient at its input goes to `inputGradient` (0 for the first layer).
    private func rowBackwardArguments(_ k: Int, inputGradient: CUdeviceptr, weightGradient: Bool) -> [KernelArgument] {
        let layer = hiddenLayer(k)
        return [
            .pointer(gradients.offset(floats: layer.gain)), .pointer(gradients.offset(floats: layer.gain + layer.outputs)),
            .pointer(gradients.offset(floats: layer.weight + layer.outputs * layer.inputs)),
            .pointer(parameters.offset(floats: layer.weight)), .pointer(activations[k].address), .int(Int32(layer.inputs)),
            .pointer(weightGradient ? gradients.offset(floats: layer.weight) : 0), .pointer(inputGradient),
        ]
    }

    /// Enqueues a training step of one example, order[stepInEpoch] of the
    /// device-resident `data` and `dataLabels`, through the row kernels: 2n
    /// launches for n hidden layers, then the optimizer update as in
    /// enqueueTrainingStep. Every launch may overlap the one before it
    /// (KernelDevice.launch): each waits for its predecessor's results, and
    /// lets the next one start at once. The plan must have rowLayers.
    /// Where fusesRowUpdate holds (unless `fusedUpdate` is false), plain
    /// SGD's update runs inside the backward kernels and no update kernel
    /// follows: 2n launches in all.
    func enqueueRowTrainingStep(data: CUdeviceptr, labels dataLabels: CUdeviceptr, order: CUdeviceptr,
                                fusedUpdate: Bool? = nil) throws {
        guard let layers = rowLayers else { preconditionFailure("CUDANetwork: the row kernels do not take this plan") }
        let fused = (fusedUpdate ?? true) && fusesRowUpdate
        let warpsPerBlock = KernelSource.blockSize / 32
        let multiprocessors = max(1, context.device.multiprocessors)
        // Forward: a warp per output, so no more blocks than outputs need; the
        // kernels with backward parts: a block per multiprocessor, or
        // TN_CUDA_ROW_BLOCKS of them.
        func forwardBlocks(_ outputs: Int) -> Int { max(1, min(multiprocessors, (outputs + warpsPerBlock - 1) / warpsPerBlock)) }
        let backwardBlocks = multiprocessors * rowBlocksPerMultiprocessor
        let hidden = layers.hidden
        let first = hiddenLayer(hidden[0])
        try context.launch("row_first_forward", blocks: forwardBlocks(first.outputs), overlapping: true, [
            .pointer(data), .pointer(dataLabels), .pointer(order), .pointer(activations[0].address), .pointer(labels.address),
            .int(Int32(first.inputs)), .pointer(parameters.offset(floats: first.weight)), .int(Int32(first.outputs)),
            .pointer(activations[hidden[0] + 1].address), .pointer(counters.address),
        ])
        for j in 1..<hidden.count {
            let layer = hiddenLayer(hidden[j])
            try context.launch("row_hidden_forward", blocks: forwardBlocks(layer.outputs), overlapping: true, rowNormalizeArguments(hidden[j - 1]) + [
                .pointer(parameters.offset(floats: layer.weight)), .int(Int32(layer.outputs)),
                .pointer(activations[hidden[j] + 1].address), .pointer(counters.address),
            ])
        }
        guard case let .linear(lastInputs, classes, lastWeight) = plan.operations[layers.output] else {
            preconditionFailure("CUDANetwork: the row plan ends in a Linear")
        }
        /// row_fused_sgd's arguments for hidden layer j's kernel: the Linear of
        /// layer j + 1, the first layer's own weights, and the runs for the last kernel.
        func fusedArguments(_ j: Int) -> [KernelArgument] {
            guard fused else {
                return [.pointer(0), .int(0), .pointer(counters.address), .pointer(0), .pointer(0), .int(0), .pointer(0),
                        .pointer(0), .int(0), .pointer(0), .pointer(0)]
            }
            let upper = hiddenLayer(hidden[j + 1]), own = hiddenLayer(hidden[j])
            return [
                .pointer(scalars.address), .int(Int32(rateCount)), .pointer(counters.address),
                .pointer(parameters.offset(floats: upper.weight)),
                .pointer(gradients.offset(floats: upper.weight + upper.outputs * upper.inputs)), .int(Int32(upper.outputs)),
                .pointer(j == 0 ? parameters.offset(floats: own.weight) : 0),
                .pointer(j == 0 ? rowUpdateRuns!.address : 0), .int(Int32(j == 0 ? rowUpdateRunCount : 0)),
                .pointer(parameters.address), .pointer(gradients.address),
            ]
        }
        var gradient = gradientScratch[0].address, spare = gradientScratch[1].address
        let top = hidden[hidden.count - 1]
        try context.launch("row_head", blocks: backwardBlocks, overlapping: true, rowNormalizeArguments(top) + [
            .pointer(parameters.offset(floats: lastWeight)), .pointer(parameters.offset(floats: lastWeight + classes * lastInputs)),
            .int(Int32(classes)), .pointer(logitsBuffer.address), .pointer(gradients.offset(floats: lastWeight)),
            .pointer(gradients.offset(floats: lastWeight + classes * lastInputs)), .pointer(labels.address),
            .pointer(accumulators.address), .pointer(counters.address), .double(divergenceLimit ?? .infinity),
            .pointer(lossLog?.address ?? 0), .int(Int32(lossLogCapacity)),
        ] + rowBackwardArguments(top, inputGradient: hidden.count > 1 ? gradient : 0, weightGradient: !fused))
        for j in stride(from: hidden.count - 2, through: 0, by: -1) {
            let k = hidden[j], layer = hiddenLayer(k)
            try context.launch("row_hidden_backward", blocks: backwardBlocks, overlapping: true, [
                .pointer(gradient), .pointer(activations[k + 2].address), .pointer(statistics[k + 1]!.address),
                .pointer(activations[k + 3].address), .float(1 / (1 - layer.probability)),
                .pointer(parameters.offset(floats: layer.gain)), .int(Int32(layer.outputs)),
            ] + rowBackwardArguments(k, inputGradient: j > 0 ? spare : 0, weightGradient: !fused) + fusedArguments(j))
            swap(&gradient, &spare)
        }
        if !fused { try enqueueOptimizerStep(overlapping: true) }
    }

    /// Enqueues the evaluation of `rows` rows at `input`/`labels`, adding to
    /// the evaluation accumulators.
    func enqueueEvaluation(rows: Int, input: CUdeviceptr, labels evaluationLabels: CUdeviceptr) throws {
        try enqueueForward(rows: rows, mode: .evaluation, input: input)
        try context.launch("evaluate_rows", blocks: (rows * 32 + KernelSource.blockSize - 1) / KernelSource.blockSize, [
            .pointer(logitsBuffer.address), .pointer(evaluationLabels), .int(Int32(rows)),
            .int(Int32(plan.outputFeatures)), .pointer(accumulators.address),
        ])
    }

    // MARK: Host access (synchronous; for set-up, the self-test and the end of training)

    func uploadParameters(_ values: [Float]) throws { try context.upload(values, to: parameters.address) }
    func downloadParameters() throws -> [Float] {
        try context.download(Float.self, count: parameterCount, from: parameters.address, zero: 0)
    }
    func downloadGradients() throws -> [Float] {
        try context.download(Float.self, count: parameterCount, from: gradients.address, zero: 0)
    }
    func downloadLogits(rows: Int) throws -> [Float] {
        try context.download(Float.self, count: rows * plan.outputFeatures, from: logitsBuffer.address, zero: 0)
    }
    func setCounters(stepInEpoch: UInt32, completedSteps: UInt32) throws {
        try context.upload([stepInEpoch, completedSteps, 0, 0] as [UInt32], to: counters.address)
    }
    func readCounters() throws -> [UInt32] {
        try context.download(UInt32.self, count: KernelSource.Counter.count, from: counters.address, zero: 0)
    }
    /// The learning rate of each step of the coming epoch (`rateCount` of them).
    func uploadLearningRates(_ rates: [Double]) throws {
        precondition(rates.count == rateCount, "CUDANetwork: \(rates.count) learning rates for \(rateCount) slots")
        try context.upload(rates, to: scalars.address + CUdeviceptr(8 * KernelSource.Scalar.learningRates))
    }
    func readScalars() throws -> [Double] {
        try context.download(Double.self, count: KernelSource.Scalar.learningRates + rateCount, from: scalars.address, zero: 0)
    }
    /// The mean training losses of the epoch's first `count` steps (up to `lossLogCapacity`).
    func readStepLosses(count: Int) throws -> [Double] { try read(lossLog, capacity: lossLogCapacity, count: count) }
    /// The gradient norms of the epoch's first `count` steps (up to `normLogCapacity`).
    func readGradientNorms(count: Int) throws -> [Double] { try read(normLog, capacity: normLogCapacity, count: count) }
    private func read(_ log: DeviceBuffer?, capacity: Int, count: Int) throws -> [Double] {
        guard let log, count > 0 else { return [] }
        return try context.download(Double.self, count: min(count, capacity), from: log.address, zero: 0)
    }
    func resetAccumulators() throws { try context.zero(accumulators.address, bytes: accumulators.bytes) }
    func readAccumulators() throws -> [Double] {
        try context.download(Double.self, count: KernelSource.Accumulator.count, from: accumulators.address, zero: 0)
    }
}
