// A small lexer over a block's Swift code, run before the chapter is
// compiled. Every block of a chapter goes into one generated file, so one
// unbalanced bracket, unclosed string or comment would make the compiler fail
// on the generated wrapper (and so every block) at a line of that file; found
// here, it is reported at the chapter's line and only its block is left out.
// The lexer knows just enough Swift to tell brackets in code from brackets in
// comments (`//`, nested `/* */`), string literals ("…" with escapes and
// `\( … )` interpolation, multi-line `"""`, raw `#"…"#`), extended regex
// literals (`#/…/#`) and backquoted names. Bare `/…/` regex literals are not
// known: blocks compile in the Swift 5 language mode, where they are off. It
// also finds the lines that start with an `import`, which a block (a function
// body) cannot hold.

/// A problem in a block's code, at a line counted from 0 within the code.
struct CodeProblem: Equatable, Sendable {
    var line: Int
    var message: String
    /// For a closing bracket of the wrong kind: the line of the bracket it meets.
    var openedAt: Int?
    var hint: String

    init(line: Int, message: String, openedAt: Int? = nil, hint: String) {
        self.line = line
        self.message = message
        self.openedAt = openedAt
        self.hint = hint
    }

    /// The message with lines counted in the chapter, where the code starts at `firstLine`.
    func message(firstLine: Int) -> String {
        openedAt.map { "\(message) opened at line \(firstLine + $0)" } ?? message
    }
}

/// An `import` declaration at the start of a line of code.
struct ImportLine: Equatable, Sendable {
    /// Line within the code, from 0.
    var line: Int
    /// The declaration as written, e.g. `@preconcurrency import Dispatch`.
    var declaration: String
    /// The top-level module it imports, e.g. `Foundation` for `import Foundation.NSData`.
    var module: String
}

enum BlockSyntax {
    /// The first bracket, string, comment or `#if` problem of `code`, if any.
    /// Code under `#if swift(…)` or `#if compiler(…)` may be for another
    /// compiler, which Swift does not parse when the condition is false; such
    /// a block is left to the compiler.
    static func structuralProblem(in code: String) -> CodeProblem? {
        if code.contains("swift(") || code.contains("compiler(") {
            let versioned = code.split(separator: "\n").contains { line in
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                return (trimmed.hasPrefix("#if") || trimmed.hasPrefix("#elseif"))
                    && (trimmed.contains("swift(") || trimmed.contains("compiler("))
            }
            if versioned { return nil }
        }
        var lexer = Lexer(Array(code.utf8))
        return lexer.run()
    }

    /// The import declarations of `code` with the `#if`, `#elseif`, `#else`
    /// and `#endif` lines among them, in order: what another file needs to
    /// import what this code imports (`#if os(Linux)` / `import Glibc` / …).
    static func importsWithConditions(in code: String) -> [(line: Int, text: String, isImport: Bool)] {
        var lexer = Lexer(Array(code.utf8))
        _ = lexer.run()
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        var found: [(line: Int, text: String, isImport: Bool)] = []
        for number in lexer.linesStartingInCode.sorted() where number < lines.count {
            let text = String(lines[number])
            if let declaration = importDeclaration(text) {
                found.append((number, declaration.declaration, true))
                continue
            }
            let trimmed = text.drop { $0 == " " || $0 == "\t" }
            let word = trimmed.prefix { !($0 == " " || $0 == "\t" || $0 == "(") }
            if ["#if", "#elseif", "#else", "#endif"].contains(String(word)) {
                found.append((number, String(trimmed), false))
            }
        }
        return found
    }

    /// The `import` declarations that begin a line of code (not inside a
    /// comment or a string). Lines after a structural problem are not looked at.
    static func imports(in code: String) -> [ImportLine] {
        var lexer = Lexer(Array(code.utf8))
        _ = lexer.run()
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        return lexer.linesStartingInCode.sorted().compactMap { number in
            guard number < lines.count else { return nil }
            return importDeclaration(String(lines[number])).map {
                ImportLine(line: number, declaration: $0.declaration, module: $0.module)
            }
        }
    }

