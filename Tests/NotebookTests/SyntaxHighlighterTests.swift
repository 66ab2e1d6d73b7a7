// The build-time highlighter (SyntaxHighlighter): Swift's tokens by hand,
// the cases a regular-expression highlighter gets wrong (interpolations with
// strings inside, raw strings, nested comments, ranges after integers), HTML
// escaping, shell, and the pages: highlighted with no highlighting script.
import Foundation
import XCTest
@testable import Notebook

final class SyntaxHighlighterTests: XCTestCase {
    func swift(_ code: String) -> String { SyntaxHighlighter.html(code, language: "swift")! }
    func span(_ kind: String, _ text: String) -> String { "<span class=\"hljs-\(kind)\">\(text)</span>" }

    func testSwiftTokensGetTheirClasses() {
        XCTAssertEqual(swift("let x: Float = 1.5e-3 // rate"),
                       span("keyword", "let") + " x: " + span("type", "Float") + " = " + span("number", "1.5e-3") + " "
                           + span("comment", "// rate"))
        XCTAssertEqual(swift("@MainActor func train(η: Double) throws -> [Int]"),
                       span("meta", "@MainActor") + " " + span("keyword", "func") + " " + span("title", "train") + "(η: "
                           + span("type", "Double") + ") " + span("keyword", "throws") + " -&gt; [" + span("type", "Int") + "]")
        XCTAssertEqual(swift("x ?? nil ?? true"), "x ?? " + span("literal", "nil") + " ?? " + span("literal", "true"))
        XCTAssertEqual(swift("0x1F + 0b1010 + 0o17 + 1_000"),
                       [span("number", "0x1F"), span("number", "0b1010"), span("number", "0o17"), span("number", "1_000")]
                           .joined(separator: " + "))
        // A range after an integer is two numbers and an operator, not 1. and .3.
        XCTAssertEqual(swift("1...3"), span("number", "1") + "..." + span("number", "3"))
        XCTAssertEqual(swift("0..<n"), span("number", "0") + "..&lt;n")
        XCTAssertEqual(swift("#if os(Linux)\n#endif"), span("meta", "#if") + " os(" + span("type", "Linux") + ")\n" + span("meta", "#endif"))
        // Closure arguments and names in backticks are plain.
        XCTAssertEqual(swift("map { $0 + `default` }"), "map { $0 + `default` }")
    }

