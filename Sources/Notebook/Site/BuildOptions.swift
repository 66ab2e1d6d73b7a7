// What `tn build` was asked to do, and what it did.
import Foundation

public struct BuildOptions: Sendable {
    /// The chapters folder, and how errors should name it (as the author typed it).
    public var chaptersFolder: URL
    public var chaptersDisplay: String
    public var outputFolder: URL
    /// Compiled chapters, block scratch files, the math cache and the lock.
    public var cacheFolder: URL
    public var quick = false
    public var refresh = false
    public var check = false
    /// Execute only this chapter (file name with or without .md).
    public var only: String?
    public var backend = "auto"
    /// Progress lines for the terminal.
    public var log: @Sendable (String) -> Void = { _ in }

    public init(chaptersFolder: URL, chaptersDisplay: String, outputFolder: URL, cacheFolder: URL) {
        self.chaptersFolder = chaptersFolder
        self.chaptersDisplay = chaptersDisplay
        self.outputFolder = outputFolder
        self.cacheFolder = cacheFolder
    }

    public var scale: String { quick ? "quick" : "full" }

    /// Default timeout per block: 600 s at full scale, as the issue asks; quick runs are cut to 120 s.
    var defaultTimeout: Double { quick ? 120 : 600 }
}

public struct BuildReport: Sendable {
    /// "chapters/x.md:LINE block-id" of each block run, reused, or stale.
    public var executed: [String] = []
    public var reused: [String] = []
    public var stale: [String] = []
    /// Blocks that failed without `error: expected`.
    public var failures: [String] = []
    /// Broken links and other problems found while rendering.
    public var errors: [NotebookError] = []
    public var pagesWritten = 0
    public var compileSeconds = 0.0
    public var chaptersCompiled = 0
    public var totalSeconds = 0.0

    /// The exit status `tn build` should return.
    public var succeeded: Bool { failures.isEmpty && errors.isEmpty && stale.isEmpty }
}