    /// `line` read as an import declaration: optional attributes, `import`,
    /// an optional kind (`struct`, `func`, …) and a dotted module path.
    static func importDeclaration(_ line: String) -> (declaration: String, module: String)? {
        var rest = Substring(line).drop { $0 == " " || $0 == "\t" }
        let start = rest.startIndex
        // Attributes such as @testable, @_exported or @preconcurrency.
        while rest.first == "@" {
            rest = rest.dropFirst().drop { $0.isLetter || $0.isNumber || $0 == "_" }
            if rest.first == "(", let close = rest.firstIndex(of: ")") {
                rest = rest[rest.index(after: close)...]
            }
            rest = rest.drop { $0 == " " || $0 == "\t" }
        }
        guard rest.hasPrefix("import") else { return nil }
        rest = rest.dropFirst("import".count)
        guard let space = rest.first, space == " " || space == "\t" else { return nil }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        let kinds = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]
        if let kind = kinds.first(where: { rest.hasPrefix($0 + " ") }) {
            rest = rest.dropFirst(kind.count).drop { $0 == " " || $0 == "\t" }
        }
        let path = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        guard let first = path.first, first.isLetter || first == "_" else { return nil }
        let module = String(path.prefix { $0 != "." })
        return (String(line[start..<path.endIndex]), module)
    }
}

