// Safe writes: every file the build produces is written to a temporary file
// in the same folder and renamed over the target, so a build killed at any
// moment leaves either the old file or the new one, never half of one.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating parent folders as needed.
    public static func write(_ data: Data, to url: URL) throws {
        // An interruption waits for a write under way to finish, and none
        // starts after it (see Interruption).
        Interruption.beginWrite()
        defer { Interruption.endWrite() }
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw NotebookError("cannot write \(temporary.path)", hint: "check that the folder is writable")
        }
        // fsync before rename so that a power cut cannot leave an empty file.
        let descriptor = open(temporary.path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw NotebookError("cannot replace \(url.path): \(reason)")
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Writes only when the content differs, so unchanged pages keep their
    /// modification time and a no-change rebuild touches nothing.
    @discardableResult
    public static func writeIfChanged(_ text: String, to url: URL) throws -> Bool {
        let data = Data(text.utf8)
        if let existing = try? Data(contentsOf: url), existing == data { return false }
        try write(data, to: url)
        return true
    }
}

/// An exclusive lock on a file, so that two builds of the same project are
/// serialised: the second one refuses with a message naming the first.
public final class BuildLock {
    private let descriptor: Int32

    public init(at url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        descriptor = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw NotebookError("cannot open the build lock \(url.path)")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOf: url, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw NotebookError(
                "another tn build is running (process \(holder)) in this project",
                hint: "wait for it to finish, or stop it, then build again")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
