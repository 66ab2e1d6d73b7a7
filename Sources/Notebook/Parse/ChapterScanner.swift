// The first pass over a chapter: finds fenced code blocks line by line (with
// CommonMark's rules for fence length, so fences can nest), pulls out the
// executable `swift run` blocks with their options, and sets math aside.
// What is left is markdown for cmark-gfm with placeholders where blocks go.

import Foundation

/// An executable block, as written in the chapter.
public struct ExecutableBlock: Equatable, Sendable {
    /// The block's id: `//| id:`, or `block-N` counting blocks from 1.
    public var id: String
    /// Position among the chapter's executable blocks, from 0.
    public var index: Int
    /// Line of the opening fence.
    public var fenceLine: Int
    /// Line of the first line of code after the option lines.
    public var codeLine: Int
    /// The code without the option lines.
    public var code: String
    public var options: BlockOptions
}

/// A chapter after the first pass.
public struct ScannedChapter: Sendable {
    public var blocks: [ExecutableBlock]
    public var math: [MathSpan]
    /// The .md line (from 1) where each formula of `math` opens.
    public var mathLines: [Int]
    /// Markdown with `<!--tn-block:N-->` lines for blocks and placeholders for math.
    public var markdown: String
}

enum ChapterScanner {
    static func blockMarker(_ index: Int) -> String { "<!--tn-block:\(index)-->" }

    /// `html` with each block marker (and the newline after it, if any)
    /// replaced by `replacement(index)`; a marker with no replacement stays.
    static func replaceBlockMarkers(in html: String, _ replacement: (Int) -> String?) -> String {
        let prefix = "<!--tn-block:", suffix = "-->"
        var result = ""
        result.reserveCapacity(html.utf8.count)
        var rest = html[...]
        while let start = rest.range(of: prefix) {
            result += rest[..<start.lowerBound]
            let afterPrefix = rest[start.upperBound...]
            guard let end = afterPrefix.range(of: suffix), let index = Int(afterPrefix[..<end.lowerBound]),
                  let text = replacement(index) else {
                result += rest[start]
                rest = afterPrefix
                continue
            }
            result += text
            rest = afterPrefix[end.upperBound...]
            if rest.first == "\n" { rest = rest.dropFirst() }
        }
        result += rest
        return result
    }

