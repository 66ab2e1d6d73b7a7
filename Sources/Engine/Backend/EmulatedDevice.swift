// A KernelDevice on the CPU: host memory stands in for device memory, each
// kernel launch runs the kernel's twin with the launch's own arguments, and
// products go to OpenBLAS in column-major order with cuBLAS's arguments.
// Capture records launches (arguments frozen, as in a CUDA graph) and replay
// re-runs them. It checks the CUDA network's and trainer's launch sequences,
// offsets, step counters and graph use here; not the kernels' CUDA C (see the
// kernel emulator test) nor the driver (that needs a GPU).
import CBLAS

final class EmulatedDevice: KernelDevice {
    static let description = DeviceDescription(name: "CPU emulation of the CUDA kernels (TN_CUDA_EMULATE=1)",
                                               computeCapability: (0, 0), totalMemoryBytes: 0, multiprocessors: 0,
                                               driverVersion: 0)
    let device = EmulatedDevice.description
    /// What memoryInfo reports as free; lower it to provoke DeviceOutOfMemory.
    var freeBytes: Int
    private(set) var launches = 0
    /// Launches enqueued, by kernel name.
    private(set) var launchesByKernel: [String: Int] = [:]
    /// The grid of each kernel's latest launch, in blocks.
    private(set) var blocksByKernel: [String: Int] = [:]
    /// cuBLAS products enqueued (launches and products are the nodes of a captured step).
    private(set) var products = 0
    private var recording: [() throws -> Void]?

    init(freeBytes: Int = 8 << 30) { self.freeBytes = freeBytes }

    func makeCurrent() throws {}

