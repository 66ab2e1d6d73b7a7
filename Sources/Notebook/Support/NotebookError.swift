// Errors that name the place to fix: `chapters/FILE.md:LINE` (or the flag)
// followed by what is wrong and how to fix it.

/// Where in the author's input a problem is.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The path as the author knows it, e.g. `chapters/intro.md`.
    public var file: String
    public var line: Int?

    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    public var description: String {
        line.map { "\(file):\($0)" } ?? file
    }
}

/// A problem in the author's input or environment, with a hint for the fix.
public struct NotebookError: Error, CustomStringConvertible, Sendable {
    public var location: SourceLocation?
    public var message: String
    public var hint: String?

    public init(_ message: String, at location: SourceLocation? = nil, hint: String? = nil) {
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = location.map { "\($0): error: \(message)" } ?? "error: \(message)"
        if let hint { text += "\n  fix: \(hint)" }
        return text
    }
}

/// Several independent problems found in one pass, reported together so the
/// author can fix them all before the next build.
public struct NotebookErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [NotebookError]

    public init(_ errors: [NotebookError]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
