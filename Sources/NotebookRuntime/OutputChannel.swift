// Writes output records as JSON lines to the file named by TN_OUTPUT. Each
// record is flushed at once, so outputs published before a crash still reach
// the runner. Without TN_OUTPUT (a block run by hand) records go to stderr.
import Foundation

final class OutputChannel: @unchecked Sendable {
    static let shared = OutputChannel()

    private let lock = NSLock()
    private let file: UnsafeMutablePointer<FILE>?

    private init() {
        if let path = ProcessInfo.processInfo.environment["TN_OUTPUT"] {
            file = fopen(path, "a")
        } else {
            file = nil
        }
    }

    func send(_ record: OutputRecord) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(record) else { return }
        lock.lock()
        defer { lock.unlock() }
        let target = file ?? stderr
        data.withUnsafeBytes { bytes in
            _ = fwrite(bytes.baseAddress, 1, bytes.count, target)
        }
        fputs("\n", target)
        fflush(target)
    }
}
