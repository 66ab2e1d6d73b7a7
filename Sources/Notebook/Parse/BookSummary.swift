// chapters/SUMMARY.md gives the order of the chapters, as in mdBook: a list of
// links to chapter files, which can be nested. Everything else in it is ignored.
import Foundation

/// One chapter in reading order.
public struct SummaryEntry: Equatable, Sendable {
    /// Path relative to the chapters folder, e.g. `training/loss.md`.
    public var path: String
    /// The link text in SUMMARY.md (the page title comes from the file's first heading).
    public var label: String
    /// Nesting depth: 0 for top-level items.
    public var depth: Int
    public var line: Int
}

public enum BookSummary {
    /// Section numbers for entries in reading order, as mdBook gives them:
    /// "1", "2", then "2.1", "2.2" for the chapters nested under the second.
    /// A level skipped in the nesting counts as 1.
    public static func sectionNumbers(_ entries: [SummaryEntry]) -> [String] {
        var counters: [Int] = []
        return entries.map { entry in
            let depth = max(entry.depth, 0)
            if counters.count > depth + 1 { counters.removeLast(counters.count - depth - 1) }
            while counters.count < depth + 1 { counters.append(counters.count == depth ? 0 : 1) }
            counters[depth] += 1
            return counters.map(String.init).joined(separator: ".")
        }
    }

    /// Parses SUMMARY.md. `displayPath` is how errors name the file.
    public static func parse(_ text: String, displayPath: String) throws -> [SummaryEntry] {
        var entries: [SummaryEntry] = []
        var errors: [NotebookError] = []
        var seen: [String: Int] = [:]
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let indent = rawLine.prefix { $0 == " " || $0 == "\t" }
                .reduce(0) { $0 + ($1 == "\t" ? 4 : 1) }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ")
                || line.first?.isNumber == true && line.contains(". ") else { continue }
            guard let open = line.range(of: "]("), let labelStart = line.firstIndex(of: "["),
                  let close = line[open.upperBound...].firstIndex(of: ")") else {
                errors.append(NotebookError(
                    "this list item has no link to a chapter",
                    at: SourceLocation(file: displayPath, line: lineNumber),
                    hint: "write it as `- [Title](file.md)`"))
                continue
            }
            let label = String(line[line.index(after: labelStart)..<open.lowerBound])
            var target = String(line[open.upperBound..<close])
            // `./intro.md` (as `mdbook init` writes it) is intro.md: one name per
            // chapter for its page, its data and its frozen results.
            while target.hasPrefix("./") { target.removeFirst(2) }
            if target.isEmpty {
                // mdBook's draft chapters: a title with no file yet.
                continue
            }
            if target.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                errors.append(NotebookError(
                    "'\(target)' leaves the chapters folder or is not a plain path",
                    at: SourceLocation(file: displayPath, line: lineNumber),
                    hint: "keep every chapter inside the chapters folder and link to it by its path there, without . or .."))
                continue
            }
            guard target.hasSuffix(".md"), !target.contains("://"), !target.hasPrefix("/") else {
                errors.append(NotebookError(
                    "'\(target)' is not a chapter file",
                    at: SourceLocation(file: displayPath, line: lineNumber),
                    hint: "link to a .md file relative to the chapters folder"))
                continue
            }
            if let previous = seen[target] {
                errors.append(NotebookError(
                    "'\(target)' is listed twice (first at line \(previous))",
                    at: SourceLocation(file: displayPath, line: lineNumber),
                    hint: "list each chapter once"))
                continue
            }
            seen[target] = lineNumber
            entries.append(SummaryEntry(path: target, label: label, depth: indent / 2, line: lineNumber))
        }
        if !errors.isEmpty { throw NotebookErrors(errors) }
        if entries.isEmpty {
            throw NotebookError(
                "no chapters are listed", at: SourceLocation(file: displayPath, line: 1),
                hint: "add lines such as `- [Introduction](intro.md)`")
        }
        return entries
    }
}
