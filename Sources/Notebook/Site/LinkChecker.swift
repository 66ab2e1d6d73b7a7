// Checks every internal link and anchor of the built site before it is
// written, and that no page loads anything from the network. A broken link is
// reported at the chapter line that wrote it.
import Foundation

struct BuiltPage {
    var url: String
    /// The chapter it came from, for error locations (nil for the index page).
    var sourcePath: String?
    var source: String
    var html: String
}

enum LinkChecker {
    static func check(pages: [BuiltPage], otherFiles: Set<String>, outputFolder: URL) -> [NotebookError] {
        let attribute = try! NSRegularExpression(pattern: "\\s(href|src)=\"([^\"]*)\"")
        let idPattern = try! NSRegularExpression(pattern: "\\sid=\"([^\"]*)\"")
        var ids: [String: Set<String>] = [:]
        for page in pages {
            let text = page.html as NSString
            ids[page.url] = Set(idPattern.matches(in: page.html, range: NSRange(location: 0, length: text.length))
                .map { text.substring(with: $0.range(at: 1)) })
        }
        var errors: [NotebookError] = []
        for page in pages {
            let text = page.html as NSString
            for match in attribute.matches(in: page.html, range: NSRange(location: 0, length: text.length)) {
                let kind = text.substring(with: match.range(at: 1))
                let target = decode(text.substring(with: match.range(at: 2)))
                if target.hasPrefix("data:") || target.hasPrefix("mailto:") { continue }
                if Markdown.isExternal(target) {
                    if kind == "src" {
                        errors.append(error(page, target, "loads '\(target)' from the network; pages must work offline",
                                            hint: "copy the file next to the chapters and link to it by a relative path"))
                    }
                    continue
                }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let path = parts[0].split(separator: "?").first.map(String.init) ?? ""
                let fragment = parts.count > 1 ? parts[1] : nil
                let resolved = path.isEmpty ? page.url : resolve(path, from: page.url)
                guard let resolved else {
                    errors.append(error(page, target, "the link '\(target)' leaves the site", hint: "link to a file inside the chapters folder"))
                    continue
                }
                let exists = ids[resolved] != nil || otherFiles.contains(resolved)
                    || FileManager.default.fileExists(atPath: outputFolder.appendingPathComponent(resolved).path)
                guard exists else {
                    errors.append(error(page, target, "the link '\(target)' points to nothing (no \(resolved) in the site)",
                                        hint: "fix the file name; links to chapters use their .md file name"))
                    continue
                }
                if let fragment, !fragment.isEmpty, let targetIDs = ids[resolved], !targetIDs.contains(fragment) {
                    errors.append(error(page, target, "the anchor '#\(fragment)' does not exist in \(resolved)",
                                        hint: "use a heading's anchor (its words in lower case joined by '-') or a figure id"))
                }
            }
        }
        return errors
    }

    /// Resolves `path` relative to the page's folder; nil if it climbs out of the site.
    static func resolve(_ path: String, from page: String) -> String? {
        var components = page.split(separator: "/").dropLast().map(String.init)
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !components.isEmpty else { return nil }
                components.removeLast()
            } else {
                components.append(String(part))
            }
        }
        return components.joined(separator: "/")
    }

    private static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&amp;", with: "&").removingPercentEncoding ?? text
    }

    private static func error(_ page: BuiltPage, _ target: String, _ message: String, hint: String) -> NotebookError {
        guard let path = page.sourcePath else {
            return NotebookError(message + " (in \(page.url))", hint: hint)
        }
        // The line that wrote the link: its original (.md) or rewritten form.
        let original = target.replacingOccurrences(of: ".html", with: ".md")
        let lines = page.source.components(separatedBy: "\n")
        let line = lines.firstIndex { $0.contains(original) || $0.contains(target) }.map { $0 + 1 }
        return NotebookError(message, at: SourceLocation(file: path, line: line), hint: hint)
    }
}
