// Math is set aside before markdown parsing, so that `_` and `*` inside a
// formula never become emphasis: each formula is replaced by a placeholder
// made of private-use characters, which markdown leaves alone, and put back
// (typeset) after rendering. Code spans, raw <code> and <pre>, and indented
// code blocks are skipped, so `$x` in code stays code.
// The same pass turns `\@` into a private-use character, so that an escaped
// `@fig-…` reaches the page as text rather than as a cross-reference.

import Foundation

/// One formula found in the prose.
public struct MathSpan: Equatable, Sendable {
    public var tex: String
    public var display: Bool
}

enum MathPlaceholder {
    static let open: Character = "\u{E000}"
    static let close: Character = "\u{E001}"

    static func text(_ index: Int) -> String {
        "\(open)\(index)\(close)"
    }
}

/// `\@` in the prose: markdown would turn it into a plain `@`, which the
/// cross-referencing pass could not tell from a reference; this character
/// stands for it until that pass is done, then becomes `@` again.
enum EscapedAt {
    static let marker: Character = "\u{E002}"

    static func restore(_ text: String) -> String {
        text.contains(marker) ? text.replacingOccurrences(of: String(marker), with: "@") : text
    }
}

enum MathExtraction {
    /// Replaces every formula in `prose` (markdown without fenced code) by a
    /// placeholder numbered from `firstIndex`; returns the new text, the
    /// formulas and, for each, the line (from 0) of `prose` where it opens.
    /// The lines in `codeLines` (from 0; an indented code block's) are copied
    /// as they are.
    static func extract(_ prose: String, firstIndex: Int, codeLines: Set<Int> = []) -> (text: String, spans: [MathSpan], lines: [Int]) {
        let characters = Array(prose)
        var output = ""
        var spans: [MathSpan] = []
        var lines: [Int] = []
        var index = 0
        // Newlines counted so far, up to `counted`: formulas come in order, so
        // each line number costs only the characters since the previous one.
        var counted = 0
        var newlines = 0

        func line(at position: Int) -> Int {
            while counted < position {
                if characters[counted] == "\n" { newlines += 1 }
                counted += 1
            }
            return newlines
        }

        func matches(_ token: String, at position: Int) -> Bool {
            var cursor = position
            for character in token {
                guard cursor < characters.count, characters[cursor] == character else { return false }
                cursor += 1
            }
            return true
        }

        // Finds `closing` after `start` without crossing a blank line (a paragraph end).
        func find(_ closing: String, from start: Int, inlineDollar: Bool = false) -> Int? {
            var cursor = start
            while cursor < characters.count {
                if characters[cursor] == "\n" {
                    var next = cursor + 1
                    while next < characters.count, characters[next] == " " || characters[next] == "\t" { next += 1 }
                    if next >= characters.count || characters[next] == "\n" { return nil }
                }
                if characters[cursor] == "\\" && !closing.hasPrefix("\\") {
                    cursor += 2
                    continue
                }
                if matches(closing, at: cursor) {
                    if inlineDollar {
                        // Pandoc's rule: no space before the closing $, no digit right after it.
                        let before = characters[cursor - 1]
                        let after = cursor + 1 < characters.count ? characters[cursor + 1] : " "
                        if before == " " || before == "\t" || before == "\n" || after.isNumber {
                            cursor += 1
                            continue
                        }
                    }
                    return cursor
                }
                cursor += 1
            }
            return nil
        }

        func take(open: String, close: String, display: Bool, inlineDollar: Bool = false) -> Bool {
            guard matches(open, at: index) else { return false }
            let start = index + open.count
            guard start < characters.count,
                  let end = find(close, from: start, inlineDollar: inlineDollar), end > start else { return false }
            let tex = String(characters[start..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !tex.isEmpty else { return false }
            output += MathPlaceholder.text(firstIndex + spans.count)
            spans.append(MathSpan(tex: tex, display: display))
            lines.append(line(at: index))
            index = end + close.count
            return true
        }

        while index < characters.count {
            if !codeLines.isEmpty, index == 0 || characters[index - 1] == "\n", codeLines.contains(line(at: index)) {
                // A line of an indented code block: code, copied through its newline.
                var end = index
                while end < characters.count, characters[end] != "\n" { end += 1 }
                end = min(end + 1, characters.count)
                output += String(characters[index..<end])
                index = end
                continue
            }
            let character = characters[index]
            // Raw HTML code (`<code>…</code>`, `<pre>…</pre>`) is code too: copied as written.
            if character == "<" {
                var copied = false
                for tag in ["code", "pre"] where matches("<" + tag, at: index) {
                    let next = index + tag.count + 1 < characters.count ? characters[index + tag.count + 1] : " "
                    guard next == ">" || next == " " || next == "\n" else { continue }
                    let closing = "</" + tag + ">"
                    var cursor = index + tag.count + 1
                    while cursor < characters.count, !matches(closing, at: cursor) { cursor += 1 }
                    guard cursor < characters.count else { continue }
                    output += String(characters[index..<(cursor + closing.count)])
                    index = cursor + closing.count
                    copied = true
                    break
                }
                if copied { continue }
            }
            if character == "`" {
                // A code span: copy it verbatim up to the matching backtick run.
                var run = 0
                while index + run < characters.count, characters[index + run] == "`" { run += 1 }
                let fence = String(repeating: "`", count: run)
                var cursor = index + run
                var closing: Int?
                while cursor < characters.count {
                    if characters[cursor] == "`" {
                        var length = 0
                        while cursor + length < characters.count, characters[cursor + length] == "`" { length += 1 }
                        if length == run { closing = cursor; break }
                        cursor += length
                    } else {
                        cursor += 1
                    }
                }
                if let closing {
                    output += String(characters[index..<(closing + run)])
                    index = closing + run
                } else {
                    output += fence
                    index += run
                }
                continue
            }
            if character == "\\" {
                if take(open: "\\\\(", close: "\\\\)", display: false) { continue }
                if take(open: "\\\\[", close: "\\\\]", display: true) { continue }
                if take(open: "\\(", close: "\\)", display: false) { continue }
                if take(open: "\\[", close: "\\]", display: true) { continue }
                if index + 1 < characters.count, characters[index + 1] == "@" {
                    output.append(EscapedAt.marker)
                    index += 2
                    continue
                }
                // Any other escape (including \$) is kept for markdown to handle.
                output.append(character)
                if index + 1 < characters.count { output.append(characters[index + 1]) }
                index += 2
                continue
            }
            if character == "$" {
                if matches("$$", at: index) {
                    if take(open: "$$", close: "$$", display: true) { continue }
                    output += "$$"
                    index += 2
                    continue
                }
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                if next != " " && next != "\t" && next != "\n",
                   take(open: "$", close: "$", display: false, inlineDollar: true) {
                    continue
                }
            }
            output.append(character)
            index += 1
        }
        return (output, spans, lines)
    }
}
