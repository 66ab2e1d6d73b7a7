// Measurements for `tn bench`: training-step throughput per batch size, peak
// memory, and this machine's sgemm rate as a yardstick for both.
import Foundation
import CBLAS

public struct StepBenchmark: Codable, Sendable {
    public var batchSize: Int
    public var steps: Int
    public var samplesPerSecond: Double
    public var microsecondsPerStep: Double
    public var peakResidentBytes: Int
    public var threads: Int
    /// FLOPs of one training step (forward + backward matrix products).
    public var gigaflopsPerStep: Double
    /// Achieved matrix GFLOP/s during the steps.
    public var achievedGigaflops: Double

    enum CodingKeys: String, CodingKey {
        case steps, threads
        case batchSize = "batch_size"
        case samplesPerSecond = "samples_per_second"
        case microsecondsPerStep = "us_per_step"
        case peakResidentBytes = "peak_rss_bytes"
        case gigaflopsPerStep = "gflop_per_step"
        case achievedGigaflops = "achieved_gflops"
    }
}

public enum Benchmark {
    /// sgemm GFLOP/s for an n×n×n product, best of `repeats` after a warm-up.
    public static func sgemmGigaflops(size n: Int = 512, repeats: Int = 20) -> Double {
        // Measured with every core, the configuration large batches train with.
        let a = Tensor(shape: [n, n], repeating: 0.5), b = Tensor(shape: [n, n], repeating: 0.25), c = Tensor(shape: [n, n])
        BLAS.gemm(a.matrix(), b.matrix(), into: c.matrix())
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            BLAS.gemm(a.matrix(), b.matrix(), into: c.matrix())
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// Peak resident set size of this process so far, in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    }

    /// Matrix-product FLOPs of one training step of `model` on `batch` rows:
    /// 2·b·in·out each for the forward, dW and dX products (no dX for layer 1).
    public static func matrixFlops(model: Sequential, batch: Int) -> Double {
        var flops = 0.0
        for (index, layer) in model.layers.enumerated() where layer is Linear {
            let product = 2 * Double(batch * layer.inputFeatures * layer.outputFeatures)
            flops += index == 0 ? 2 * product : 3 * product
        }
        return flops
    }

    /// Times `steps` training steps (after `warmup` untimed ones) of the
    /// tutorial network with plain gradient descent, data in memory.
    public static func trainingSteps(data: Dataset, batchSize: Int, steps: Int, warmup: Int = 3, seed: UInt64 = 0,
                                     threads: Int? = nil) -> StepBenchmark {
        let model = Sequential.tutorialNetwork(seed: seed)
        let trainer = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.01))
        let batch = min(batchSize, data.count)
        let stepsPerEpoch = (data.count + batch - 1) / batch
        func run(_ count: Int) -> Double {
            var remaining = count
            var seconds = 0.0
            while remaining > 0 {
                let now = min(remaining, stepsPerEpoch)
                let result = trainer.fit(train: data, configuration: TrainingConfiguration(
                    batchSize: batch, epochs: 1, seed: seed, maxStepsPerEpoch: now, scale: .full, threads: threads))
                seconds += result.epochs.first?.seconds ?? 0
                remaining -= now
            }
            return seconds
        }
        _ = run(warmup)
        let seconds = run(steps)
        let perStep = seconds / Double(steps)
        let flops = matrixFlops(model: model, batch: batch)
        return StepBenchmark(batchSize: batch, steps: steps, samplesPerSecond: Double(batch) / perStep,
                             microsecondsPerStep: perStep * 1e6, peakResidentBytes: peakResidentBytes(),
                             threads: threads ?? TrainingConfiguration.automaticThreads(batchSize: batch), gigaflopsPerStep: flops / 1e9,
                             achievedGigaflops: flops / perStep / 1e9)
    }
}
