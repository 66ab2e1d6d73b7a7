// Syntax highlighting at build time: the site's code blocks leave the build
// as HTML with their tokens in spans, so pages need no highlighting script,
// read the same with JavaScript off, and print highlighted. The spans carry
// highlight.js's class names (hljs-keyword, hljs-string, …), which the site's
// stylesheet colours for both themes.
//
// Swift gets a lexer of its own: comments (nested block comments included),
// string literals with escapes, raw delimiters (#"…"#), multi-line literals
// and interpolations (whose code is highlighted in turn), numbers in every
// base, keywords, attributes and compiler directives, type names (a capital
// first letter) and the names that `func` declares. Shell gets comments,
// quoted strings, variables and its keywords. Any other language is escaped
// and left plain.

enum SyntaxHighlighter {
    /// `code` as HTML (escaped, tokens in spans) for `language`, or nil for a
    /// language it does not highlight.
    static func html(_ code: String, language: String) -> String? {
        switch language.lowercased() {
        case "swift":
            var lexer = SwiftLexer(Array(code.unicodeScalars))
            return lexer.html()
        case "sh", "bash", "shell", "console":
            var lexer = ShellLexer(Array(code.unicodeScalars))
            return lexer.html()
        default: return nil
        }
    }

    /// cmark's `<pre><code class="language-X">…</code></pre>` blocks, highlighted.
    static func highlightCodeBlocks(in html: String) -> String {
        let opening = "<pre><code class=\"language-"
        guard html.contains(opening) else { return html }
        var result = ""
        var rest = html[...]
        while let start = rest.range(of: opening) {
            result += rest[..<start.lowerBound]
            let afterOpening = rest[start.upperBound...]
            guard let quote = afterOpening.firstIndex(of: "\""),
                  let tagEnd = afterOpening[quote...].firstIndex(of: ">"),
                  let close = afterOpening[tagEnd...].range(of: "</code></pre>") else {
                result += rest[start.lowerBound...]
                return result
            }
            let language = String(afterOpening[..<quote])
            let escaped = String(afterOpening[afterOpening.index(after: tagEnd)..<close.lowerBound])
            let tag = String(rest[start.lowerBound...tagEnd])
            if let highlighted = Self.html(HTMLText.unescape(escaped), language: language) {
                result += tag + highlighted + "</code></pre>"
            } else {
                result += tag + escaped + "</code></pre>"
            }
            rest = afterOpening[close.upperBound...]
        }
        return result + rest
    }

}

/// Text of unicode scalars, escaped for HTML, with spans.
private struct HTMLBuilder {
    var text = ""

    mutating func plain<S: Sequence>(_ scalars: S) where S.Element == Unicode.Scalar {
        for scalar in scalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    mutating func span<S: Sequence>(_ kind: String, _ scalars: S) where S.Element == Unicode.Scalar {
        text += "<span class=\"hljs-\(kind)\">"
        plain(scalars)
        text += "</span>"
    }
}

/// A lexer's reading position in its source, and what it has written.
private protocol ScalarLexer {
    var source: [Unicode.Scalar] { get }
    var position: Int { get }
}

extension ScalarLexer {
    /// The scalar `offset` after the position (before it, if negative), or nil past the end.
    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < source.count ? source[position + offset] : nil
    }

    /// Whether the source has `text` at the position.
    func startsWith(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard position + scalars.count <= source.count else { return false }
        return Array(source[position..<(position + scalars.count)]) == scalars
    }
}

private func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "_" || scalar.properties.isAlphabetic
}

private func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
    isIdentifierStart(scalar) || ("0"..."9").contains(scalar) || scalar.properties.generalCategory == .nonspacingMark
}

private func isDigit(_ scalar: Unicode.Scalar, base: Int) -> Bool {
    switch base {
    case 2: return scalar == "0" || scalar == "1"
    case 8: return ("0"..."7").contains(scalar)
    case 16: return ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    default: return ("0"..."9").contains(scalar)
    }
}

private struct SwiftLexer: ScalarLexer {
    static let keywords: Set<String> = [
        "actor", "any", "as", "associatedtype", "async", "await", "borrowing", "break", "case", "catch", "class",
        "consuming", "continue", "convenience", "default", "defer", "deinit", "didSet", "do", "dynamic", "else", "enum",
        "extension", "fallthrough", "fileprivate", "final", "for", "func", "guard", "if", "import", "in", "indirect",
        "init", "inout", "internal", "is", "lazy", "let", "macro", "mutating", "nonisolated", "nonmutating", "open",
        "operator", "override", "package", "precedencegroup", "private", "protocol", "public", "repeat", "required",
        "rethrows", "return", "self", "Self", "some", "static", "struct", "subscript", "super", "switch", "throw",
        "throws", "try", "typealias", "unowned", "var", "weak", "where", "while", "willSet",
    ]
    static let literals: Set<String> = ["true", "false", "nil"]
    /// Keywords after which a name is being declared (a function's name is a title).
    static let declaring: Set<String> = ["func"]

