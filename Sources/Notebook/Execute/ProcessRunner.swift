// Runs child processes: the compiler (output collected) and blocks (stdout to a
// file read back with a size limit, stderr relayed line by line for progress,
// a timeout after which the child is stopped, then killed).
import Foundation

struct ProcessResult {
    var status: Int32
    var output: String
}

enum ProcessRunner {
    /// Runs a tool to completion and returns its combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        Interruption.started(process.processIdentifier)
        defer { Interruption.ended(process.processIdentifier) }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// How a block's process ended.
enum BlockTermination: Equatable {
    case exited(Int32)
    case signalled(Int32)
    case timedOut
}

struct BlockProcessResult {
    var termination: BlockTermination
    var stdoutFile: URL
    var stderrTail: String
    var seconds: Double
}

enum BlockProcess {
    static func run(
        executable: URL, arguments: [String], environment: [String: String],
        stdoutFile: URL, timeout: Double, onStderrLine: @escaping @Sendable (String) -> Void,
        onQuietInterval: (() -> Void)? = nil, quietInterval: Double = 30
    ) throws -> BlockProcessResult {
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutFile)
        defer { try? stdoutHandle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = stdoutHandle
        process.standardInput = FileHandle.nullDevice
        let errorPipe = Pipe()
        process.standardError = errorPipe
        let collector = StderrCollector(onLine: onStderrLine)
        let quiet = QuietClock()
        errorPipe.fileHandleForReading.readabilityHandler = { handle in
            collector.append(handle.availableData)
            quiet.reset()
        }
        let started = Date()
        try process.run()
        Interruption.started(process.processIdentifier)
        defer { Interruption.ended(process.processIdentifier) }
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                // The block and whatever it started (a subprocess would
                // otherwise hold its stderr open and outlive it).
                Interruption.stop([process.processIdentifier], grace: 2)
                break
            }
            if let onQuietInterval, quiet.secondsSinceReset > quietInterval {
                onQuietInterval()
                quiet.reset()
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        errorPipe.fileHandleForReading.readabilityHandler = nil
        // What is left in the pipe, without waiting for its end: a process the
        // block started may still hold it open.
        let descriptor = errorPipe.fileHandleForReading.fileDescriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { break }
            collector.append(Data(buffer[0..<count]))
        }
        collector.finish()
        let termination: BlockTermination
        if timedOut {
            termination = .timedOut
        } else if process.terminationReason == .uncaughtSignal {
            termination = .signalled(process.terminationStatus)
        } else {
            termination = .exited(process.terminationStatus)
        }
        return BlockProcessResult(
            termination: termination, stdoutFile: stdoutFile,
            stderrTail: collector.tail, seconds: Date().timeIntervalSince(started))
    }
}

/// When the block last said anything on stderr.
final class QuietClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date()

    func reset() { lock.lock(); last = Date(); lock.unlock() }

    var secondsSinceReset: Double {
        lock.lock(); defer { lock.unlock() }
        return Date().timeIntervalSince(last)
    }
}

/// Splits stderr into lines for the progress display and keeps its last 64 KB.
/// The display gets the first 64 KB of lines; after that a block that floods
/// stderr is summarised in one line at its end instead of filling the terminal.
final class StderrCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var partial = Data()
    private var kept = Data()
    private let onLine: @Sendable (String) -> Void
    private var relayedBytes = 0
    private var withheldLines = 0
    private var afterCarriageReturn = false
    private static let keepLimit = 64 * 1024
    static let relayLimit = 64 * 1024

    init(onLine: @escaping @Sendable (String) -> Void) {
        self.onLine = onLine
    }

    /// The longest line relayed whole; a longer one is cut, saying by how much.
    static let lineLimit = 4 * 1024

    private func relay(_ line: Data) {
        guard relayedBytes < Self.relayLimit else {
            withheldLines += 1
            return
        }
        var text = String(decoding: line.prefix(Self.lineLimit), as: UTF8.self)
        if line.count > Self.lineLimit { text += " … (\(line.count - Self.lineLimit) more bytes)" }
        relayedBytes += min(line.count, Self.lineLimit) + 1
        onLine(text)
    }

    func append(_ data: Data) {
        guard !data.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        kept.append(data)
        if kept.count > Self.keepLimit { kept = kept.suffix(Self.keepLimit) }
        // A line ends at \n, or at \r as a progress bar redraws it. Each byte
        // is looked at once, and a line with no end in sight is cut.
        var start = data.startIndex
        for index in data.indices where data[index] == 10 || data[index] == 13 {
            partial.append(data[start..<index])
            // "\r\n" is one line end, and a \r that ends nothing is no line.
            if !(partial.isEmpty && (data[index] == 13 || afterCarriageReturn)) { relay(partial) }
            afterCarriageReturn = data[index] == 13
            partial.removeAll(keepingCapacity: true)
            start = index + 1
        }
        if start < data.endIndex { afterCarriageReturn = false }
        partial.append(data[start...])
        if partial.count > 4 * Self.lineLimit {
            relay(partial)
            partial.removeAll(keepingCapacity: true)
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !partial.isEmpty { relay(partial) }
        partial = Data()
        if withheldLines > 0 {
            onLine("… \(withheldLines) more line\(withheldLines == 1 ? "" : "s") of stderr not shown "
                + "(the first \(Self.relayLimit / 1024) KB were)")
            withheldLines = 0
        }
    }

    var tail: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: kept, as: UTF8.self)
    }
}
