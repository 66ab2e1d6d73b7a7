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
        let progress = TrainingProgress(totalEpochs: configuration.scale.epochs(epochs),
                                        label: label ?? "\(optimizer.name) batch \(batchSize)")
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
}