    func allocate(bytes: Int) throws -> DeviceBuffer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 4), alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0xFF, count: max(bytes, 4))  // NaN-filled, as garbage would be
        return DeviceBuffer(address: CUdeviceptr(UInt(bitPattern: memory)), bytes: bytes) { memory.deallocate() }
    }

    func memoryInfo() throws -> (free: Int, total: Int) { (freeBytes, freeBytes) }

    func upload<T>(_ values: [T], to address: CUdeviceptr) throws {
        guard recording == nil else { throw CUDAError(call: "upload", code: -1, message: "copy during capture") }
        values.withUnsafeBytes { UnsafeMutableRawPointer(bitPattern: UInt(address))!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    func download<T>(_ type: T.Type, count: Int, from address: CUdeviceptr, zero: T) throws -> [T] {
        guard recording == nil else { throw CUDAError(call: "download", code: -1, message: "copy during capture") }
        return Array(UnsafeBufferPointer(start: UnsafePointer<T>(bitPattern: UInt(address)), count: count))
    }

    func zero(_ address: CUdeviceptr, bytes: Int) throws {
        try enqueue { UnsafeMutableRawPointer(bitPattern: UInt(address))!.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
    }

    func gemm(_ call: GemmCall, a: CUdeviceptr, b: CUdeviceptr, c: CUdeviceptr, beta: Float) throws {
        products += 1
        try enqueue {
            cblas_sgemm(CblasColMajor, call.transposeA == .none ? CblasNoTrans : CblasTrans,
                        call.transposeB == .none ? CblasNoTrans : CblasTrans,
                        Int32(call.m), Int32(call.n), Int32(call.k), 1,
                        floats(a), Int32(call.lda), floats(b), Int32(call.ldb), beta, floats(c), Int32(call.ldc))
        }
    }

    func capture(_ body: () throws -> Void) throws -> ReplayableWork {
        recording = []
        defer { recording = nil }
        try body()
        return RecordedWork(steps: recording ?? [])
    }

    private final class RecordedWork: ReplayableWork {
        let steps: [() throws -> Void]
        init(steps: [() throws -> Void]) { self.steps = steps }
        func replay() throws { for step in steps { try step() } }
    }

    private func enqueue(_ work: @escaping () throws -> Void) throws {
        if recording != nil { recording!.append(work) } else { try work() }
    }

    // MARK: Kernels, by name, with the CUDA signatures' argument order

    /// Launches that asked to overlap the kernel before them (no effect here: work runs in order).
    private(set) var overlappingLaunches = 0

    func launch(_ name: String, blocks: Int, threads: Int, overlapping: Bool, _ arguments: [KernelArgument]) throws {
        guard KernelSource.kernelNames.contains(name) else {
            throw CUDAError(call: "launch(\(name))", code: -1, message: "no such kernel in the module")
        }
        // The CUDA C signature, as on the GPU: a misplaced argument fails here.
        try KernelSignatures.check(name, arguments)
        launches += 1
        launchesByKernel[name, default: 0] += 1
        blocksByKernel[name] = blocks
        if overlapping { overlappingLaunches += 1 }
        let arguments = arguments
        try enqueue { try Self.run(name, blocks: blocks, arguments) }
    }

    private static func run(_ name: String, blocks: Int, _ a: [KernelArgument]) throws {
        switch name {
        case "gather_batch":
            let counters = uints(a[8])
            KernelTwins.gatherBatch(data: floats(a[0]), labels: ints(a[1]), order: ints(a[2]), batch: floats(a[3]),
                                    batchLabels: ints(a[4]), rows: int(a[5]), features: int(a[6]), batchSize: int(a[7]),
                                    stepInEpoch: Int(counters[KernelSource.Counter.stepInEpoch]))
        case "fill_rows_with_bias":
            KernelTwins.fillRowsWithBias(floats(a[0]), bias: floats(a[1]), rows: int(a[2]), columns: int(a[3]))
        case "column_sums":
            KernelTwins.columnSums(floats(a[0]), into: floats(a[1]), rows: int(a[2]), columns: int(a[3]))
        case "layer_norm_forward":
            let stream = DropoutStream(key: (uint(a[10]), uint(a[11])), stream: uint(a[12]))
            KernelTwins.layerNormForwardFused(x: floats(a[0]), bias: optionalFloats(a[1]), gain: floats(a[2]), shift: floats(a[3]),
                                              y: optionalFloats(a[4]), statistics: floats(a[5]), rows: blocks, features: int(a[6]),
                                              epsilon: float(a[7]), activated: optionalFloats(a[8]), probability: float(a[9]),
                                              dropout: stream, step: uints(a[13])[KernelSource.Counter.completedSteps])
        case "layer_norm_backward":
            let rows = int(a[9]), inputGradient = int(a[11]) != 0, perBlock = int(a[12])
            precondition((1...KernelSource.layerNormMaxRowsPerBlock).contains(perBlock) && blocks == (rows + perBlock - 1) / perBlock,
                         "layer_norm_backward: one block per \(perBlock) rows, at most \(KernelSource.layerNormMaxRowsPerBlock)")
            KernelTwins.layerNormBackwardFused(x: floats(a[0]), dy: floats(a[1]), activated: optionalFloats(a[2]), scale: float(a[3]),
                                               gain: floats(a[4]), statistics: floats(a[5]), dx: inputGradient ? floats(a[6]) : nil,
                                               gainGradient: floats(a[7]), shiftGradient: floats(a[8]), rows: rows, features: int(a[10]),
                                               linearBiasGradient: optionalFloats(a[13]), rowsPerBlock: perBlock)
        case "relu_dropout_forward", "relu_dropout_backward":
            let forward = name == "relu_dropout_forward"
            let offset = forward ? 0 : 1  // backward has dy before dx
            let stream = DropoutStream(key: (uint(a[5 + offset]), uint(a[6 + offset])), stream: uint(a[7 + offset]))
            let step = uints(a[8 + offset])[KernelSource.Counter.completedSteps]
            if forward {
                KernelTwins.reluDropoutForward(x: floats(a[0]), y: floats(a[1]), count: int(a[2]), relu: int(a[3]) != 0,
                                               probability: float(a[4]), dropout: stream, step: step)
            } else {
                KernelTwins.reluDropoutBackward(x: floats(a[0]), dy: floats(a[1]), dx: floats(a[2]), count: int(a[3]),
                                                relu: int(a[4]) != 0, probability: float(a[5]), dropout: stream, step: step)
            }
        case "softmax_cross_entropy":
            let rows = int(a[5]), classes = int(a[6])
            try checkLabels(ints(a[2]), rows: rows, classes: classes, kernel: name)
            if let bias = optionalFloats(a[1]) { KernelTwins.addBias(floats(a[0]), bias: bias, rows: rows, columns: classes) }
            KernelTwins.softmaxCrossEntropy(logits: floats(a[0]), labels: ints(a[2]), dLogits: floats(a[3]), rowLoss: floats(a[4]),
                                            rows: rows, classes: classes, inverseBatch: float(a[7]))
            KernelTwins.accumulateTrainingLoss(rowLoss: floats(a[4]), rows: rows, accumulators: doubles(a[9]), counters: uints(a[10]),
                                               limit: double(a[11]), lossLog: UnsafeMutablePointer(bitPattern: UInt(address(a[12]))),
                                               logCapacity: int(a[13]))
            if let biasGradient = optionalFloats(a[8]) {
                KernelTwins.columnSums(floats(a[3]), into: biasGradient, rows: rows, columns: classes)
            }
        case "row_first_forward":
            KernelTwins.rowFirstForward(data: floats(a[0]), labels: ints(a[1]), order: ints(a[2]), input: floats(a[3]),
                                        label: ints(a[4]), features: int(a[5]), weight: floats(a[6]), outputs: int(a[7]),
                                        z: floats(a[8]), stepInEpoch: Int(uints(a[9])[KernelSource.Counter.stepInEpoch]))
        case "row_hidden_forward":
            let stream = DropoutStream(key: (uint(a[7]), uint(a[8])), stream: uint(a[9]))
            KernelTwins.rowHiddenForward(z: floats(a[0]), bias: floats(a[1]), gain: floats(a[2]), shift: floats(a[3]),
                                         features: int(a[4]), epsilon: float(a[5]), probability: float(a[6]), dropout: stream,
                                         step: uints(a[16])[KernelSource.Counter.completedSteps], xb: floats(a[10]),
                                         statistics: floats(a[11]), activated: floats(a[12]), weight: floats(a[13]),
                                         outputs: int(a[14]), y: floats(a[15]))
        case "row_head":
            let stream = DropoutStream(key: (uint(a[7]), uint(a[8])), stream: uint(a[9]))
            try checkLabels(ints(a[19]), rows: 1, classes: int(a[15]), kernel: name)
            let output = KernelTwins.RowHeadOutput(
                weight: floats(a[13]), bias: floats(a[14]), classes: int(a[15]), logits: floats(a[16]), weightGradient: floats(a[17]),
                biasGradient: floats(a[18]), label: ints(a[19]), accumulators: doubles(a[20]), counters: uints(a[21]),
                limit: double(a[22]), lossLog: UnsafeMutablePointer(bitPattern: UInt(address(a[23]))), logCapacity: int(a[24]))
            KernelTwins.rowHead(z: floats(a[0]), bias: floats(a[1]), gain: floats(a[2]), shift: floats(a[3]), features: int(a[4]),
                                epsilon: float(a[5]), probability: float(a[6]), dropout: stream, xb: floats(a[10]),
                                statistics: floats(a[11]), activated: floats(a[12]), output: output, gainGradient: floats(a[25]),
                                shiftGradient: floats(a[26]), biasGradient: floats(a[27]), weight: floats(a[28]), input: floats(a[29]),
                                inputs: int(a[30]), weightGradient: optionalFloats(a[31]), inputGradient: optionalFloats(a[32]))
        case "row_hidden_backward":
            let statistics = floats(a[2])
            // Fused plain SGD when the step scalars are given: the step's rate, none after a divergence.
            let scalars = UnsafeMutablePointer<Double>(bitPattern: UInt(address(a[15])))
            let counters = uints(a[17])
            let stepRate = scalars.flatMap { KernelTwins.stepRate(scalars: $0, rateCount: int(a[16]), counters: counters) }
            let update = stepRate != nil, rate = Float(stepRate ?? 0)
            KernelTwins.rowBackward(dh: floats(a[0]), xb: floats(a[1]), activated: floats(a[3]), mean: statistics[0],
                                    inverseDeviation: statistics[1], scale: float(a[4]), gain: floats(a[5]), features: int(a[6]),
                                    gainGradient: floats(a[7]), shiftGradient: floats(a[8]), biasGradient: floats(a[9]),
                                    weight: floats(a[10]), v: floats(a[11]), inputs: int(a[12]), weightGradient: optionalFloats(a[13]),
                                    inputGradient: optionalFloats(a[14]), updatedWeight: update ? optionalFloats(a[21]) : nil, rate: rate)
            if scalars != nil {
                KernelTwins.rowFusedSGD(update: update, rate: rate, upperWeight: optionalFloats(a[18]), upperDx: floats(a[19]),
                                        upperInput: floats(a[3]), upperOutputs: int(a[20]), upperInputs: int(a[6]),
                                        runs: UnsafePointer(UnsafeMutablePointer<Int32>(bitPattern: UInt(address(a[22])))),
                                        runCount: int(a[23]), parameters: floats(a[24]), gradients: floats(a[25]), counters: counters)
            }
        case "evaluate_rows":
            try checkLabels(ints(a[1]), rows: int(a[2]), classes: int(a[3]), kernel: name)
            let result = KernelTwins.evaluateRows(logits: floats(a[0]), labels: ints(a[1]), rows: int(a[2]), classes: int(a[3]))
            let accumulators = doubles(a[4])
            accumulators[KernelSource.Accumulator.evaluationLossSum] += result.lossSum
            accumulators[KernelSource.Accumulator.evaluationCorrect] += Double(result.correct)
        case "gradient_square_sums":
            KernelTwins.gradientSquareSums(floats(a[0]), count: int(a[1]), blocks: blocks, into: doubles(a[2]))
            KernelTwins.clipCoefficient(partials: doubles(a[2]), blocks: blocks, maxNorm: double(a[3]), scalars: doubles(a[4]),
                                        normLog: UnsafeMutablePointer(bitPattern: UInt(address(a[5]))), logCapacity: int(a[6]),
                                        stepInEpoch: Int(uints(a[7])[KernelSource.Counter.stepInEpoch]))
        case _ where name.hasSuffix("_update"):
            let optimizer = try decodeOptimizer(name, Array(a[7...]))
            let counters = uints(a[6])
            optimizer.twinUpdate(parameters: floats(a[0]), gradients: floats(a[1]), state: floats(a[2]), count: int(a[3]),
                                 scalars: doubles(a[4]), rateCount: int(a[5]), counters: counters)
            // The update's last block moves the step on.
            counters[KernelSource.Counter.stepInEpoch] += 1
            counters[KernelSource.Counter.completedSteps] += 1
        default:
            throw CUDAError(call: "launch(\(name))", code: -1, message: "the emulator has no twin for this kernel")
        }
    }

    /// A label outside the classes makes the GPU's loss kernels index past a
    /// row of logits (a fault, or a silent wrong read); here it is an error.
    private static func checkLabels(_ labels: UnsafeMutablePointer<Int32>, rows: Int, classes: Int, kernel: String) throws {
        for row in 0..<rows where labels[row] < 0 || Int(labels[row]) >= classes {
            throw CUDAError(call: "kernel \(kernel)", code: 700,
                            message: "label \(labels[row]) of row \(row) is outside 0..<\(classes) (an illegal memory access on a GPU)")
        }
    }

    /// The optimizer whose kernel arguments these are (the inverse of
    /// DeviceOptimizer.kernelArguments). The learning rate is not among them:
    /// the twin, like the kernel, reads it from the step scalars.
    private static func decodeOptimizer(_ kernel: String, _ a: [KernelArgument]) throws -> DeviceOptimizer {
        let rate = Double.nan
        switch kernel {
        case "sgd_update":
            return .sgd(learningRate: rate, momentum: Double(float(a[0])), dampening: Double(float(a[1])),
                        weightDecay: Double(float(a[2])), nesterov: int(a[3]) != 0)
        case "adam_update":
            return .adam(learningRate: rate, beta1: double(a[0]), beta2: double(a[1]), epsilon: Double(float(a[2])),
                         weightDecay: Double(float(a[3])), decoupled: int(a[4]) != 0, amsgrad: int(a[5]) != 0)
        case "rmsprop_update":
            return .rmsprop(learningRate: rate, alpha: Double(float(a[0])), epsilon: Double(float(a[1])),
                            weightDecay: Double(float(a[2])), momentum: Double(float(a[3])), centered: int(a[4]) != 0)
        case "adagrad_update":
            return .adagrad(learningRate: rate, learningRateDecay: double(a[0]), weightDecay: Double(float(a[1])),
                            epsilon: Double(float(a[2])))
        case "adadelta_update":
            return .adadelta(learningRate: rate, rho: Double(float(a[0])), epsilon: Double(float(a[1])), weightDecay: Double(float(a[2])))
        case "adamax_update":
            return .adamax(learningRate: rate, beta1: double(a[0]), beta2: Double(float(a[1])), epsilon: Double(float(a[2])),
                           weightDecay: Double(float(a[3])))
        case "nadam_update":
            return .nadam(learningRate: rate, beta1: double(a[0]), beta2: double(a[1]), epsilon: Double(float(a[2])),
                          weightDecay: Double(float(a[3])), momentumDecay: double(a[4]))
        case "radam_update":
            return .radam(learningRate: rate, beta1: double(a[0]), beta2: double(a[1]), epsilon: Double(float(a[2])),
                          weightDecay: Double(float(a[3])))
        default:
            throw CUDAError(call: "launch(\(kernel))", code: -1, message: "the emulator has no twin for this kernel")
        }
    }
}

// Argument decoding; a wrong kind is a wiring error in the caller, so it stops.
private func floats(_ address: CUdeviceptr) -> UnsafeMutablePointer<Float> { UnsafeMutablePointer(bitPattern: UInt(address))! }
private func floats(_ argument: KernelArgument) -> UnsafeMutablePointer<Float> { floats(address(argument)) }
/// A pointer argument that may be null (an optional fused part left out).
private func optionalFloats(_ argument: KernelArgument) -> UnsafeMutablePointer<Float>? {
    UnsafeMutablePointer(bitPattern: UInt(address(argument)))
}
private func ints(_ argument: KernelArgument) -> UnsafeMutablePointer<Int32> { UnsafeMutablePointer(bitPattern: UInt(address(argument)))! }
private func uints(_ argument: KernelArgument) -> UnsafeMutablePointer<UInt32> { UnsafeMutablePointer(bitPattern: UInt(address(argument)))! }
private func doubles(_ argument: KernelArgument) -> UnsafeMutablePointer<Double> { UnsafeMutablePointer(bitPattern: UInt(address(argument)))! }
private func address(_ argument: KernelArgument) -> CUdeviceptr {
    guard case .pointer(let value) = argument else { preconditionFailure("emulated launch: expected a pointer, got \(argument)") }
    return value
}
private func int(_ argument: KernelArgument) -> Int {
    guard case .int(let value) = argument else { preconditionFailure("emulated launch: expected an int, got \(argument)") }
    return Int(value)
}
private func uint(_ argument: KernelArgument) -> UInt32 {
    guard case .uint(let value) = argument else { preconditionFailure("emulated launch: expected a u32, got \(argument)") }
    return value
}
private func float(_ argument: KernelArgument) -> Float {
    guard case .float(let value) = argument else { preconditionFailure("emulated launch: expected a float, got \(argument)") }
    return value
}
private func double(_ argument: KernelArgument) -> Double {
    guard case .double(let value) = argument else { preconditionFailure("emulated launch: expected a double, got \(argument)") }
    return value
}
