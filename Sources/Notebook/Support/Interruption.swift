// Ctrl-C, SIGTERM and SIGHUP during a build. Foundation starts every child
// (swiftc, node, a block) in a process group of its own, so the terminal's
// Ctrl-C reaches `tn` alone: without this, a training block would go on
// using every core after the author thought the build had stopped. On such a
// signal `tn` stops each running child's whole group (SIGTERM, then SIGKILL
// after a grace period), removes the temporary files this process had begun
// (`*.tmp-PID`: a chapter being linked, a page or frozen result being
// written), and exits with 128 + the signal's number. Pages and frozen
// results are only ever replaced whole (AtomicFile), so what is left is the
// last finished state. If `tn` itself is killed outright (SIGKILL), the block
// notices that its parent is gone and ends itself (BlockMain).
import Foundation

public enum Interruption {
    /// Installs the handlers once; `folders` are swept for this process's
    /// temporary files when a signal arrives.
    public static func install(cleaning folders: [URL]) {
        state.setFolders(folders)
        state.installOnce()
    }

    /// A child started by `ProcessRunner` or `BlockProcess`; stopped with its group on a signal.
    static func started(_ pid: pid_t) { state.add(pid) }

    /// Called when a child has ended. If it ended because the build is being
    /// interrupted, the caller must not go on to record a "crashed" block or
    /// write a page about it: the thread waits here until the handler exits.
    static func ended(_ pid: pid_t) {
        state.remove(pid)
        while state.interrupted { sleep(1) }
    }

    /// Stops the running children as a signal would, without exiting; returns how many there were.
    @discardableResult
    static func stopChildren(grace: Double = 2) -> Int {
        let children = state.children
        for pid in children {
            kill(-pid, SIGTERM)
            kill(pid, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, children.contains(where: isAlive) { usleep(20_000) }
        for pid in children where isAlive(pid) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        return children.count
    }

    /// Removes `*.tmp-PID` files of this process under the folders given to `install`.
    static func removeTemporaryFiles() -> Int {
        let suffix = ".tmp-\(getpid())"
        var removed = 0
        let fileManager = FileManager.default
        for folder in state.folders {
            guard let enumerator = fileManager.enumerator(atPath: folder.path) else { continue }
            while let relative = enumerator.nextObject() as? String {
                guard relative.hasSuffix(suffix) else { continue }
                if (try? fileManager.removeItem(at: folder.appendingPathComponent(relative))) != nil { removed += 1 }
            }
        }
        return removed
    }

    private static let state = InterruptionState()

    /// Running, as opposed to gone or a zombie waiting to be reaped.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first != "Z"
    }

    fileprivate static func handle(signal number: Int32) -> Never {
        state.interrupted = true
        let stopped = stopChildren()
        let removed = removeTemporaryFiles()
        let name = [SIGINT: "interrupted", SIGTERM: "terminated", SIGHUP: "hung up"][number] ?? "signal \(number)"
        var message = "\ntn: \(name)"
        if stopped > 0 { message += "; stopped \(stopped) running process\(stopped == 1 ? "" : "es")" }
        if removed > 0 { message += "; removed \(removed) unfinished file\(removed == 1 ? "" : "s")" }
        message += ". Pages and frozen results are as the last finished block left them.\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(128 + number)
    }
}

// The C handler may only do async-signal-safe work: it writes the signal's
// number into a pipe, and a thread that waits on the pipe does the rest.
nonisolated(unsafe) private var signalPipe: [Int32] = [-1, -1]

private func forwardSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipe[1], &byte, 1)
}

private final class InterruptionState: @unchecked Sendable {
    private let lock = NSLock()
    private var running: Set<pid_t> = []
    private var cleaned: [URL] = []
    private var installed = false
    private var signalled = false

    var interrupted: Bool {
        get { lock.lock(); defer { lock.unlock() }; return signalled }
        set { lock.lock(); signalled = newValue; lock.unlock() }
    }

    var children: [pid_t] { lock.lock(); defer { lock.unlock() }; return Array(running) }
    var folders: [URL] { lock.lock(); defer { lock.unlock() }; return cleaned }

    func add(_ pid: pid_t) { lock.lock(); running.insert(pid); lock.unlock() }
    func remove(_ pid: pid_t) { lock.lock(); running.remove(pid); lock.unlock() }
    func setFolders(_ folders: [URL]) { lock.lock(); cleaned = folders; lock.unlock() }

    func installOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return }
        signalPipe = descriptors
        // A handler (unlike SIG_IGN) is reset to the default in the children
        // we exec, so blocks and the compiler still die of these signals.
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { forwardSignal($0) }
        }
        let readEnd = descriptors[0]
        let reader = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) != 1 {}
            Interruption.handle(signal: Int32(byte))
        }
        reader.name = "tn signal handler"
        reader.start()
    }
}
