import Foundation

// The tutorial's standard experiment, so that every chapter runs it the same
// way: the first 10,000 MNIST training and 1,000 test images (raw pixels), the
// tutorial network, and progress on stderr for the runner to relay.

public enum Tutorial {
    /// The data every MNIST experiment of the tutorial uses.
    public static func mnist(trainCount: Int = 10_000, testCount: Int = 1_000,
                             scaling: PixelScaling = .raw) throws -> MNIST {
        try MNIST.load(trainCount: trainCount, testCount: testCount, scaling: scaling)
    }

    /// A finished run: its metrics and the trained model.
    public struct Run {
        public let result: TrainingResult
        public let model: Sequential
        public let trainer: Trainer
    }

    /// Trains a fresh tutorial network (or `model`) and returns the run.
    /// `label` prefixes the progress lines; `snapshotEvery` (epochs) records
    /// the parameters for trajectory plots, including the starting point;
    /// `observer` hears every training event (step losses, gradient norms with
    /// `recordsGradientNorms`, epochs), on the GPU at the end of each epoch.
    ///
    /// Under `tn build --backend cuda` (the runner sets TN_BACKEND) the run
    /// trains on the GPU, schedule, clipping, divergence limit and snapshots
    /// included; only an optimizer the device has no kernel for (one written
    /// in a chapter) keeps it on the CPU, which it says on stderr (see `devicePlan`).
    @discardableResult
    public static func train(
        on data: MNIST, batchSize: Int, epochs: Int = 100,
        optimizer: any Optimizer<Float> = SGD<Float>(learningRate: 0.1),
        schedule: (any LearningRateSchedule)? = nil, clipNorm: Double? = nil, recordsGradientNorms: Bool = false,
        divergenceLoss: Double? = nil, seed: UInt64 = 0, model: Sequential? = nil, label: String? = nil,
        snapshotEvery: Int? = nil, snapshots: ((Int, [Float]) -> Void)? = nil,
        observer: ((TrainingEvent) -> Void)? = nil
    ) -> Run {
        let network = model ?? Sequential.tutorialNetwork(seed: seed)
        let trainer = Trainer(model: network, optimizer: optimizer)
        let configuration = TrainingConfiguration(batchSize: batchSize, epochs: epochs, seed: seed,
                                                  clipNorm: clipNorm, recordsGradientNorms: recordsGradientNorms,
                                                  divergenceLoss: divergenceLoss, learningRateSchedule: schedule)
        let runLabel = label ?? "\(optimizer.name) batch \(batchSize)"
        let progress = TrainingProgress(totalEpochs: configuration.scale.epochs(epochs), label: runLabel)
        let snapshotting = snapshots != nil ? snapshotEvery : nil
        // On either backend, the model holds the epoch's parameters when a
        // snapshot epoch ends (the GPU trainer brings them back: modelUpdateEvery).
        let handle: (TrainingEvent) -> Void = { event in
            progress.handle(event)
            observer?(event)
            if case .epochEnded(let metrics) = event, let snapshotting, let snapshots, metrics.epoch % snapshotting == 0 {
                snapshots(metrics.epoch, network.parameterSnapshot())
            }
        }
        if snapshotting != nil, let snapshots { snapshots(0, network.parameterSnapshot()) }
        if ProcessInfo.processInfo.environment["TN_BACKEND"] == "cuda" {
            switch devicePlan(optimizer: optimizer) {
            case .success(let deviceOptimizer):
                do {
                    let device = try CUDATrainer(model: network, optimizer: deviceOptimizer)
                    RunPlacement.report(.gpu(device: device.device.name), label: runLabel)
                    let result = try device.fit(train: data.train, test: data.test, configuration: configuration,
                                                modelUpdateEvery: snapshotting, observer: handle)
                    return Run(result: result, model: network, trainer: trainer)
                } catch {
                    FileHandle.standardError.write(Data("""
                        error: \(runLabel): training on the CUDA backend failed: \(error)
                        Rerun with --backend cpu to train this chapter on the CPU.

                        """.utf8))
                    exit(1)
                }
            case .failure(let reason):
                RunPlacement.report(.cpu(reason: reason.description), label: runLabel)
            }
        }
        let result = trainer.fit(train: data.train, test: data.test, configuration: configuration, observer: handle)
        return Run(result: result, model: network, trainer: trainer)
    }

    /// Why a run stays on the CPU under the CUDA backend.
    public struct CPUOnlyReason: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The device optimizer for the run, or the reason it must stay on the
    /// CPU: the device has every optimizer of the engine, but not one defined
    /// elsewhere (a wrapper written in a chapter, for instance).
    public static func devicePlan(optimizer: any Optimizer<Float>) -> Result<DeviceOptimizer, CPUOnlyReason> {
        do {
            return .success(try DeviceOptimizer.matching(optimizer))
        } catch {
            return .failure(CPUOnlyReason(description: "the CUDA backend has no update kernel for optimizer "
                + "'\(optimizer.name)' (\(type(of: optimizer)))"))
        }
    }
}

/// Where a run of `Tutorial.train` trained, told to the runner on stderr
/// under the CUDA backend, so that a figure's provenance line can name the
/// device its runs really used (a block may also train on the CPU).
public enum RunPlacement: Equatable, Sendable {
    case gpu(device: String)
    case cpu(reason: String)

    /// Every placement line starts with this.
    public static let prefix = "[placement] "

    /// "[placement] gpu NVIDIA H100 80GB HBM3 | label" or "[placement] cpu reason | label".
    public var line: String {
        switch self {
        case .gpu(let device): return "gpu \(device)"
        case .cpu(let reason): return "cpu \(reason)"
        }
    }

    static func report(_ placement: RunPlacement, label: String) {
        let text = label.replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("\(prefix)\(placement.line) | \(text)\n".utf8))
    }

    /// The placement a stderr line reports, if it is a placement line.
    public static func parse(_ line: String) -> RunPlacement? {
        guard line.hasPrefix(prefix) else { return nil }
        var body = line.dropFirst(prefix.count)
        if let bar = body.range(of: " | ") { body = body[..<bar.lowerBound] }  // the label, last, may hold anything
        if body.hasPrefix("gpu ") { return .gpu(device: String(body.dropFirst(4))) }
        if body.hasPrefix("cpu ") { return .cpu(reason: String(body.dropFirst(4))) }
        return nil
    }
}
