// `tn bench`: training-step speed of the tutorial network per batch size.
import ArgumentParser
import Engine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training steps of the tutorial network (samples/s, µs/step, peak memory) beside this machine's sgemm rate.")

    @Option(help: "Comma-separated batch sizes.")
    var batchSizes = "1,32,512,10000"

    @Option(help: "Timed steps per batch size (default: enough for about 2 seconds each).")
    var steps: Int?

    @Option(help: "OpenBLAS threads (default: 1 below batch 16, every core above).")
    var threads: Int?

    @Flag(help: "Print one JSON line per batch size.")
    var json = false

    @Option(help: "Where to train: cpu, cuda, or auto (CUDA when a GPU is usable, else the CPU with a notice).")
    var backend: BackendChoice = .cpu

    func validate() throws {
        guard parsedBatchSizes() != nil else {
            throw ValidationError("--batch-sizes must be positive integers separated by commas, e.g. 1,32,512,10000; got '\(batchSizes)'")
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func parsedBatchSizes() -> [Int]? {
        let values = batchSizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        let resolved = try resolveBackend(backend)
        let sizes = parsedBatchSizes()!
        // The tutorial's 10,000 examples (or the largest batch, if larger): on
        // a GPU an epoch is a pass over them, so batch 1 is timed over 10,000
        // steps an epoch, as a training run takes them, and not over a
        // handful whose per-epoch read-back would dominate.
        let examples = max(sizes.max()!, Self.defaultExamples)
        let dataSource: String
        let data: Dataset
        if let mnist = try? MNIST.load(trainCount: examples, testCount: 1, location: noDownload()) {
            data = mnist.train
            dataSource = "MNIST"
        } else {
            data = Self.syntheticImages(count: examples)
            dataSource = "synthetic (MNIST not found locally)"
        }
        let gigaflops = Benchmark.sgemmGigaflops()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if !json {
            print(String(format: "sgemm 512³: %.1f GFLOP/s on %d thread(s), OpenBLAS %@ kernels; data: %@",
                         gigaflops, BLAS.threadCount, BLAS.coreName, dataSource))
            print("batch  threads   samples/s     µs/step   matrix GFLOP/s  (% of sgemm)   peak RSS")
        }
        if resolved.kind == .cuda {
            try benchmarkOnDevice(resolved, data: data, sizes: sizes.sorted())
            return
        }
        for size in sizes.sorted() {
            let stepCount = steps ?? max(5, min(20_000, Int(2e6 / Double(size * 60 + 150))))
            let measurement = Benchmark.trainingSteps(data: data, batchSize: size, steps: stepCount, threads: threads)
            if json {
                struct Line: Encodable {
                    let measurement: StepBenchmark
                    let sgemm: Double
                    let data: String
                    func encode(to encoder: Encoder) throws {
                        try measurement.encode(to: encoder)
                        var c = encoder.container(keyedBy: Key.self)
                        try c.encode(sgemm, forKey: Key("sgemm_512_gflops"))
                        try c.encode(data, forKey: Key("data"))
                        try c.encode(BLAS.coreName, forKey: Key("blas_core"))
                    }
                }
                print(String(decoding: try encoder.encode(Line(measurement: measurement, sgemm: gigaflops, data: dataSource)), as: UTF8.self))
            } else {
                print(String(format: "%5d  %7d  %10.0f  %10.1f  %14.1f  (%5.1f%%)   %6.0f MiB",
                             measurement.batchSize, measurement.threads, measurement.samplesPerSecond, measurement.microsecondsPerStep,
                             measurement.achievedGigaflops, 100 * measurement.achievedGigaflops / gigaflops,
                             Double(measurement.peakResidentBytes) / 1_048_576))
            }
        }
    }

    /// The same measurement on the CUDA backend: three epochs cut to the step
    /// count, timed by the trainer (the host clock after the epoch's one
    /// read-back, so the device has finished); the last epoch is reported,
    /// when the graphs are captured, uploaded and warm. Beside the time, the
    /// two floors of METHOD.md's method: the step's FLOPs (6 per weight and
    /// example: forward, input and weight gradients) and its fewest bytes
    /// (parameters read in forward and backward, gradients written, the SGD
    /// update's read and write; the batch gathered; each activation written
    /// once and read once), to divide by the device's measured ceilings.
    private func benchmarkOnDevice(_ resolved: ResolvedBackend, data: Dataset, sizes: [Int]) throws {
        let model = Sequential.tutorialNetwork()
        let plan = try NetworkPlan(model)
        var weights = 0, widths = 0
        for operation in plan.operations {
            if case let .linear(inputs, outputs, _) = operation { weights += inputs * outputs }
            widths += operation.outputFeatures
        }
        let nodes = try CUDATrainer.graphNodesPerStep(model: model, optimizer: .sgd(learningRate: 0.01))
        let rowNodes = try CUDATrainer.graphNodesPerStep(model: model, optimizer: .sgd(learningRate: 0.01), batchSize: 1)
        if !json {
            print("device: \(resolved.provenance)\ngraph nodes per step: \(nodes) (\(rowNodes) at batch 1)")
            print("batch   samples/s     µs/step   µs/node   GFLOP/step   MB/step (fewest)")
        }
        for size in sizes {
            let batch = min(size, data.count)
            let stepsPerEpoch = (data.count + batch - 1) / batch
            let stepCount = min(steps ?? stepsPerEpoch, stepsPerEpoch)
            let trainer = try CUDATrainer(model: .tutorialNetwork(), optimizer: .sgd(learningRate: 0.01))
            let configuration = TrainingConfiguration(batchSize: batch, epochs: 3, maxStepsPerEpoch: stepCount, scale: .full)
            let seconds = try trainer.fit(train: data, configuration: configuration).epochs.last?.seconds ?? .nan
            let perStep = seconds / Double(stepCount)
            let stepNodes = batch == 1 ? rowNodes : nodes
            let flops = 6.0 * Double(weights) * Double(batch)
            let bytes = 4.0 * (6 * Double(plan.parameterCount) + Double(batch) * (2 * Double(plan.inputFeatures) + 2 * Double(widths)))
            if json {
                let line: [String: Any] = ["batch_size": batch, "steps": stepCount, "backend": "cuda",
                                           "samples_per_second": Double(batch) / perStep, "us_per_step": perStep * 1e6,
                                           "gflop_per_step": flops / 1e9, "fewest_mb_per_step": bytes / 1e6,
                                           "graph_nodes_per_step": stepNodes, "us_per_node": perStep * 1e6 / Double(stepNodes),
                                           "achieved_tflops": flops / perStep / 1e12, "achieved_tb_per_s": bytes / perStep / 1e12,
                                           "device": resolved.provenance]
                let encoded = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                print(String(decoding: encoded, as: UTF8.self))
            } else {
                print(String(format: "%5d  %10.0f  %10.1f  %8.2f  %11.3f  %16.1f", batch, Double(batch) / perStep, perStep * 1e6,
                             perStep * 1e6 / Double(stepNodes), flops / 1e9, bytes / 1e6))
            }
        }
    }

    private func noDownload() -> DataLocation {
        var location = DataLocation.fromEnvironment()
        location.allowDownload = false
        return location
    }

    /// Training examples loaded for the benchmark: the tutorial's training runs take 10,000.
    static let defaultExamples = 10_000

    /// Random pixels with MNIST's shape and range, for machines without the data.
    static func syntheticImages(count: Int) -> Dataset {
        var generator = RandomGenerator(seed: 1)
        let inputs = Tensor(shape: [count, 784])
        for i in 0..<inputs.count { inputs.data[i] = Float(generator.next() % 256) }
        return Dataset(inputs: inputs, labels: (0..<count).map { _ in Int32(generator.next() % 10) })
    }
}

/// A JSON key made at run time.
struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
