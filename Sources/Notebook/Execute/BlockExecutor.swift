// Runs one compiled block in its own process and turns what it left behind
// (stdout file, output records, exit status) into a BlockResult, applying the
// size limits so a block that prints 50 MB cannot make a 50 MB page.
import Foundation
import NotebookRuntime

struct BlockExecutor {
    /// Printed text kept per block.
    static let stdoutLimit = 64 * 1024
    /// Output records (charts, tables) kept per block.
    static let outputLimit = 16 * 1024 * 1024

    var workFolder: URL
    var settings: RunSettings
    var device: String
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
        let started = Date()
        let elapsed: @Sendable () -> String = { String(format: "%4.0f s", Date().timeIntervalSince(started)) }
        let processResult = try BlockProcess.run(
            executable: executable, arguments: ["--block", "\(block.index)"], environment: environment,
            stdoutFile: stdoutFile, timeout: timeout,
            onStderrLine: { progress("\(elapsed())  \($0)") },
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
        return BlockResult(
            key: key, blockID: block.id, status: status, message: message, stdout: stdout,
            stdoutBytes: stdoutBytes, outputs: outputs, outputNotice: notice, seconds: processResult.seconds,
            seed: seed, backend: settings.backend, device: device, scale: settings.scale)
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
