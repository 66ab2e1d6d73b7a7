// Runs one compiled block in its own process and turns what it left behind
// (stdout file, output records, exit status) into a BlockResult, applying the
// size limits so a block that prints 50 MB cannot make a 50 MB page.
import Foundation
import NotebookRuntime
import Engine

struct BlockExecutor {
    /// Printed text kept per block.
    static let stdoutLimit = 64 * 1024
    /// Output records (charts, tables) kept per block.
    static let outputLimit = 16 * 1024 * 1024

    var workFolder: URL
    var settings: RunSettings
    /// The CPU, as provenance lines name it.
    var device: String
    /// The GPU under `--backend cuda` (see SiteBuilder.gpuDescription); nil otherwise.
    var gpu: String? = nil
    var progress: @Sendable (String) -> Void

    func run(block: ExecutableBlock, executable: URL, key: String, timeout: Double) throws -> BlockResult {
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        let stdoutFile = workFolder.appendingPathComponent("\(block.index).stdout")
        let outputFile = workFolder.appendingPathComponent("\(block.index).jsonl")
        try? FileManager.default.removeItem(at: outputFile)
        let seed = block.options.seed ?? 42
        var environment = ProcessInfo.processInfo.environment
        environment["TN_OUTPUT"] = outputFile.path
        environment["TN_SCALE"] = settings.scale
        environment["TN_PROGRESS"] = "lines"
        environment["TN_BACKEND"] = settings.backend
        environment["TN_SEED"] = "\(seed)"
        // Swift's crash backtracer prints pages of registers; the runner only needs the error line.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        // Every relayed line carries the block's elapsed time, and a quiet
        // block still reports that it is running every half minute.
        let progress = self.progress
        let placements = PlacementLog()
        let started = Date()
        let elapsed: @Sendable () -> String = { String(format: "%4.0f s", Date().timeIntervalSince(started)) }
        let processResult = try BlockProcess.run(
            executable: executable, arguments: ["--block", "\(block.index)"], environment: environment,
            stdoutFile: stdoutFile, timeout: timeout,
            onStderrLine: { line in
                placements.note(line)
                progress("\(elapsed())  \(line)")
            },
            onQuietInterval: { progress("\(elapsed())  \(block.id) still running") })

        let (stdout, stdoutBytes) = Self.readLimited(stdoutFile, limit: Self.stdoutLimit)
        var (outputs, notice) = Self.readOutputs(outputFile)
        var status = BlockResult.Status.succeeded
        var message: String?
        if let thrown = outputs.first(where: { $0.kind == .error }) {
            status = .failed
            message = "the block threw an error: \(thrown.message ?? "")"
            outputs.removeAll { $0.kind == .error }
        }
        switch processResult.termination {
        case .timedOut:
            status = .timedOut
            message = "the block ran past its timeout of \(Int(timeout)) s and was stopped; "
                + "raise it with `//| timeout: SECONDS` or make the block faster"
        case .signalled(let signal):
            status = .crashed
            message = "the block crashed (signal \(signal)\(signal == 4 || signal == 5 ? ": a failed runtime check such as an index out of range, a nil unwrap or an overflow" : ""))"
                + Self.crashDetail(processResult.stderrTail)
        case .exited(let code) where code != 0 && status == .succeeded:
            status = .failed
            message = "the block exited with status \(code)" + Self.crashDetail(processResult.stderrTail)
        default:
            break
        }
        try? FileManager.default.removeItem(at: stdoutFile)
        try? FileManager.default.removeItem(at: outputFile)
        let (backend, device) = Self.provenance(backend: settings.backend, cpu: device, gpu: gpu, placements: placements.all)
        return BlockResult(
            key: key, blockID: block.id, status: status, message: message, stdout: stdout,
            stdoutBytes: stdoutBytes, outputs: outputs, outputNotice: notice, seconds: processResult.seconds,
            seed: seed, backend: backend, device: device, scale: settings.scale)
    }

    /// The backend and device a block's provenance line names. Under CUDA
    /// that is where its training runs went (Tutorial.train reports each run's
    /// placement on stderr): the GPU, the CPU (a block that trains nothing on
    /// the GPU, such as the 2-D experiments), or the GPU with a count of the
    /// runs that stayed on the CPU and why.
    static func provenance(backend: String, cpu: String, gpu: String?, placements: [RunPlacement]) -> (backend: String, device: String) {
        guard backend == "cuda", let gpu else { return (backend, cpu) }
        let reasons = placements.compactMap { placement -> String? in
            if case .cpu(let reason) = placement { return reason }
            return nil
        }
        let onGPU = placements.count - reasons.count
        if onGPU == 0 {
            return ("cpu", reasons.first.map { "\(cpu) (\($0))" } ?? cpu)
        }
        if reasons.isEmpty { return ("cuda", gpu) }
        return ("cuda", "\(gpu); \(reasons.count) of its \(placements.count) runs on \(cpu): \(reasons[0])")
    }

    /// The first `limit` bytes of a file (cut at a character boundary) and its full size.
    static func readLimited(_ url: URL, limit: Int) -> (String, Int) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return ("", 0) }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let data = (try? handle.read(upToCount: limit)) ?? Data()
        return (String(decoding: data, as: UTF8.self), size)
    }

    static func readOutputs(_ url: URL) -> ([OutputRecord], String?) {
        let (text, size) = readLimited(url, limit: outputLimit)
        var records: [OutputRecord] = []
        let decoder = JSONDecoder()
        for line in text.split(separator: "\n") {
            if let record = try? decoder.decode(OutputRecord.self, from: Data(line.utf8)) {
                records.append(record)
            }
        }
        let notice = size > outputLimit
            ? "Outputs truncated: the block published \(size) bytes; only the first \(outputLimit) are kept."
            : nil
        return (records, notice)
    }

    /// The useful end of stderr after a crash (Swift's "Fatal error: ..." line).
    static func crashDetail(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("[progress]") }
        guard !lines.isEmpty else { return "" }
        return ":\n" + lines.suffix(20).joined(separator: "\n")
    }
}

/// The placement lines of one block's stderr, gathered from the reader thread.
final class PlacementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var placements: [RunPlacement] = []

    func note(_ line: String) {
        guard let placement = RunPlacement.parse(line) else { return }
        lock.lock()
        placements.append(placement)
        lock.unlock()
    }

    var all: [RunPlacement] {
        lock.lock()
        defer { lock.unlock() }
        return placements
    }
}
