// Markdown to HTML through the system cmark-gfm, with the GFM extensions
// (tables, strikethrough, autolinks, task lists) and footnotes. Links to
// another chapter's .md file are rewritten to that chapter's page here.
import CCmarkGFM
import Foundation

struct RenderedMarkdown {
    var html: String
    /// Every link and image target, before rewriting, for link checking.
    var targets: [String]
}

enum Markdown {
    private static let extensionNames = ["table", "strikethrough", "autolink", "tasklist"]

    /// The lines (from 1) of `markdown`'s indented code blocks, as cmark-gfm
    /// finds them with the whole document's context (a list item's
    /// continuation paragraph is not code), so that the math pass leaves
    /// their dollars alone.
    static func indentedCodeLines(_ markdown: String) -> Set<Int> {
        guard let document = markdown.withCString({ cmark_parse_document($0, strlen($0), CMARK_OPT_DEFAULT) }) else { return [] }
        defer { cmark_node_free(document) }
        var lines: Set<Int> = []
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator),
                  cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK else { continue }
            var length: Int32 = 0, offset: Int32 = 0
            var character: CChar = 0
            guard cmark_node_get_fenced(node, &length, &offset, &character) == 0 else { continue }
            let first = Int(cmark_node_get_start_line(node)), last = Int(cmark_node_get_end_line(node))
            if first >= 1, last >= first { lines.formUnion(first...last) }
        }
        return lines
    }

    static func render(_ markdown: String) -> RenderedMarkdown {
        cmark_gfm_core_extensions_ensure_registered()
        // Raw HTML is allowed: the author is trusted, and block placeholders are HTML comments.
        let options = CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES
        guard let parser = cmark_parser_new(options) else {
            return RenderedMarkdown(html: "", targets: [])
        }
        defer { cmark_parser_free(parser) }
        for name in extensionNames {
            if let syntax = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntax)
            }
        }
        markdown.withCString { pointer in
            cmark_parser_feed(parser, pointer, strlen(pointer))
        }
        guard let document = cmark_parser_finish(parser) else {
            return RenderedMarkdown(html: "", targets: [])
        }
        defer { cmark_node_free(document) }

        var targets: [String] = []
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            let type = cmark_node_get_type(node)
            guard type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE,
                  let pointer = cmark_node_get_url(node) else { continue }
            let url = String(cString: pointer)
            targets.append(url)
            let rewritten = pageURL(forLink: url)
            if rewritten != url {
                _ = cmark_node_set_url(node, rewritten)
            }
        }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
            return RenderedMarkdown(html: "", targets: targets)
        }
        defer { free(rendered) }
        // Fenced code in a language the highlighter knows leaves highlighted.
        return RenderedMarkdown(html: SyntaxHighlighter.highlightCodeBlocks(in: String(cString: rendered)), targets: targets)
    }

    /// `other.md#part` becomes `other.html#part`; external links are kept.
    static func pageURL(forLink url: String) -> String {
        guard !isExternal(url) else { return url }
        let parts = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts.first, path.hasSuffix(".md") else { return url }
        let page = path.dropLast(3) + ".html"
        return parts.count > 1 ? "\(page)#\(parts[1])" : String(page)
    }

    static func isExternal(_ url: String) -> Bool {
        if url.hasPrefix("//") { return true }
        guard let colon = url.firstIndex(of: ":") else { return false }
        let scheme = url[..<colon]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
    }
}
