// One chapter on its way to a page: scanned, rendered to HTML with heading
// anchors, its blocks' results placed at their markers. Cross-references and
// math are put in last, once every chapter's figures are numbered.
import Foundation

struct ChapterDocument {
    var entry: SummaryEntry
    /// The section number from SUMMARY.md's nesting: "3", or "3.1".
    var number: String
    var displayPath: String
    var source: String
    var scanned: ScannedChapter
    var url: String
    var title: String = ""
    var html: String = ""

    var setup: ExecutableBlock? { scanned.blocks.first { $0.options.setup } }
    var runnableBlocks: [ExecutableBlock] { scanned.blocks.filter { !$0.options.setup } }

    /// Adds `id`s and anchor links to headings and takes the title from the first one.
    static func anchorHeadings(_ html: String, math: [MathSpan]) -> (html: String, title: String?) {
        let pattern = try! NSRegularExpression(pattern: "<h([1-6])>([\\s\\S]*?)</h\\1>")
        let text = html as NSString
        var result = ""
        var position = 0
        var used: [String: Int] = [:]
        var title: String?
        for match in pattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            result += text.substring(with: NSRange(location: position, length: match.range.location - position))
            let level = text.substring(with: match.range(at: 1))
            let inner = text.substring(with: match.range(at: 2))
            let plain = HTMLText.plainText(withMath(inner, math: math))
            if title == nil { title = plain }
            var id = HTMLText.slug(plain.filter { $0 != MathPlaceholder.open && $0 != MathPlaceholder.close })
            if let count = used[id] {
                used[id] = count + 1
                id += "-\(count)"
            } else {
                used[id] = 1
            }
            result += "<h\(level) id=\"\(id)\"><a class=\"anchor\" href=\"#\(id)\" aria-hidden=\"true\">#</a>\(inner)</h\(level)>"
            position = match.range.location + match.range.length
        }
        result += text.substring(from: position)
        return (result, title)
    }

    /// Puts each of the chapter's own (markdown) tables in the scrolling
    /// wrapper that the blocks' tables have, so that a wide table scrolls by
    /// itself on a narrow screen instead of widening the page.
    static func wrapTables(_ html: String) -> String {
        html.replacingOccurrences(of: "<table>", with: "<div class=\"table-wrap\"><table>")
            .replacingOccurrences(of: "</table>", with: "</table></div>")
    }

    /// Replaces math placeholders by the TeX source (for titles and search).
    static func withMath(_ text: String, math: [MathSpan]) -> String {
        replacePlaceholders(text) { index in index < math.count ? math[index].tex : "" }
    }

    static func replacePlaceholders(_ text: String, _ replacement: (Int) -> String) -> String {
        guard text.contains(MathPlaceholder.open) else { return text }
        var result = ""
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: MathPlaceholder.open) {
            result += text[index..<open]
            guard let close = text[open...].firstIndex(of: MathPlaceholder.close),
                  let number = Int(text[text.index(after: open)..<close]) else {
                result.append(MathPlaceholder.open)
                index = text.index(after: open)
                continue
            }
            result += replacement(number)
            index = text.index(after: close)
        }
        result += text[index...]
        return result
    }

    /// Turns `@fig-ID` into a link "Figure N.K", outside code. Unknown ids are returned.
    static func crossReference(_ html: String, page: String, figures: [String: FigureReference]) -> (html: String, unknown: [String]) {
        let pattern = try! NSRegularExpression(pattern: "(<pre[\\s\\S]*?</pre>|<code[\\s\\S]*?</code>)|@(fig-[A-Za-z0-9_-]*[A-Za-z0-9])")
        let text = html as NSString
        var result = ""
        var position = 0
        var unknown: [String] = []
        for match in pattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            result += text.substring(with: NSRange(location: position, length: match.range.location - position))
            position = match.range.location + match.range.length
            if match.range(at: 1).location != NSNotFound {
                result += text.substring(with: match.range)
                continue
            }
            let id = text.substring(with: match.range(at: 2))
            guard let figure = figures[id] else {
                unknown.append(id)
                result += text.substring(with: match.range)
                continue
            }
            let root = String(repeating: "../", count: page.split(separator: "/").count - 1)
            let href = figure.page == page ? "#\(figure.anchor)" : "\(root)\(figure.page)#\(figure.anchor)"
            result += "<a class=\"xref\" href=\"\(href)\">\(figure.label)</a>"
        }
        result += text.substring(from: position)
        return (result, unknown)
    }
}