    static func scan(_ text: String, displayPath: String) throws -> ScannedChapter {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalized.components(separatedBy: "\n")
        var blocks: [ExecutableBlock] = []
        var math: [MathSpan] = []
        var mathLines: [Int] = []
        var errors: [NotebookError] = []
        var output: [String] = []
        var prose: [String] = []
        /// The .md line (from 1) of the first line in `prose`.
        var proseLine = 1

        // Indented code blocks, whose dollars are code, not math.
        let indentedCode = Markdown.indentedCodeLines(normalized)

        func flushProse() {
            guard !prose.isEmpty else { return }
            let codeLines = Set(indentedCode.compactMap { $0 >= proseLine && $0 < proseLine + prose.count ? $0 - proseLine : nil })
            let (replaced, spans, lines) = MathExtraction.extract(prose.joined(separator: "\n"), firstIndex: math.count,
                                                                 codeLines: codeLines)
            math += spans
            mathLines += lines.map { proseLine + $0 }
            output.append(replaced)
            prose.removeAll()
        }

        var lineIndex = 0
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            guard let fence = Fence(opening: line) else {
                if prose.isEmpty { proseLine = lineIndex + 1 }
                prose.append(line)
                lineIndex += 1
                continue
            }
            flushProse()
            // Find the closing fence.
            var closeIndex: Int?
            var cursor = lineIndex + 1
            while cursor < lines.count {
                if fence.isClosed(by: lines[cursor]) { closeIndex = cursor; break }
                cursor += 1
            }
            let location = SourceLocation(file: displayPath, line: lineIndex + 1)
            guard let closeIndex else {
                errors.append(NotebookError(
                    "this code fence (\(fence.marker)) is never closed",
                    at: location,
                    hint: "add a line with \(fence.marker) after the code"))
                // Keep the rest as prose so that later problems are still reported.
                output.append(line)
                lineIndex += 1
                continue
            }
            let body = lines[(lineIndex + 1)..<closeIndex].map { fence.removeIndent($0) }
            if fence.isExecutable {
                do {
                    let block = try parseBlock(
                        body: Array(body), fenceLine: lineIndex + 1, index: blocks.count, displayPath: displayPath)
                    if blocks.contains(where: { $0.id == block.id }) {
                        errors.append(NotebookError(
                            "two blocks have the id '\(block.id)'", at: location,
                            hint: "give each block its own `//| id:`"))
                    }
                    if block.options.setup, blocks.contains(where: { $0.options.setup }) {
                        errors.append(NotebookError(
                            "a chapter can have only one setup block", at: location,
                            hint: "merge the setup blocks into one"))
                    }
                    output.append(String(repeating: " ", count: fence.indent) + blockMarker(blocks.count))
                    blocks.append(block)
                } catch let error as NotebookError {
                    errors.append(error)
                }
            } else {
                if fence.isNearlyExecutable {
                    errors.append(NotebookError(
                        "this block would only be shown: its info string is '\(fence.info)', and only `swift run` blocks run",
                        at: location,
                        hint: "write \(fence.marker)swift run (lower case, one space) to run it, or \(fence.marker)swift to only show it"))
                }
                output.append(contentsOf: lines[lineIndex...closeIndex])
            }
            lineIndex = closeIndex + 1
        }
        flushProse()
        if !errors.isEmpty { throw NotebookErrors(errors) }
        return ScannedChapter(blocks: blocks, math: math, mathLines: mathLines, markdown: output.joined(separator: "\n"))
    }

    /// `//| key:` with one of the option names: a line meant as an option,
    /// not a comment that happens to start with `//|`.
    static func isOptionLine(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("//|") else { return false }
        let rest = trimmed.dropFirst(3).drop { $0 == " " }
        guard let colon = rest.firstIndex(of: ":") else { return false }
        return BlockOptions.knownKeys.contains(rest[..<colon].trimmingCharacters(in: .whitespaces))
    }

    private static func parseBlock(body: [String], fenceLine: Int, index: Int, displayPath: String) throws -> ExecutableBlock {
        var options = BlockOptions()
        var optionCount = 0
        for line in body {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("//|") else { break }
            let location = SourceLocation(file: displayPath, line: fenceLine + 1 + optionCount)
            let pair = trimmed.dropFirst(3)
            guard let colon = pair.firstIndex(of: ":") else {
                throw NotebookError(
                    "a block option needs the form `//| key: value`", at: location,
                    hint: "write for example `//| echo: false`")
            }
            let key = pair[..<colon].trimmingCharacters(in: .whitespaces)
            var value = pair[pair.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            do {
                try options.apply(key: key, value: value)
            } catch let problem as OptionProblem {
                throw NotebookError(problem.message, at: location, hint: "fix or remove this option line")
            }
            optionCount += 1
        }
        // An option line after the code has started is a comment to Swift and
        // would be silently ignored (the id falling back to block-N).
        for (offset, line) in body.enumerated().dropFirst(optionCount) where Self.isOptionLine(line) {
            throw NotebookError(
                "this option line comes after the block's code has started, so it would be ignored",
                at: SourceLocation(file: displayPath, line: fenceLine + 1 + offset),
                hint: "move it up with the other `//|` lines, before any code, blank line or comment")
        }
        let code = body.dropFirst(optionCount).joined(separator: "\n")
        return ExecutableBlock(
            id: options.id ?? (options.setup ? "setup" : "block-\(index + 1)"),
            index: index,
            fenceLine: fenceLine,
            codeLine: fenceLine + 1 + optionCount,
            code: code,
            options: options)
    }
}

/// An opening code fence: ``` or ~~~ (3 or more), with an info string.
struct Fence {
    var character: Character
    var length: Int
    var indent: Int
    var info: String

    init?(opening line: String) {
        let indent = line.prefix { $0 == " " }.count
        // Four spaces or more make an indented code block in CommonMark, so
        // a fence there is text shown as code (an example), never a block.
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard let first = rest.first, first == "`" || first == "~" else { return nil }
        let length = rest.prefix { $0 == first }.count
        guard length >= 3 else { return nil }
        let info = rest.dropFirst(length).trimmingCharacters(in: .whitespaces)
        if first == "`" && info.contains("`") { return nil }
        self.character = first
        self.length = length
        self.indent = indent
        self.info = info
    }

    var marker: String { String(repeating: character, count: length) }

    /// `swift run`: the first word keeps GitHub highlighting the block as Swift.
    var isExecutable: Bool {
        let words = info.split(separator: " ")
        return words.count >= 2 && words[0] == "swift" && words[1] == "run"
    }

    /// An info string that looks like an attempt at `swift run` but is not
    /// one: Quarto's `{swift}`, `Swift run`, `swift-run`.
    var isNearlyExecutable: Bool {
        guard !isExecutable else { return false }
        let lowered = info.lowercased()
        let words = lowered.split(separator: " ")
        return lowered.hasPrefix("{swift") || words.first?.filter(\.isLetter) == "swiftrun"
            || words.prefix(2).joined().filter(\.isLetter) == "swiftrun"
    }

    func isClosed(by line: String) -> Bool {
        // As in CommonMark: a closing fence is indented at most three spaces.
        guard line.prefix(while: { $0 == " " }).count <= 3 else { return false }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count >= length && trimmed.allSatisfy { $0 == character }
    }

    /// Removes up to the fence's own indentation, as CommonMark does.
    func removeIndent(_ line: String) -> String {
        let spaces = min(indent, line.prefix { $0 == " " }.count)
        return String(line.dropFirst(spaces))
    }
}
