// Parsing: SUMMARY.md, math set aside before markdown, GFM extensions, nested
// and unterminated fences, block options and their errors.
import XCTest
@testable import Notebook

final class ParsingTests: XCTestCase {
    func testSummaryOrderAndNesting() throws {
        let entries = try BookSummary.parse("# Book\n\n- [A](a.md)\n  - [B](part/b.md)\n- [C](c.md)\n", displayPath: "chapters/SUMMARY.md")
        XCTAssertEqual(entries.map(\.path), ["a.md", "part/b.md", "c.md"])
        XCTAssertEqual(entries.map(\.depth), [0, 1, 0])
    }

    func testSectionNumbersFollowTheNesting() throws {
        let text = "- [A](a.md)\n  - [A1](a1.md)\n  - [A2](a2.md)\n    - [A2a](a2a.md)\n- [B](b.md)\n- [C](c.md)\n  - [C1](c1.md)\n"
        let entries = try BookSummary.parse(text, displayPath: "chapters/SUMMARY.md")
        XCTAssertEqual(BookSummary.sectionNumbers(entries), ["1", "1.1", "1.2", "1.2.1", "2", "3", "3.1"])
        // A level skipped in the nesting counts as 1.
        let skipping = try BookSummary.parse("- [A](a.md)\n    - [Deep](deep.md)\n", displayPath: "chapters/SUMMARY.md")
        XCTAssertEqual(BookSummary.sectionNumbers(skipping), ["1", "1.1.1"])
    }

    func testBlockMarkersAreReplacedInOnePassWithTheirNewline() {
        let html = "<p>a</p>\n<!--tn-block:0-->\n<p>b</p>\n<!--tn-block:1--><!--tn-block:7-->\n<!--tn-block:x-->"
        let replaced = ChapterScanner.replaceBlockMarkers(in: html) { index in
            index == 7 ? nil : "<div>block \(index)</div>"
        }
        // Block 7 has no HTML, so its marker stays; a marker without a number is left alone.
        XCTAssertEqual(replaced, "<p>a</p>\n<div>block 0</div><p>b</p>\n<div>block 1</div><!--tn-block:7-->\n<!--tn-block:x-->")
        // A replacement that itself contains a marker is not expanded again.
        XCTAssertEqual(ChapterScanner.replaceBlockMarkers(in: "<!--tn-block:2-->") { _ in "<!--tn-block:3-->" }, "<!--tn-block:3-->")
    }