    let source: [Unicode.Scalar]
    var position = 0
    var output = HTMLBuilder()

    init(_ source: [Unicode.Scalar]) { self.source = source }

    mutating func html() -> String {
        lexCode(untilClosingParenthesis: false)
        return output.text
    }

    /// Code up to the end, or (in an interpolation) up to the `)` that closes
    /// it, which is left for the caller.
    mutating func lexCode(untilClosingParenthesis: Bool) {
        var depth = 0
        var lastWord = ""
        while let scalar = peek() {
            if untilClosingParenthesis {
                if scalar == "(" { depth += 1 }
                if scalar == ")" {
                    if depth == 0 { return }
                    depth -= 1
                }
            }
            if startsWith("//") {
                let start = position
                while let next = peek(), next != "\n" { _ = next; position += 1 }
                output.span("comment", source[start..<position])
            } else if startsWith("/*") {
                lexBlockComment()
            } else if scalar == "\"" || (scalar == "#" && rawStringDelimiter() != nil) {
                lexString()
                lastWord = ""
            } else if isDigit(scalar, base: 10) {
                lexNumber()
                lastWord = ""
            } else if isIdentifierStart(scalar) {
                let start = position
                while let next = peek(), isIdentifierPart(next) { position += 1 }
                let word = String(String.UnicodeScalarView(source[start..<position]))
                if Self.keywords.contains(word) {
                    output.span("keyword", source[start..<position])
                } else if Self.literals.contains(word) {
                    output.span("literal", source[start..<position])
                } else if Self.declaring.contains(lastWord) {
                    output.span("title", source[start..<position])
                } else if let first = word.unicodeScalars.first, first.properties.isUppercase {
                    output.span("type", source[start..<position])
                } else {
                    output.plain(source[start..<position])
                }
                lastWord = word
            } else if scalar == "$", let next = peek(1), isIdentifierPart(next) {
                // $0, $1 (closure arguments), $name (a property wrapper's projection): plain, one token.
                let start = position
                position += 1
                while let part = peek(), isIdentifierPart(part) { position += 1 }
                output.plain(source[start..<position])
                lastWord = ""
            } else if scalar == "`" {
                // `default` used as a name: plain, backticks included.
                let start = position
                position += 1
                while let next = peek(), next != "`", next != "\n" { position += 1 }
                if peek() == "`" { position += 1 }
                output.plain(source[start..<position])
                lastWord = ""
            } else if (scalar == "@" || scalar == "#"), let next = peek(1), isIdentifierStart(next) {
                // @attribute, #if / #sourceLocation / #filePath.
                let start = position
                position += 1
                while let next = peek(), isIdentifierPart(next) { position += 1 }
                output.span("meta", source[start..<position])
                lastWord = ""
            } else {
                output.plain([scalar])
                position += 1
                if !scalar.properties.isWhitespace { lastWord = "" }
            }
        }
    }

    mutating func lexBlockComment() {
        let start = position
        var depth = 0
        while position < source.count {
            if startsWith("/*") {
                depth += 1
                position += 2
            } else if startsWith("*/") {
                depth -= 1
                position += 2
                if depth == 0 { break }
            } else {
                position += 1
            }
        }
        output.span("comment", source[start..<position])
    }

    /// The number of `#` before a string's opening quote, if they start one.
    func rawStringDelimiter() -> Int? {
        var count = 0
        while peek(count) == "#" { count += 1 }
        return peek(count) == "\"" ? count : nil
    }

    /// A string literal: "…", """…""" and their raw forms, with `\(…)`
    /// interpolations (`\#(…)` in a raw string) highlighted as code.
    mutating func lexString() {
        let hashes = rawStringDelimiter() ?? 0
        var start = position
        position += hashes
        let multiline = startsWith("\"\"\"")
        position += multiline ? 3 : 1
        let closing = (multiline ? "\"\"\"" : "\"") + String(repeating: "#", count: hashes)
        let escape = "\\" + String(repeating: "#", count: hashes)
        output.text += "<span class=\"hljs-string\">"
        while position < source.count {
            if startsWith(closing) {
                position += closing.unicodeScalars.count
                break
            }
            if !multiline && peek() == "\n" { break }  // an unterminated literal ends with its line
            if startsWith(escape) {
                let afterEscape = position + escape.unicodeScalars.count
                if afterEscape < source.count && source[afterEscape] == "(" {
                    output.plain(source[start..<afterEscape])
                    output.text += "<span class=\"hljs-subst\">"
                    output.plain(["("])
                    position = afterEscape + 1
                    lexCode(untilClosingParenthesis: true)
                    if peek() == ")" {
                        output.plain([")"])
                        position += 1
                    }
                    output.text += "</span>"
                    start = position
                    continue
                }
                // \n, \", \\, \u{…}: the escape and the character after it.
                position = min(afterEscape + 1, source.count)
                continue
            }
            position += 1
        }
        output.plain(source[start..<position])
        output.text += "</span>"
    }