    func testStringsWithInterpolationsEscapesAndRawDelimiters() {
        // The interpolation is code (its own string and number inside), the escape stays in the string.
        XCTAssertEqual(swift(#""a \(f("b", 2)) \"c\"""#),
                       "<span class=\"hljs-string\">\"a \\<span class=\"hljs-subst\">(f(" + span("string", "\"b\"") + ", "
                           + span("number", "2") + "))</span> \\\"c\\\"\"</span>")
        // In a raw string \( is text and \#( interpolates.
        XCTAssertEqual(swift(##"#"\(x) \#(y)"#"##),
                       "<span class=\"hljs-string\">#\"\\(x) \\#<span class=\"hljs-subst\">(y)</span>\"#</span>")
        // A multi-line literal runs over its lines; quotes inside do not end it.
        XCTAssertEqual(swift("\"\"\"\none \"two\"\n\"\"\" + x"), span("string", "\"\"\"\none \"two\"\n\"\"\"") + " + x")
        // An unterminated literal ends with its line, so the next line is still code.
        XCTAssertEqual(swift("\"open\nlet y"), span("string", "\"open") + "\n" + span("keyword", "let") + " y")
    }

    func testCommentsNestAndHTMLIsEscaped() {
        XCTAssertEqual(swift("/* a /* b */ c */ let"), span("comment", "/* a /* b */ c */") + " " + span("keyword", "let"))
        XCTAssertEqual(swift("if a < b && c > d { }"), span("keyword", "if") + " a &lt; b &amp;&amp; c &gt; d { }")
        XCTAssertEqual(swift("\"<b>\""), span("string", "\"&lt;b&gt;\""))
        // Every character of the input is in the output, once, in order.
        let code = try! String(contentsOf: Fixtures.folder.appendingPathComponent("book/intro.md"), encoding: .utf8)
        let withoutSpans = swift(code).replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        XCTAssertEqual(withoutSpans, HTMLText.escape(code).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'"))
    }

    func testShellAndOtherLanguages() {
        let shell = SyntaxHighlighter.html("# set up\nexport TN_DATA=\"$HOME/data\" # here\necho '$x'; if true; then ls; fi", language: "sh")!
        XCTAssertEqual(shell, span("comment", "# set up") + "\n" + span("keyword", "export") + " TN_DATA="
                       + "<span class=\"hljs-string\">\"" + span("variable", "$HOME") + "/data\"</span> " + span("comment", "# here")
                       + "\necho " + span("string", "'$x'") + "; " + span("keyword", "if") + " true; " + span("keyword", "then")
                       + " ls; " + span("keyword", "fi"))
        // A # inside a word is not a comment.
        XCTAssertEqual(SyntaxHighlighter.html("echo a#b", language: "bash"), "echo a#b")
        XCTAssertNil(SyntaxHighlighter.html("plain <text>", language: "text"))
        // cmark's code blocks: highlighted where the language is known, left as they are otherwise.
        let html = "<p>x</p>\n<pre><code class=\"language-swift\">let a = &quot;&lt;&quot;\n</code></pre>\n"
            + "<pre><code class=\"language-text\">let &amp;</code></pre>\n<pre><code>let</code></pre>\n"
        XCTAssertEqual(SyntaxHighlighter.highlightCodeBlocks(in: html),
                       "<p>x</p>\n<pre><code class=\"language-swift\">" + span("keyword", "let") + " a = " + span("string", "\"&lt;\"")
                           + "\n</code></pre>\n<pre><code class=\"language-text\">let &amp;</code></pre>\n<pre><code>let</code></pre>\n")
    }

    /// The pages carry the spans and load no highlighting script; a copy of
    /// highlight.js an earlier build left in assets/ is removed.
    func testPagesAreHighlightedWithoutAScript() throws {
        let book = try TemporaryBook(fixture: "book")
        try book.write("intro.md", try book.read("intro.md") + """

            A listing that does not run:

            ```swift
            struct Listing { let rate = 0.1 }
            ```

            """)
        let retired = book.output.appendingPathComponent("assets/highlight/highlight.min.js")
        try FileManager.default.createDirectory(at: retired.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "var hljs = {};".write(to: retired, atomically: true, encoding: .utf8)
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let page = try book.page("intro.html")
        XCTAssertTrue(page.contains(span("keyword", "struct") + " " + span("type", "Listing")), "the markdown listing")
        let blockCode = try XCTUnwrap(page.components(separatedBy: "<pre class=\"block-code\"><code class=\"language-swift\">")
            .dropFirst().first, "an executable block's code")
        XCTAssertTrue(blockCode.hasPrefix("print(" + span("string", "\"hello from a block: 6 × 7 =\"")), String(blockCode.prefix(200)))
        XCTAssertFalse(page.contains("highlight.min.js"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: retired.path), "the retired copy of highlight.js")
        XCTAssertFalse(FileManager.default.fileExists(atPath: retired.deletingLastPathComponent().path), "and its folder")
    }
}

/// The highlighted code's colours against the code background, in both
/// themes, read from the stylesheet: WCAG's contrast ratio of at least 4.5
/// for text (AA), comments included.
final class CodeColourContrastTests: XCTestCase {
    func testEveryCodeColourHasAAContrastInBothThemes() throws {
        let css = SiteStyle.css
        let light = try XCTUnwrap(css.components(separatedBy: ":root {").dropFirst().first?.components(separatedBy: "}").first)
        let dark = try XCTUnwrap(css.components(separatedBy: ":root[data-theme=\"dark\"] {").dropFirst().first?
            .components(separatedBy: "}").first)
        func colour(_ name: String, in block: String) throws -> String {
            let match = try XCTUnwrap(block.firstMatch(of: try Regex("--\(name): (#[0-9a-fA-F]{6})")), "--\(name)")
            return String(match.output[1].substring!)
        }
        /// WCAG's relative luminance of an sRGB channel (0…255).
        func linear(_ channel: Int) -> Double {
            let c = Double(channel) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        func luminance(_ hex: String) -> Double {
            let value = Int(hex.dropFirst(), radix: 16)!
            let red = linear(value >> 16), green = linear((value >> 8) & 0xFF), blue = linear(value & 0xFF)
            return 0.2126 * red + 0.7152 * green + 0.0722 * blue
        }
        for (theme, block) in [("light", light), ("dark", dark)] {
            let background = luminance(try colour("bg-code", in: block))
            for name in ["fg", "code-keyword", "code-type", "code-string", "code-number", "code-comment", "code-title"] {
                let foreground = luminance(try colour(name, in: block))
                let ratio = (max(foreground, background) + 0.05) / (min(foreground, background) + 0.05)
                XCTAssertGreaterThanOrEqual(ratio, 4.5, "\(theme): --\(name) on --bg-code")
            }
        }
    }
}