private let newline = UInt8(ascii: "\n"), backslash = UInt8(ascii: "\\"), quote = UInt8(ascii: "\"")
private let hash = UInt8(ascii: "#"), slash = UInt8(ascii: "/"), star = UInt8(ascii: "*")
private let backquote = UInt8(ascii: "`"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

private struct Lexer {
    /// What the lexer is inside: code (the block, or an interpolation), or a string.
    enum Mode {
        case code
        case string(hashes: Int, multiLine: Bool, line: Int)
    }

    /// An open bracket; `interpolation` marks the `(` of a `\(` in a string.
    struct Open {
        var byte: UInt8
        var line: Int
        var interpolation: Bool
    }

    let bytes: [UInt8]
    var index = 0
    var line = 0
    var modes: [Mode] = [.code]
    var open: [Open] = []
    /// Open `#if` directives, by line.
    var conditions: [Int] = []
    /// True until something other than blanks is met on the current line.
    var atLineStart = true
    /// Lines whose first character is read in code (not in a string or comment).
    var linesStartingInCode: Set<Int> = [0]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func byte(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// The number of `#` from `offset` on.
    func hashes(from offset: Int) -> Int {
        var count = 0
        while byte(offset + count) == hash { count += 1 }
        return count
    }

    func restOfLineIsBlank(from offset: Int) -> Bool {
        var position = index + offset
        while position < bytes.count && bytes[position] != newline {
            guard bytes[position] == space || bytes[position] == tab || bytes[position] == UInt8(ascii: "\r") else { return false }
            position += 1
        }
        return true
    }

    mutating func nextLine() {
        line += 1
        atLineStart = true
    }

    mutating func run() -> CodeProblem? {
        while index < bytes.count {
            let problem: CodeProblem?
            switch modes.last! {
            case .code:
                problem = code()
            case let .string(hashes, multiLine, startLine):
                problem = string(hashes: hashes, multiLine: multiLine, startLine: startLine)
            }
            if let problem { return problem }
        }
        if case let .string(hashes, multiLine, startLine) = modes.last! {
            let closing = (multiLine ? "\"\"\"" : "\"") + String(repeating: "#", count: hashes)
            return CodeProblem(
                line: startLine, message: "this \(multiLine ? "multi-line string" : "string") is never closed",
                hint: "end it with \(closing)")
        }
        if let last = open.last {
            let closer = Self.closer(of: last.byte)
            return CodeProblem(
                line: last.line, message: "this '\(Self.text(last.byte))' is never closed",
                hint: "add the missing '\(closer)' (or remove this '\(Self.text(last.byte))')")
        }
        if let last = conditions.last {
            return CodeProblem(line: last, message: "this '#if' is never closed", hint: "add the missing #endif")
        }
        return nil
    }

    static func closer(of opener: UInt8) -> String {
        switch opener {
        case UInt8(ascii: "("): return ")"
        case UInt8(ascii: "["): return "]"
        default: return "}"
        }
    }

    static func text(_ byte: UInt8) -> String { String(UnicodeScalar(byte)) }

    /// Reads one token (or skips one comment) of code.
    mutating func code() -> CodeProblem? {
        let current = bytes[index]
        if current == newline {
            index += 1
            nextLine()
            linesStartingInCode.insert(line)
            return nil
        }
        let lineStart = atLineStart
        if current != space && current != tab { atLineStart = false }
        switch current {
        case slash where byte(1) == slash:
            while index < bytes.count && bytes[index] != newline { index += 1 }
        case slash where byte(1) == star:
            return blockComment()
        case quote, hash:
            let count = current == hash ? hashes(from: 0) : 0
            if byte(count) == quote {
                // `"""` opens a multi-line string only when the line ends there;
                // `#"""#` is a raw string holding one quote.
                let multiLine = byte(count + 1) == quote && byte(count + 2) == quote && restOfLineIsBlank(from: count + 3)
                modes.append(.string(hashes: count, multiLine: multiLine, line: line))
                index += count + (multiLine ? 3 : 1)
            } else if count > 0, byte(count) == slash {
                regex(hashes: count)
            } else if count > 0 {
                return directive(atLineStart: lineStart)
            } else {
                index += 1
            }
        case backquote:
            // A backquoted name, such as `class` or a raw identifier with spaces.
            var end = index + 1
            while end < bytes.count && bytes[end] != backquote && bytes[end] != newline { end += 1 }
            index = end < bytes.count && bytes[end] == backquote ? end + 1 : index + 1
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            open.append(Open(byte: current, line: line, interpolation: false))
            index += 1
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            return close(current)
        default:
            index += 1
        }
        return nil
    }

    mutating func close(_ closer: UInt8) -> CodeProblem? {
        let name = Self.text(closer)
        guard let last = open.last else {
            let opener = name == ")" ? "(" : name == "]" ? "[" : "{"
            return CodeProblem(
                line: line, message: "this '\(name)' closes nothing",
                hint: "remove it, or add the '\(opener)' it should close")
        }
        guard Self.closer(of: last.byte) == name else {
            return CodeProblem(
                line: line,
                message: "'\(name)' closes the '\(Self.text(last.byte))'", openedAt: last.line,
                hint: "close the '\(Self.text(last.byte))' with '\(Self.closer(of: last.byte))' first")
        }
        open.removeLast()
        index += 1
        if last.interpolation { modes.removeLast() }
        return nil
    }

    /// `/* … */`, which nests in Swift.
    mutating func blockComment() -> CodeProblem? {
        let startLine = line
        var depth = 0
        while index < bytes.count {
            if bytes[index] == slash && byte(1) == star {
                depth += 1
                index += 2
            } else if bytes[index] == star && byte(1) == slash {
                depth -= 1
                index += 2
                if depth == 0 { return nil }
            } else {
                if bytes[index] == newline { nextLine() }
                index += 1
            }
        }
        return CodeProblem(line: startLine, message: "this comment (/*) is never closed", hint: "end it with */")
    }

    /// `#/ … /#`: skipped whole, since its brackets are the regex's own.
    mutating func regex(hashes count: Int) {
        var end = index + count + 1
        while end < bytes.count {
            if bytes[end] == slash {
                var closing = 0
                while closing < count && end + 1 + closing < bytes.count && bytes[end + 1 + closing] == hash { closing += 1 }
                if closing == count { break }
            }
            end += 1
        }
        guard end < bytes.count else {
            // Not a regex after all: step over the first '#'.
            index += 1
            return
        }
        for position in index..<end where bytes[position] == newline { nextLine() }
        index = end + 1 + count
    }

    /// `#if`, `#elseif`, `#else` and `#endif` at the start of a line; other `#names` are skipped.
    mutating func directive(atLineStart: Bool) -> CodeProblem? {
        var end = index + 1
        while end < bytes.count, bytes[end] == UInt8(ascii: "_") || (bytes[end] | 0x20 >= UInt8(ascii: "a") && bytes[end] | 0x20 <= UInt8(ascii: "z")) {
            end += 1
        }
        let name = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        index = end
        guard atLineStart else { return nil }
        switch name {
        case "if":
            conditions.append(line)
        case "elseif", "else", "endif":
            guard !conditions.isEmpty else {
                return CodeProblem(line: line, message: "this '#\(name)' has no '#if'", hint: "remove it, or add the #if it belongs to")
            }
            if name == "endif" { conditions.removeLast() }
        default:
            break
        }
        return nil
    }

    /// One character (or escape, or delimiter) inside a string literal.
    mutating func string(hashes count: Int, multiLine: Bool, startLine: Int) -> CodeProblem? {
        let current = bytes[index]
        if current == backslash && hashes(from: 1) >= count {
            // An escape (in a raw string, only `\` followed by its own number of `#`).
            let after = byte(1 + count)
            if after == UInt8(ascii: "(") {
                open.append(Open(byte: UInt8(ascii: "("), line: line, interpolation: true))
                modes.append(.code)
                index += 2 + count
                return nil
            }
            if after == newline { nextLine() }
            index += after == nil ? 1 + count : 2 + count
            return nil
        }
        if current == quote {
            let quotes = multiLine ? 3 : 1
            if (0..<quotes).allSatisfy({ byte($0) == quote }) && hashes(from: quotes) >= count {
                modes.removeLast()
                index += quotes + count
                return nil
            }
        }
        if current == newline {
            if !multiLine {
                return CodeProblem(
                    line: startLine, message: "this string is never closed",
                    hint: "end it with \(String(repeating: "#", count: count))\"\(String(repeating: "#", count: count)) on the same line, or use a multi-line string (\"\"\")")
            }
            nextLine()
        }
        index += 1
        return nil
    }
}
