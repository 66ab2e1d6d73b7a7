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
        let crashFile = workFolder.appendingPathComponent("\(block.index).crash.json")
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: crashFile)
        let seed = block.options.seed ?? 42
        var environment = ProcessInfo.processInfo.environment
        environment["TN_OUTPUT"] = outputFile.path
        environment["TN_SCALE"] = settings.scale
        environment["TN_PROGRESS"] = "lines"
        environment["TN_BACKEND"] = settings.backend
        environment["TN_SEED"] = "\(seed)"
        // The block ends itself when this process is gone (BlockMain's watchdog).
        environment["TN_PARENT_PID"] = "\(getpid())"
        // On a crash, Swift's backtracer writes where the block stopped to a
        // JSON file (see CrashReport); without it, the backtrace is off, since
        // its text is pages of registers.
        environment["SWIFT_BACKTRACE"] = CrashReport.backtraceSetting(
            reportFile: crashFile, backtracer: Toolchain.crashTools.backtracer) ?? "enable=no"
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
                if !Self.isBacktraceNote(line) && !line.isEmpty { progress("\(elapsed())  \(line)") }
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
            let crash = CrashReport.read(crashFile, executable: executable, symbolizer: Toolchain.crashTools.symbolizer)
            message = Self.crashMessage(signal: signal, crash: crash, stderr: processResult.stderrTail)
        case .exited(let code) where code != 0 && status == .succeeded:
            status = .failed
            message = "the block exited with status \(code)" + Self.crashDetail(processResult.stderrTail)
        default:
            break
        }
        try? FileManager.default.removeItem(at: stdoutFile)
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: crashFile)
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

    /// What a crashed block is reported with: where it stopped and why, e.g.
    /// "the block crashed at chapters/x.md:12: Index out of range", then the
    /// end of its stderr.
    static func crashMessage(signal: Int32, crash: CrashReport?, stderr: String) -> String {
        var lines = crashLines(stderr)
        var location = crash?.location
        var reason = crash?.check
        // fatalError prints "FILE:LINE: Fatal error: MESSAGE" (and, in code
        // compiled without -O, precondition and assert their own words); in
        // the chapter's code FILE is the chapter's (see ChapterCompiler.prelude).
        let kinds = ["Fatal error", "Precondition failed", "Assertion failed"]
        if let index = lines.lastIndex(where: { line in kinds.contains { line.contains($0) } }) {
            let line = lines.remove(at: index)
            let start = kinds.compactMap { line.range(of: $0)?.lowerBound }.min()!
            let place = line[..<start].trimmingCharacters(in: .whitespaces)
            if place.hasSuffix(":"), place.dropLast().range(of: #"\.md:[0-9]+$"#, options: .regularExpression) != nil {
                location = location ?? String(place.dropLast())
                reason = String(line[start...])
            } else {
                reason = line
            }
        }
        var message = "the block crashed"
        if let location { message += " at \(location)" }
        if let reason {
            message += ": \(reason)"
        } else {
            message += " (signal \(signal)\(signal == 4 || signal == 5 ? ": a failed runtime check such as an index out of range, a nil unwrap or an overflow" : ""))"
        }
        return message + (lines.isEmpty ? "" : ":\n" + lines.suffix(20).joined(separator: "\n"))
    }

    /// The useful end of stderr after a crash (Swift's "Fatal error: ..." line).
    static func crashDetail(_ stderr: String) -> String {
        let lines = crashLines(stderr)
        guard !lines.isEmpty else { return "" }
        return ":\n" + lines.suffix(20).joined(separator: "\n")
    }

    /// Stderr without progress lines and without the runtime's notes about
    /// the backtrace ("*** Signal 4: Backtracing from 0x… done ***").
    static func crashLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { line in
            !line.hasPrefix("[progress]") && !isBacktraceNote(line) && !line.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }

    /// A line the Swift runtime prints around a crash report: "*** Signal 4:
    /// Backtracing from 0x… done ***", "swift-runtime: failed to suspend thread …".
    static func isBacktraceNote(_ line: String) -> Bool {
        line.hasPrefix("swift-runtime:") || (line.hasPrefix("*** ") && line.hasSuffix(" ***"))
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
