// `tn train`: trains the tutorial's network on the MNIST subset.
import ArgumentParser
import Engine
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the tutorial's MNIST network by batch, stochastic or mini-batch gradient descent.",
        discussion: "Prints one JSON line per epoch with --json, then a summary line. A diverging run (NaN or infinite loss) stops and is reported as the result.")

    @Option(help: ArgumentHelp("Examples per step: 1 (stochastic) … N, or 'full' (batch gradient descent).", valueName: "N|full"))
    var batchSize: BatchSize = .examples(512)

    @Option(help: "Epochs to train.")
    var epochs = 100

    @Option(help: "Seed for initialisation, shuffling and dropout.")
    var seed: UInt64 = 0

    @Option(help: "OpenBLAS threads (default: 1 below batch 16, every core above).")
    var threads: Int?

    @Option(help: "Where to train: cpu, cuda, or auto (CUDA when a GPU is usable, else the CPU with a notice).")
    var backend: BackendChoice = .cpu

    @Flag(help: "Allow TF32 matrix products on the CUDA backend (faster, about 1e-3 relative error).")
    var tf32 = false

    @OptionGroup var data: DataOptions

    @OptionGroup(title: "Optimizer (PyTorch's names and defaults, except that sgd's --lr defaults to the tutorial's 0.1)")
    var optimization: OptimizerOptions

    @Flag(help: "Print JSON lines (one per epoch, then a summary) instead of a table. The default when output is not a terminal.")
    var json = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let json = self.json || isatty(1) == 0
        let resolved = try resolveBackend(backend)
        let mnist = try data.load()
        let batch = batchSize.resolved(datasetSize: mnist.train.count)
        let model = Sequential.tutorialNetwork(seed: seed)
        var options = optimization
        if options.optimizer == "sgd" && options.lr == nil { options.lr = 0.1 }
        let stepsPerEpoch = Trainer.batchSizes(exampleCount: mnist.train.count, batchSize: batch).count
        let trainer = Trainer(model: model, optimizer: try options.makeOptimizer(Float.self))
        let configuration = TrainingConfiguration(
            batchSize: batch, epochs: epochs, seed: seed, clipNorm: options.clipNorm,
            learningRateSchedule: try options.makeSchedule(stepsPerEpoch: stepsPerEpoch), threads: threads)
        let progress = TrainingProgress(totalEpochs: configuration.scale.epochs(epochs))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if !json {
            print("epoch  train_loss  test_loss  test_acc  seconds")
        }
        let observer: (TrainingEvent) -> Void = { event in
            progress.handle(event)
            guard case .epochEnded(let metrics) = event else { return }
            if json {
                print(String(decoding: try! encoder.encode(metrics), as: UTF8.self))
            } else if progress.style != .bar || metrics.epoch == configuration.epochs {
                print(String(format: "%5d  %10.4f  %9.4f  %8.4f  %7.2f", metrics.epoch, metrics.trainLoss,
                             metrics.testLoss ?? .nan, metrics.testAccuracy ?? .nan, metrics.seconds))
            }
        }
        let result: TrainingResult
        if resolved.kind == .cuda {
            let deviceTrainer = try CUDATrainer(model: model, optimizer: try DeviceOptimizer.matching(trainer.optimizer),
                                                options: CUDATrainingOptions(tf32: tf32))
            result = try deviceTrainer.fit(train: mnist.train, test: mnist.test, configuration: configuration, observer: observer)
        } else {
            result = trainer.fit(train: mnist.train, test: mnist.test, configuration: configuration, observer: observer)
        }
        let summary = Summary(result: result)
        if json {
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
        if result.diverged { throw ExitCode(3) }
    }
}

/// The last line of `tn train`.
struct Summary: Encodable {
    let result: TrainingResult

    enum CodingKeys: String, CodingKey {
        case summary, batchSize = "batch_size", epochs, finalTrainLoss = "final_train_loss",
             finalTestLoss = "final_test_loss", bestTestLoss = "best_test_loss", diverged,
             totalSeconds = "total_seconds", seed, scale
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(true, forKey: .summary)
        try c.encode(result.batchSize, forKey: .batchSize)
        try c.encode(result.epochs.count, forKey: .epochs)
        try c.encodeIfPresent(result.finalTrainLoss, forKey: .finalTrainLoss)
        try c.encodeIfPresent(result.finalTestLoss, forKey: .finalTestLoss)
        try c.encodeIfPresent(result.bestTestLoss, forKey: .bestTestLoss)
        try c.encodeIfPresent(result.divergence?.description, forKey: .diverged)
        try c.encode(result.totalSeconds, forKey: .totalSeconds)
        try c.encode(result.seed, forKey: .seed)
        try c.encode(result.scale, forKey: .scale)
    }

    var text: String {
        var lines = ["batch size \(result.batchSize), \(result.epochs.count) epochs in \(String(format: "%.1f", result.totalSeconds)) s"]
        if let loss = result.finalTrainLoss { lines.append(String(format: "final train loss %.4f", loss)) }
        if let loss = result.finalTestLoss, let best = result.bestTestLoss {
            lines.append(String(format: "final test loss %.4f, best %.4f", loss, best))
        }
        if let divergence = result.divergence { lines.append(divergence.description) }
        return lines.joined(separator: "\n")
    }
}
