// `tn bench-optimizer`: the speed of one optimizer step over the tutorial
// network's 935,434 Float parameters, called through `any Optimizer<Float>`
// as the trainer calls it, beside this machine's memcpy bandwidth measured in
// the same run. An optimizer step is memory-bound, so the ratio of the two is
// the figure of merit.
import ArgumentParser
import Engine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchOptimizer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-optimizer",
        abstract: "Measure optimizer steps in GB/s against memcpy bandwidth.",
        discussion: """
            Bytes per step count every array the step must read or write once: Adam reads parameter, \
            gradient, m and v and writes parameter, m and v (28 bytes per Float parameter). Copy bandwidth \
            is bytes read plus bytes written per second for a memcpy of --copy-megabytes.
            """)

    @Option(help: "Parameters in the flat buffer (the tutorial network has 935,434).")
    var parameters: Int = 935_434
    @Option(help: "Timed steps per optimizer (the best of --trials runs of this many).")
    var steps: Int = 200
    @Option(help: "Timed runs; the fastest is reported.")
    var trials: Int = 5
    @Option(help: "Size of each memcpy buffer in MB (large, to measure memory rather than cache).")
    var copyMegabytes: Int = 256
    @Flag(help: "Also measure every other optimizer.")
    var all = false

    func validate() throws {
        if parameters < 1 { throw OptionError("--parameters must be a whole number >= 1, got \(parameters)") }
        if steps < 1 { throw OptionError("--steps must be a whole number >= 1, got \(steps)") }
        if trials < 1 { throw OptionError("--trials must be a whole number >= 1, got \(trials)") }
        if copyMegabytes < 1 { throw OptionError("--copy-megabytes must be a whole number >= 1, got \(copyMegabytes)") }
    }

    func run() throws {
        let copy = measureCopyBandwidth(bytes: copyMegabytes * 1_000_000)
        print("memcpy of \(copyMegabytes) MB: \(format(copy)) GB/s (read + write)")

        // (label, optimizer, arrays read or written per parameter)
        var cases: [(String, any Optimizer<Float>, Int)] = [("adam", Adam<Float>(), 7)]
        if all {
            cases += [
                ("sgd", SGD<Float>(learningRate: 0.01), 3),
                ("sgd momentum 0.9", SGD<Float>(learningRate: 0.01, momentum: 0.9), 5),
                ("rmsprop", RMSprop<Float>(), 5),
                ("rmsprop centered momentum 0.9", RMSprop<Float>(momentum: 0.9, centered: true), 9),
                ("adamw", AdamW<Float>(), 7),
                ("adam amsgrad", Adam<Float>(amsgrad: true), 9),
                ("adagrad", Adagrad<Float>(), 5),
                ("adadelta", Adadelta<Float>(), 7),
                ("adamax", Adamax<Float>(), 7),
                ("nadam", NAdam<Float>(), 7),
                ("radam", RAdam<Float>(), 7),
            ]
        }
        print("\(parameters) Float parameters, best of \(trials) x \(steps) steps")
        for (label, optimizer, arrays) in cases {
            let seconds = timeSteps(optimizer)
            let bytes = Double(arrays * parameters * MemoryLayout<Float>.size)
            let rate = bytes / seconds / 1e9
            print("\(label): \(format(seconds * 1e3)) ms/step, \(format(rate)) GB/s, "
                  + "\(format(rate / copy)) of memcpy")
        }
    }

    /// Seconds per step, the best over `trials` runs of `steps` steps.
    private func timeSteps(_ prototype: any Optimizer<Float>) -> Double {
        var optimizer = prototype
        var parameterValues = (0..<parameters).map { Float(($0 % 1000) - 500) * 1e-3 }
        let gradientValues = (0..<parameters).map { Float(($0 % 997) - 498) * 1e-4 }
        var best = Double.infinity
        parameterValues.withUnsafeMutableBufferPointer { p in
            gradientValues.withUnsafeBufferPointer { g in
                optimizer.step(parameters: p, gradients: g)   // allocates the state
                for _ in 0..<trials {
                    let begin = now()
                    for _ in 0..<steps { optimizer.step(parameters: p, gradients: g) }
                    best = min(best, (now() - begin) / Double(steps))
                }
            }
        }
        return best
    }

    /// memcpy bandwidth in GB/s, counting the bytes read and the bytes written.
    private func measureCopyBandwidth(bytes: Int) -> Double {
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { source.deallocate(); destination.deallocate() }
        memset(source, 1, bytes)
        memset(destination, 2, bytes)   // touch every page before timing
        var best = Double.infinity
        for _ in 0..<max(trials, 3) {
            let begin = now()
            memcpy(destination, source, bytes)
            best = min(best, now() - begin)
        }
        return 2 * Double(bytes) / best / 1e9
    }

    private func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }
}
