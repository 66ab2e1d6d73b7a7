// Ctrl-C, SIGTERM, SIGHUP and Ctrl-Z during a build. Foundation starts every
// child (swiftc, node, a block) in a process group of its own, so the
// terminal's signals reach `tn` alone: without this, a training block would go
// on using every core after the author thought the build had stopped. On
// Ctrl-C, SIGTERM or SIGHUP `tn` stops each running child and every process
// below it, each in its group (SIGINT, SIGTERM, then SIGKILL after a grace
// period), starts no other, waits for a file being written, removes the
// temporary files this process had begun (`*.tmp-PID`: a chapter being
// linked, a page or frozen result being written), and ends by the signal
// itself. Pages and frozen results are only ever replaced whole (AtomicFile),
// so what is left is the last finished state. Ctrl-Z pauses the children with
// `tn` and `fg` resumes them. A signal ignored when `tn` started stays
// ignored. If `tn` itself is killed outright (SIGKILL), the block notices that
// its parent is gone and ends itself (BlockMain).
import Foundation

public enum Interruption {
    /// Installs the handlers once; `folders` are swept for this process's
    /// temporary files when a signal arrives. A signal that was ignored when
    /// `tn` started (`nohup tn build`, or SIGINT for a background job of a
    /// script) stays ignored.
    public static func install(cleaning folders: [URL]) {
        state.setFolders(folders)
        state.installOnce()
    }

    /// A child started by `ProcessRunner` or `BlockProcess`; stopped with its
    /// group on a signal. One that starts while `tn` is being interrupted is
    /// stopped at once.
    static func started(_ pid: pid_t) {
        if !state.add(pid) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// Called when a child has ended. If it ended because the build is being
    /// interrupted, the caller must not go on to record a "crashed" block or
    /// write a page about it: the thread waits here until the handler ends the process.
    static func ended(_ pid: pid_t) {
        state.remove(pid)
        while state.interrupted { sleep(1) }
    }

    /// Marks the process as interrupted (no child starts after this) and
    /// stops the running children with everything they started. Returns how
    /// many children there were.
    @discardableResult
    static func stopChildren(grace: Double = 2) -> Int {
        let children = state.interrupt()
        stop(children, grace: grace)
        return children.count
    }

    /// Stops `pids` and all their descendants, each in its process group
    /// (the compiler's frontends, a block's own subprocesses: Foundation gives
    /// each a group of its own). SIGINT first, on which swiftc stops its
    /// frontends itself; then SIGTERM; then, after `grace` seconds, SIGKILL.
    static func stop(_ pids: [pid_t], grace: Double) {
        guard !pids.isEmpty else { return }
        var all = Set(pids)
        all.formUnion(descendants(of: pids))
        let signalAll = { (number: Int32) in
            for pid in all {
                kill(-pid, number)
                kill(pid, number)
            }
        }
        signalAll(SIGINT)
        usleep(100_000)
        all.formUnion(descendants(of: Array(all)))
        signalAll(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, all.contains(where: isAlive) { usleep(20_000) }
        all.formUnion(descendants(of: Array(all)))
        signalAll(SIGKILL)
    }

    /// Ctrl-Z (SIGTSTP) pauses the running children with `tn`, and `fg`
    /// (SIGCONT) resumes them: without this a paused build's block would go
    /// on training. Children are in groups of their own, beyond the terminal's reach.
    fileprivate static func pause() {
        signalChildrenAndBelow(SIGSTOP)
        raise(SIGSTOP)
    }

    fileprivate static func resume() { signalChildrenAndBelow(SIGCONT) }

    private static func signalChildrenAndBelow(_ number: Int32) {
        let children = state.snapshot()
        for pid in Set(children).union(descendants(of: children)) {
            kill(-pid, number)
            kill(pid, number)
        }
    }

    /// Every process below `roots` in the parent tree, read from /proc.
    static func descendants(of roots: [pid_t]) -> Set<pid_t> {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let fields = statFields(pid) else { continue }
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var found: Set<pid_t> = []
        var queue = roots
        while let pid = queue.popLast() {
            for child in children[pid] ?? [] where found.insert(child).inserted { queue.append(child) }
        }
        return found
    }

    /// Around every AtomicFile write: once an interruption has begun, a new
    /// write waits for the end instead, and the interruption's sweep waits
    /// for a write under way, so no temporary file is left half made.
    static func beginWrite() {
        state.writeLock.lock()
        if state.interrupted {
            state.writeLock.unlock()
            while true { sleep(1) }
        }
    }

    static func endWrite() { state.writeLock.unlock() }

    /// Removes temporary files (`*.tmp-PID`) that processes no longer running
    /// left under `folders` (a tn killed outright, or from before this guard).
    public static func removeLeftovers(in folders: [URL]) {
        _ = removeTemporaryFiles(in: folders) { pid in
            pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH  // no such process
        }
    }

    /// Removes the `*.tmp-PID` files of this process under the folders given to `install`.
    static func removeTemporaryFiles() -> Int {
        removeTemporaryFiles(in: state.folders) { $0 == getpid() }
    }

    /// Removes `*.tmp-PID` files under `folders` whose PID `owner` accepts,
    /// not descending into `.build` or `.git`; returns how many went.
    private static func removeTemporaryFiles(in folders: [URL], ownedBy owner: (pid_t) -> Bool) -> Int {
        var removed = 0
        let fileManager = FileManager.default
        for folder in folders {
            guard let enumerator = fileManager.enumerator(atPath: folder.path) else { continue }
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name == ".build" || name == ".git" { enumerator.skipDescendants(); continue }
                guard let range = name.range(of: ".tmp-", options: .backwards),
                      let pid = pid_t(name[range.upperBound...]), owner(pid) else { continue }
                if (try? fileManager.removeItem(at: folder.appendingPathComponent(relative))) != nil { removed += 1 }
            }
        }
        return removed
    }

    private static let state = InterruptionState()

    /// Running, as opposed to gone or a zombie waiting to be reaped.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        return statFields(pid)?.first != "Z"
    }

