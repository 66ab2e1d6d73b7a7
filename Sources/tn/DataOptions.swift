// Options shared by the commands that load MNIST.
import ArgumentParser
import Engine

struct DataOptions: ParsableArguments {
    @Option(help: "Training examples: the first N of MNIST's training set.")
    var trainSize = 10_000

    @Option(help: "Test examples: the first N of MNIST's test set.")
    var testSize = 1_000

    @Option(help: "Pixel scaling: raw (0-255, as in the original experiments), unit ([0, 1]) or standardized.")
    var scaling: PixelScaling = .raw

    func validate() throws {
        guard (1...60_000).contains(trainSize) else {
            throw ValidationError("--train-size must be between 1 and 60000, got \(trainSize)")
        }
        guard (1...10_000).contains(testSize) else {
            throw ValidationError("--test-size must be between 1 and 10000, got \(testSize)")
        }
    }

    func load() throws -> MNIST {
        try MNIST.load(trainCount: trainSize, testCount: testSize, scaling: scaling)
    }
}

extension PixelScaling: ExpressibleByArgument {}

/// `--batch-size N|full`.
enum BatchSize: ExpressibleByArgument, CustomStringConvertible {
    case examples(Int)
    case full

    init?(argument: String) {
        if argument == "full" { self = .full; return }
        guard let n = Int(argument), n >= 1 else { return nil }
        self = .examples(n)
    }

    func resolved(datasetSize: Int) -> Int {
        switch self {
        case .full: return datasetSize
        case .examples(let n): return n
        }
    }

    var description: String {
        switch self {
        case .full: return "full"
        case .examples(let n): return String(n)
        }
    }
}
