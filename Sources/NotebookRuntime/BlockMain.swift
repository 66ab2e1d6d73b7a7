// The entry point of a compiled chapter: `CHAPTER --block ID` runs exactly one
// block, so a block that traps or hangs takes down only its own process.
import Foundation

/// Runs the block named by `--block ID` among `blocks`; called from the
/// `main.swift` that the runner generates for each chapter.
public func runNotebookBlock(_ blocks: [String: () throws -> Void]) -> Never {
    // Line-buffer stdout so text printed before a crash is not lost in a buffer.
    setvbuf(stdout, nil, _IOLBF, 0)
    // `tn` stops its blocks when it is interrupted; if it is killed outright
    // (SIGKILL) it cannot, so the block checks four times a second that the
    // `tn` that started it (TN_PARENT_PID, so that a tn gone before this line
    // runs is noticed too) is still its parent, and ends when it is not.
    let parent = ProcessInfo.processInfo.environment["TN_PARENT_PID"].flatMap { pid_t($0) } ?? getppid()
    Thread.detachNewThread {
        while getppid() == parent { usleep(250_000) }
        _exit(137)
    }
    let arguments = CommandLine.arguments
    guard let flag = arguments.firstIndex(of: "--block"), flag + 1 < arguments.count else {
        fputs("usage: \(arguments.first ?? "chapter") --block ID\n", stderr)
        exit(64)
    }
    let id = arguments[flag + 1]
    guard let body = blocks[id] else {
        fputs("no block with id '\(id)'; this chapter has: \(blocks.keys.sorted().joined(separator: ", "))\n", stderr)
        exit(64)
    }
    do {
        try body()
    } catch {
        OutputChannel.shared.send(OutputRecord(kind: .error, message: "\(type(of: error)): \(error)"))
        fflush(stdout)
        exit(1)
    }
    fflush(stdout)
    exit(0)
}