    /// The fields of /proc/PID/stat after the command's name: state, parent, …
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    fileprivate static func handle(signal number: Int32) -> Never {
        let stopped = stopChildren()
        // Wait for a write under way; none starts after this (never unlocked).
        state.writeLock.lock()
        let removed = removeTemporaryFiles()
        let name = [SIGINT: "interrupted", SIGTERM: "terminated", SIGHUP: "hung up"][number] ?? "signal \(number)"
        var message = "\ntn: \(name)"
        if stopped > 0 { message += "; stopped \(stopped) running process\(stopped == 1 ? "" : "es")" }
        if removed > 0 { message += "; removed \(removed) unfinished file\(removed == 1 ? "" : "s")" }
        message += ". Pages and frozen results are as the last finished block left them.\n"
        // A plain write: after a hang-up or with a closed pipe it fails, and that must not matter.
        _ = message.withCString { write(2, $0, strlen($0)) }
        // End the way the signal would have, so that a shell loop or a parent
        // sees an interrupted tn (and nothing else runs at-exit code while the
        // main thread is still busy).
        signal(number, SIG_DFL)
        raise(number)
        _exit(128 + number)
    }
}

// The C handler may only do async-signal-safe work: it writes the signal's
// number into a pipe, and a thread that waits on the pipe does the rest.
nonisolated(unsafe) private var signalWriteEnd: Int32 = -1

private func forwardSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalWriteEnd, &byte, 1)
}

private final class InterruptionState: @unchecked Sendable {
    private let lock = NSLock()
    /// Held by each AtomicFile write, and for good by the interruption's handler.
    let writeLock = NSLock()
    private var running: Set<pid_t> = []
    private var cleaned: [URL] = []
    private var installed = false
    private var signalled = false

    var interrupted: Bool { lock.lock(); defer { lock.unlock() }; return signalled }
    func snapshot() -> [pid_t] { lock.lock(); defer { lock.unlock() }; return Array(running) }
    var folders: [URL] { lock.lock(); defer { lock.unlock() }; return cleaned }

    /// False, adding nothing, once the process is being interrupted.
    func add(_ pid: pid_t) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !signalled else { return false }
        running.insert(pid)
        return true
    }

    func remove(_ pid: pid_t) { lock.lock(); running.remove(pid); lock.unlock() }
    func setFolders(_ folders: [URL]) { lock.lock(); cleaned = folders; lock.unlock() }

    /// Sets the flag and returns the children running at that moment.
    func interrupt() -> [pid_t] {
        lock.lock(); defer { lock.unlock() }
        signalled = true
        return Array(running)
    }

    func installOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return }
        // Close-on-exec, so that no child inherits the pipe.
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        signalWriteEnd = descriptors[1]
        // A handler (unlike SIG_IGN) is reset to the default in the children
        // we exec, so blocks and the compiler still die of these signals.
        for number in [SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT] {
            let previous = signal(number) { forwardSignal($0) }
            if let previous, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(number, SIG_IGN)
            }
        }
        let readEnd = descriptors[0]
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                guard read(readEnd, &byte, 1) == 1 else { continue }
                switch Int32(byte) {
                case SIGTSTP: Interruption.pause()
                case SIGCONT: Interruption.resume()
                default: Interruption.handle(signal: Int32(byte))
                }
            }
        }
        reader.name = "tn signal handler"
        reader.start()
    }
}