    func testSummaryRejectsDuplicates() {
        XCTAssertThrowsError(try BookSummary.parse("- [A](a.md)\n- [A again](a.md)\n", displayPath: "chapters/SUMMARY.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/SUMMARY.md:2"), "\(error)")
        }
    }

    func testMathWithUnderscoresAndAsterisksIsNotEmphasis() throws {
        let text = "Inline $a_1 * b_2 * c_3$ and \\(x_i * y_i\\) and \\\\(p_1 * q_2\\\\) and costs $5 and $10.\n\n$$\nw_{t+1} = w_t - \\eta\n$$\n"
        let scanned = try ChapterScanner.scan(text, displayPath: "chapters/m.md")
        XCTAssertEqual(scanned.math.map(\.tex), ["a_1 * b_2 * c_3", "x_i * y_i", "p_1 * q_2", "w_{t+1} = w_t - \\eta"])
        XCTAssertEqual(scanned.math.map(\.display), [false, false, false, true])
        let html = Markdown.render(scanned.markdown).html
        XCTAssertFalse(html.contains("<em>"), html)
        XCTAssertTrue(html.contains("$5 and $10"), html)
    }

    func testEachFormulaKnowsTheLineItOpensOn() throws {
        let text = "# T\n\nOne $a$ and\n$b$.\n\n```swift\nlet c = \"$c$\"\n```\n\n$$\nd\n$$ and \\(e\\)\n\n\\[f\\]\n"
        let scanned = try ChapterScanner.scan(text, displayPath: "chapters/l.md")
        XCTAssertEqual(scanned.math.map(\.tex), ["a", "b", "d", "e", "f"])
        XCTAssertEqual(scanned.mathLines, [3, 4, 10, 12, 14])
    }

    func testAnEscapedAtIsKeptFromTheCrossReferences() throws {
        let scanned = try ChapterScanner.scan("Write \\@fig-x, not @fig-y; `\\@fig-z` is code; \\\\@fig-w is a reference.\n", displayPath: "chapters/e.md")
        let (html, unknown) = ChapterDocument.crossReference(Markdown.render(scanned.markdown).html, page: "e.html", figures: [:])
        XCTAssertEqual(unknown, ["fig-y", "fig-w"])
        XCTAssertEqual(EscapedAt.restore(html), "<p>Write @fig-x, not @fig-y; <code>\\@fig-z</code> is code; \\@fig-w is a reference.</p>\n")
    }

    func testMathInCodeIsLeftAlone() throws {
        let scanned = try ChapterScanner.scan("Use `$x_1$` literally.\n\n```\n$y_2$\n```\n", displayPath: "chapters/m.md")
        XCTAssertTrue(scanned.math.isEmpty)
    }

    /// Dollars in an indented (four-space) code block are code; a list item's
    /// paragraph indented as far is prose, and its math is math.
    func testMathInIndentedCodeIsLeftAloneButNotInAListParagraph() throws {
        let text = """
        Shell: $a$ first.

            echo $HOME $b$
            x_1 = $2

        - item

            continued with $c_1$.

        ```swift run
        let d = 1
        ```

            $e$ in code after a fence

        Last $f$.
        """
        let scanned = try ChapterScanner.scan(text + "\n", displayPath: "chapters/i.md")
        XCTAssertEqual(scanned.math.map(\.tex), ["a", "c_1", "f"])
        XCTAssertEqual(scanned.mathLines, [1, 8, 16])
        let html = Markdown.render(scanned.markdown).html
        XCTAssertTrue(html.contains("<pre><code>echo $HOME $b$\nx_1 = $2\n</code></pre>"), html)
        XCTAssertTrue(html.contains("<pre><code>$e$ in code after a fence\n</code></pre>"), html)
        // cmark counts the blank line after a code block into it; prose lines are never code.
        let codeLines = Markdown.indentedCodeLines(text)
        XCTAssertTrue(codeLines.isSuperset(of: [3, 4, 14]) && codeLines.isDisjoint(with: [1, 6, 8, 16]), "\(codeLines.sorted())")
    }

    func testTablesStrikethroughTasksFootnotesAutolinks() {
        let html = Markdown.render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ https://example.org\n\n- [x] done\n\nNote.[^1]\n\n[^1]: Text.\n").html
        XCTAssertTrue(html.contains("<table>"), html)
        XCTAssertTrue(html.contains("<del>gone</del>"), html)
        XCTAssertTrue(html.contains("<a href=\"https://example.org\">"), html)
        XCTAssertTrue(html.contains("type=\"checkbox\""), html)
        XCTAssertTrue(html.contains("footnote"), html)
    }

    func testChapterLinksBecomePageLinks() {
        let rendered = Markdown.render("[next](next.md#part) [out](https://x.org/a.md)")
        XCTAssertTrue(rendered.html.contains("href=\"next.html#part\""), rendered.html)
        XCTAssertTrue(rendered.html.contains("href=\"https://x.org/a.md\""), rendered.html)
    }

    func testNestedFenceIsNotABlock() throws {
        let text = "````markdown\n```swift run\nprint(1)\n```\n````\n\n```swift run\nprint(2)\n```\n"
        let scanned = try ChapterScanner.scan(text, displayPath: "chapters/n.md")
        XCTAssertEqual(scanned.blocks.map(\.code), ["print(2)"])
        XCTAssertEqual(scanned.blocks.first?.fenceLine, 7)
    }

    func testUnterminatedFenceIsAnErrorAtItsLine() {
        XCTAssertThrowsError(try ChapterScanner.scan("# T\n\ntext\n```swift run\nprint(1)\n", displayPath: "chapters/u.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/u.md:4: error: this code fence (```) is never closed"), "\(error)")
        }
    }

    func testOptions() throws {
        let text = "```swift run\n//| id: fig-loss\n//| caption: \"The loss\"\n//| echo: false\n//| output: false\n//| timeout: 5\n//| error: expected\n//| seed: 7\nprint(1)\n```\n"
        let block = try XCTUnwrap(try ChapterScanner.scan(text, displayPath: "chapters/o.md").blocks.first)
        XCTAssertEqual(block.id, "fig-loss")
        XCTAssertEqual(block.options.caption, "The loss")
        XCTAssertFalse(block.options.echo)
        XCTAssertFalse(block.options.output)
        XCTAssertEqual(block.options.timeout, 5)
        XCTAssertTrue(block.options.errorExpected)
        XCTAssertEqual(block.options.seed, 7)
        XCTAssertEqual(block.codeLine, 9)
        XCTAssertEqual(block.code, "print(1)")
    }

    func testUnknownOptionIsAnErrorAtItsLine() {
        let text = "# T\n\n```swift run\n//| id: a\n//| colour: red\nprint(1)\n```\n"
        XCTAssertThrowsError(try ChapterScanner.scan(text, displayPath: "chapters/o.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/o.md:5: error: unknown block option 'colour'"), "\(error)")
        }
    }

    func testBadOptionValueIsAnError() {
        XCTAssertThrowsError(try ChapterScanner.scan("```swift run\n//| echo: maybe\n```\n", displayPath: "chapters/o.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/o.md:2"), "\(error)")
        }
    }

    func testPlainSwiftBlocksAreOnlyDisplayed() throws {
        let scanned = try ChapterScanner.scan("```swift\nlet x = 1\n```\n", displayPath: "chapters/p.md")
        XCTAssertTrue(scanned.blocks.isEmpty)
        XCTAssertTrue(Markdown.render(scanned.markdown).html.contains("language-swift"))
    }

    /// Near misses of `swift run` would silently only be shown: they are errors at the fence.
    func testInfoStringsThatAlmostRunAreErrors() throws {
        for info in ["{swift}", "{swift run}", "Swift run", "swift-run", "swiftrun", "SWIFT RUN"] {
            let text = "# T\n\n```\(info)\nprint(1)\n```\n"
            XCTAssertThrowsError(try ChapterScanner.scan(text, displayPath: "chapters/i.md"), info) { error in
                XCTAssertTrue("\(error)".contains("chapters/i.md:3: error: this block would only be shown"), "\(error)")
                XCTAssertTrue("\(error)".contains("```swift run"), "\(error)")
            }
        }
        for info in ["swift", "swift run", "sh", "text", "swiftui"] {
            XCTAssertNoThrow(try ChapterScanner.scan("```\(info)\nx\n```\n", displayPath: "chapters/i.md"), info)
        }
    }

    /// An option line after a blank line or code would be a plain comment to Swift.
    func testOptionLinesAfterTheCodeStartsAreErrors() throws {
        // A comment that only starts like an option line is a comment.
        let comment = "```swift run\n//| id: a\nlet g = 1.0\n//|g| is the norm\nlet text = \"\"\"\n//| not: an option\n\"\"\"\n```\n"
        XCTAssertEqual(try ChapterScanner.scan(comment, displayPath: "chapters/l.md").blocks.first?.id, "a")
        let text = "# T\n\n```swift run\n//| caption: A\n\n//| id: late\nprint(1)\n```\n"
        XCTAssertThrowsError(try ChapterScanner.scan(text, displayPath: "chapters/l.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/l.md:6: error: this option line comes after the block's code"),
                          "\(error)")
        }
    }

    /// mdBook writes `./intro.md`; a chapter has one name whichever way it is linked.
    func testSummaryPathsAreNormalisedAndMayNotLeaveTheFolder() throws {
        let entries = try BookSummary.parse("# B\n\n- [Intro](./intro.md)\n- [Part](./part/one.md)\n", displayPath: "chapters/SUMMARY.md")
        XCTAssertEqual(entries.map(\.path), ["intro.md", "part/one.md"])
        XCTAssertThrowsError(try BookSummary.parse("# B\n\n- [Up](../notes.md)\n", displayPath: "chapters/SUMMARY.md")) { error in
            XCTAssertTrue("\(error)".contains("chapters/SUMMARY.md:3: error: '../notes.md' leaves the chapters folder"), "\(error)")
        }
        XCTAssertThrowsError(try BookSummary.parse("# B\n\n- [A](intro.md)\n- [B](./intro.md)\n", displayPath: "chapters/SUMMARY.md")) { error in
            XCTAssertTrue("\(error)".contains("listed twice"), "\(error)")
        }
    }

    /// As in CommonMark: a fence indented four spaces is an indented code block
    /// (an example, shown), and such a line does not close a fence either.
    func testFencesFollowCommonMarksIndentation() throws {
        let example = "# T\n\nText.\n\n    ```swift run\n    print(\"only an example\")\n    ```\n"
        XCTAssertTrue(try ChapterScanner.scan(example, displayPath: "chapters/f.md").blocks.isEmpty)
        let inString = "```swift run\nlet snippet = \"\"\"\n    ```\n    code\n    ```\n    \"\"\"\nprint(snippet)\n```\n"
        let block = try XCTUnwrap(try ChapterScanner.scan(inString, displayPath: "chapters/f.md").blocks.first)
        XCTAssertTrue(block.code.hasSuffix("print(snippet)"), block.code)
        let summary = try BookSummary.parse("# B\r\n\r\n- [A](a.md)\r\n", displayPath: "chapters/SUMMARY.md")
        XCTAssertEqual(summary.map(\.path), ["a.md"], "CRLF line ends")
    }

    func testMathInRawHTMLCodeIsLeftAlone() {
        let (text, spans, _) = MathExtraction.extract("Run <code>echo $HOME $PATH</code> and <pre>\n$a$ b\n</pre> but $x$.", firstIndex: 0)
        XCTAssertEqual(spans.map(\.tex), ["x"])
        XCTAssertTrue(text.contains("<code>echo $HOME $PATH</code>") && text.contains("<pre>\n$a$ b\n</pre>"), text)
        // A tag that only starts like one is text, and math after it is found.
        XCTAssertEqual(MathExtraction.extract("<codex> $y$", firstIndex: 0).spans.map(\.tex), ["y"])
    }
}
