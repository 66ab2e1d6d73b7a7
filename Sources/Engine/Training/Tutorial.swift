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
    /// the parameters for trajectory plots, including the starting point.
    ///
    /// Under `tn build --backend cuda` (the runner sets TN_BACKEND) runs that
    /// the CUDA trainer supports train on the GPU; the others train on the
    /// CPU and say why on stderr (see `devicePlan`).
    public static func train(
        on data: MNIST, batchSize: Int, epochs: Int = 100,
        optimizer: any Optimizer<Float> = SGD<Float>(learningRate: 0.1),
        schedule: (any LearningRateSchedule)? = nil, clipNorm: Double? = nil, divergenceLoss: Double? = nil,
        seed: UInt64 = 0, model: Sequential? = nil, label: String? = nil,
        snapshotEvery: Int? = nil, snapshots: ((Int, [Float]) -> Void)? = nil
    ) -> Run {
        let network = model ?? Sequential.tutorialNetwork(seed: seed)
        let trainer = Trainer(model: network, optimizer: optimizer)
        let configuration = TrainingConfiguration(batchSize: batchSize, epochs: epochs, seed: seed,
                                                  clipNorm: clipNorm, divergenceLoss: divergenceLoss,
                                                  learningRateSchedule: schedule)
        let runLabel = label ?? "\(optimizer.name) batch \(batchSize)"
        let progress = TrainingProgress(totalEpochs: configuration.scale.epochs(epochs), label: runLabel)
        if ProcessInfo.processInfo.environment["TN_BACKEND"] == "cuda" {
            switch devicePlan(optimizer: optimizer, schedule: schedule, clipNorm: clipNorm,
                              divergenceLoss: divergenceLoss, snapshots: snapshotEvery != nil && snapshots != nil) {
            case .success(let deviceOptimizer):
                do {
                    let device = try CUDATrainer(model: network, optimizer: deviceOptimizer)
                    let result = try device.fit(train: data.train, test: data.test, configuration: configuration) {
                        progress.handle($0)
                    }
                    return Run(result: result, model: network, trainer: trainer)
                } catch {
                    FileHandle.standardError.write(Data("""
                        error: \(runLabel): training on the CUDA backend failed: \(error)
                        Rerun with --backend cpu to train this chapter on the CPU.

                        """.utf8))
                    exit(1)
                }
            case .failure(let reason):
                FileHandle.standardError.write(Data("\(runLabel): trained on the CPU: \(reason.description)\n".utf8))
            }
        }
        if snapshotEvery != nil, let snapshots { snapshots(0, network.parameterSnapshot()) }
        let result = trainer.fit(train: data.train, test: data.test, configuration: configuration) { event in
            progress.handle(event)
            if case .epochEnded(let metrics) = event, let snapshotEvery, let snapshots,
               metrics.epoch % snapshotEvery == 0 {
                snapshots(metrics.epoch, network.parameterSnapshot())
            }
        }
        return Run(result: result, model: network, trainer: trainer)
    }

    /// Why a run cannot train on the CUDA backend yet.
    public struct CPUOnlyReason: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The device optimizer for a run the CUDA trainer supports, or the
    /// reason it must stay on the CPU: the device has SGD (all options) and
    /// Adam/AdamW without AMSGrad, and no schedules, clipping, divergence
    /// limit or per-epoch parameter snapshots yet.
    public static func devicePlan(
        optimizer: any Optimizer<Float>, schedule: (any LearningRateSchedule)?, clipNorm: Double?,
        divergenceLoss: Double?, snapshots: Bool
    ) -> Result<DeviceOptimizer, CPUOnlyReason> {
        func unsupported(_ what: String) -> Result<DeviceOptimizer, CPUOnlyReason> {
            .failure(CPUOnlyReason(description: "\(what) not supported on the CUDA backend yet"))
        }
        if schedule != nil { return unsupported("learning-rate schedules are") }
        if clipNorm != nil { return unsupported("gradient clipping is") }
        if divergenceLoss != nil { return unsupported("a divergence limit is") }
        if snapshots { return unsupported("parameter snapshots are") }
        guard let deviceOptimizer = try? DeviceOptimizer.matching(optimizer) else {
            return unsupported("\(optimizer.name) is")
        }
        return .success(deviceOptimizer)
    }
}
