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

    /// The out folder as the author gave it (`output`, `chapters/_site`).
    public var outputDisplay: String { outputFolder.relativePath }

    /// The command that brings the frozen results of these folders up to
    /// date: `tn build`, with `--chapters`, `--out` and `--quick` as given.
    public var rebuildCommand: String {
        var words = ["tn", "build"]
        if chaptersDisplay != "chapters" { words += ["--chapters", Self.shellQuoted(chaptersDisplay)] }
        if outputDisplay != "output" { words += ["--out", Self.shellQuoted(outputDisplay)] }
        if quick { words.append("--quick") }
        return words.joined(separator: " ")
    }

    /// The line `tn build --check` prints above the stale results it lists.
    public func staleResultsHeading(count: Int) -> String {
        "Stale frozen results (\(count)); run `\(rebuildCommand)` and commit \(outputDisplay)/_freeze:"
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+,:@".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Default timeout per block: 600 s at full scale, as the issue asks; quick runs are cut to 120 s.
    var defaultTimeout: Double { quick ? 120 : 600 }
}

public struct BuildReport: Sendable {
    /// "chapters/x.md:LINE block-id" of each block run, reused, or stale; a
    /// stale entry may also be a frozen result no block reads any more
    /// ("output/_freeze/x/id.full.json (why)").
    public var executed: [String] = []
    public var reused: [String] = []
    public var stale: [String] = []
    /// Blocks that failed without `error: expected`.
    public var failures: [String] = []
    /// Broken links and other problems found while rendering.
    public var errors: [NotebookError] = []
    /// Files of the out folder that a full build removed because it no
    /// longer makes them (pages, CSV files, frozen results, copies of
    /// chapter files), relative to the out folder.
    public var removed: [String] = []
    public var pagesWritten = 0
    public var compileSeconds = 0.0
    public var chaptersCompiled = 0
    public var totalSeconds = 0.0

    /// The exit status `tn build` should return.
    public var succeeded: Bool { failures.isEmpty && errors.isEmpty && stale.isEmpty }
}