    mutating func lexNumber() {
        let start = position
        var base = 10
        if peek() == "0", let prefix = peek(1), ["x", "o", "b"].contains(prefix), let digit = peek(2),
           isDigit(digit, base: prefix == "x" ? 16 : prefix == "o" ? 8 : 2) {
            base = prefix == "x" ? 16 : prefix == "o" ? 8 : 2
            position += 2
        }
        func digits() { while let next = peek(), isDigit(next, base: base) || next == "_" { position += 1 } }
        digits()
        // A fraction needs a digit after the point (1...3 is a range, x.0 a tuple element).
        if base == 10 || base == 16, peek() == ".", let next = peek(1), isDigit(next, base: base) {
            position += 1
            digits()
        }
        if let marker = peek(), (base == 10 && (marker == "e" || marker == "E")) || (base == 16 && (marker == "p" || marker == "P")) {
            var offset = 1
            if peek(1) == "+" || peek(1) == "-" { offset = 2 }
            if let digit = peek(offset), isDigit(digit, base: 10) {
                position += offset
                while let next = peek(), isDigit(next, base: 10) || next == "_" { position += 1 }
            }
        }
        output.span("number", source[start..<position])
    }
}

private struct ShellLexer: ScalarLexer {
    static let keywords: Set<String> = [
        "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in", "function",
        "return", "export", "local", "set", "unset", "exit",
    ]

    let source: [Unicode.Scalar]
    var position = 0
    var output = HTMLBuilder()

    init(_ source: [Unicode.Scalar]) { self.source = source }

    mutating func html() -> String {
        var atWordStart = true
        while let scalar = peek() {
            if scalar == "#" && atWordStart {
                let start = position
                while let next = peek(), next != "\n" { _ = next; position += 1 }
                output.span("comment", source[start..<position])
            } else if scalar == "'" {
                let start = position
                position += 1
                while let next = peek(), next != "'" { _ = next; position += 1 }
                position = min(position + 1, source.count)
                output.span("string", source[start..<position])
            } else if scalar == "\"" {
                lexDoubleQuoted()
            } else if scalar == "$" {
                lexVariable()
            } else if atWordStart && (isIdentifierStart(scalar)) {
                let start = position
                while let next = peek(), isIdentifierPart(next) || next == "-" { position += 1 }
                let word = String(String.UnicodeScalarView(source[start..<position]))
                if Self.keywords.contains(word) { output.span("keyword", source[start..<position]) } else { output.plain(source[start..<position]) }
            } else {
                output.plain([scalar])
                position += 1
            }
            atWordStart = position == 0 || peek(-1).map { $0.properties.isWhitespace || ";|&(".unicodeScalars.contains($0) } ?? true
        }
        return output.text
    }

    /// "…" with its $variables marked inside.
    mutating func lexDoubleQuoted() {
        output.text += "<span class=\"hljs-string\">"
        var start = position
        position += 1
        while let scalar = peek(), scalar != "\"" {
            if scalar == "\\" {
                position = min(position + 2, source.count)
            } else if scalar == "$" {
                output.plain(source[start..<position])
                lexVariable()
                start = position
            } else {
                position += 1
            }
        }
        position = min(position + 1, source.count)
        output.plain(source[start..<position])
        output.text += "</span>"
    }

    /// $NAME, ${…}, $1, $?, $(…) (the opening only).
    mutating func lexVariable() {
        let start = position
        position += 1
        if peek() == "{" {
            while let next = peek(), next != "}" { _ = next; position += 1 }
            position = min(position + 1, source.count)
        } else if let next = peek(), isIdentifierStart(next) {
            while let part = peek(), isIdentifierPart(part) { position += 1 }
        } else if let next = peek(), "0123456789?@#*$!-".unicodeScalars.contains(next) {
            position += 1
        }
        if position - start > 1 { output.span("variable", source[start..<position]) } else { output.plain(source[start..<position]) }
    }
}
