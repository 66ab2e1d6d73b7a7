// Link checking, atomic writes and the build lock, and the static server's
// refusal to serve files outside output/.
import XCTest
@testable import Notebook

final class SiteTests: XCTestCase {
    func testBrokenLinksAndAnchorsAreErrorsAtTheirLines() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [A](a.md)\n- [B](b.md)\n",
            "a.md": "# A\n\n## Part one\n\nFine: [b](b.md#b-section) and [here](#part-one).\n\nBroken: [missing](nowhere.md).\n\nBad anchor: [b](b.md#no-such-heading).\n",
            "b.md": "# B\n\n## B section\n\nSee @fig-none.\n",
        ])
        let report = try book.build()
        XCTAssertFalse(report.succeeded)
        let messages = report.errors.map(\.description)
        XCTAssertEqual(messages.count, 3, messages.joined(separator: "\n"))
        XCTAssertTrue(messages.contains { $0.hasPrefix("chapters/a.md:7: error: the link 'nowhere.html' points to nothing") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.hasPrefix("chapters/a.md:9: error: the anchor '#no-such-heading' does not exist in b.html") }, "\(messages)")
        XCTAssertTrue(messages.contains { $0.hasPrefix("chapters/b.md:5: error: no figure has the id 'fig-none'") }, "\(messages)")
    }

    func testNetworkImagesAreRefused() throws {
        let book = try TemporaryBook(files: ["SUMMARY.md": "- [A](a.md)\n", "a.md": "# A\n\n![x](https://example.org/x.png)\n"])
        let report = try book.build()
        XCTAssertTrue(report.errors.contains { $0.description.contains("chapters/a.md:3: error: loads 'https://example.org/x.png' from the network") },
                      "\(report.errors)")
    }

    func testAtomicWriteReplacesWholeFilesAndLeavesNoTemporaries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tn-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("deep/page.html")
        try AtomicFile.write("old", to: file)
        try AtomicFile.write("new", to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "new")
        XCTAssertFalse(try AtomicFile.writeIfChanged("new", to: file))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("deep").path), ["page.html"])
    }

    func testSecondBuildRefusesWhileTheLockIsHeld() throws {
        let book = try TemporaryBook(fixture: "book")
        let lock = try BuildLock(at: book.root.appendingPathComponent(".tn-cache/build.lock"))
        XCTAssertThrowsError(try book.build()) { error in
            XCTAssertTrue("\(error)".contains("another tn build is running"), "\(error)")
        }
        withExtendedLifetime(lock) {}
    }

    func testParseErrorsStopTheBuildBeforeWritingAnything() throws {
        let book = try TemporaryBook(files: ["SUMMARY.md": "- [A](a.md)\n", "a.md": "# A\n\n```swift run\n//| echo: sometimes\nprint(1)\n```\n"])
        XCTAssertThrowsError(try book.build()) { error in
            XCTAssertTrue("\(error)".contains("chapters/a.md:4: error: `echo` takes true or false"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: book.output.path))
    }

    func testServerNeverLeavesItsFolder() throws {
        let book = try TemporaryBook(fixture: "book")
        _ = try book.build()
        try "secret".write(to: book.root.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        let server = StaticServer(folder: book.output, port: 0)
        XCTAssertNotNil(server.resolve("/intro.html"))
        XCTAssertNotNil(server.resolve("/"))
        XCTAssertNil(server.resolve("/../secret.txt"))
        XCTAssertNil(server.resolve("/%2e%2e/secret.txt"))
        XCTAssertNil(server.resolve("/assets/../../secret.txt"))
    }

    func testNestedChaptersAreNumberedUnderTheirParent() throws {
        let book = try TemporaryBook(fixture: "book")
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let page = try book.page("part/nested.html")
        for number in ["1.", "2.", "2.1."] {
            XCTAssertTrue(page.contains("<span class=\"toc-number\">\(number)</span>"), "no \(number) in the contents")
        }
        XCTAssertFalse(page.contains("<span class=\"toc-number\">3.</span>"), "the nested chapter got a top-level number")
    }
}

/// `tn build --only CHAPTER` into a folder with no frozen results: the other
/// chapters' blocks are not run, so their figures do not exist in this build,
/// and a reference to one is left unlinked with a note instead of failing the
/// build; a reference to a figure that exists nowhere is still an error.
final class OnlyBuildTests: XCTestCase {
    func testReferencesToFiguresOfUnbuiltChaptersAreNotErrors() throws {
        let book = try TemporaryBook(fixture: "book")
        let log = CollectedLines()
        let report = try book.build { $0.only = "results"; $0.log = { log.append($0) } }
        XCTAssertFalse(report.errors.contains { "\($0)".contains("fig-squares") }, "\(report.errors)")
        // results.md's @fig-squares, and intro.md's own, whose block did not run either.
        XCTAssertTrue(log.all.contains { $0.contains("2 cross-references to figures of chapters not run in this build (--only results)") },
                      log.all.joined(separator: "\n"))
        XCTAssertTrue(try book.page("results.html").contains("@fig-squares"), "left as written, unlinked")

        try book.write("results.md", try book.read("results.md") + "\nAnd @fig-nowhere, which no chapter has.\n")
        let broken = try book.build { $0.only = "results" }
        XCTAssertTrue(broken.errors.contains { "\($0)".contains("no figure has the id 'fig-nowhere'") }, "\(broken.errors)")
        XCTAssertFalse(broken.errors.contains { "\($0)".contains("fig-squares") })
    }
}

/// What a reader on a phone or a desktop gets from the page's markup: a
/// figure of several charts sends its panels one by one and the page lets
/// them reflow (and use the width beside the text column when the figure is
/// wider than it); the chapter's own tables scroll in a wrapper like the
/// blocks' tables; a block's second figure is anchored at its id plus "-2";
/// search indexes the prose, not the code listings or the charts' drawings.
final class PageLayoutTests: XCTestCase {
    func testPanelsTablesAnchorsAndSearchText() throws {
        let book = try TemporaryBook(fixture: "book")
        try book.write("intro.md", try book.read("intro.md") + """

            ```swift run
            //| id: fig-pair
            //| caption: Two charts side by side, then one alone.
            let rising = LineChart(title: "Rising", series: [LineSeries(name: "up", y: [1, 2, 3])])
            let falling = LineChart(title: "Falling", series: [LineSeries(name: "down", y: [3, 2, 1])])
            show(Figure(title: "Up and down", charts: [rising, falling]))
            show(falling)
            let uniqueCodeWord = "zyxwvut"
            ```

            """)
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let page = try book.page("intro.html")

        // (A quick build, as the tests' builds are: hence "quick" in the classes.)
        // The figure: wide (2 × 640 px is more than the 736 px column), its title, two panels.
        let figure = try XCTUnwrap(page.components(separatedBy: "<figure class=\"chart quick wide\" id=\"fig-pair\">").dropFirst().first)
            .components(separatedBy: "</figure>")[0]
        XCTAssertTrue(figure.contains("<p class=\"chart-title\">Up and down</p>"), figure)
        // Each panel with its narrow drawing beside it, for phones.
        XCTAssertEqual(figure.components(separatedBy: "<div class=\"chart-svg chart-panel has-narrow\" style=\"max-width: 640px\">"
            + "<div class=\"chart-wide\">").count - 1, 2)
        XCTAssertEqual(figure.components(separatedBy: "<div class=\"chart-narrow\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tn-chart\" width=\"380\"").count - 1, 2)
        XCTAssertTrue(figure.contains("<div class=\"chart-panels counted\" style=\"--panel-min: min(22rem, 640px); --panel-columns: 2\">"),
                      figure)
        XCTAssertFalse(figure.contains("<svg class=\"tn-chart\" x="), "the panels are not nested in one SVG")
        // The second chart of the block: one chart, not wide, anchored at fig-pair-2.
        XCTAssertTrue(page.contains("<figure class=\"chart quick\" id=\"fig-pair-2\">"), "second figure's anchor")
        XCTAssertFalse(page.contains("fig-fig-"))

        // The markdown table scrolls in its wrapper.
        XCTAssertTrue(page.contains("<div class=\"table-wrap\"><table>\n<thead>"), "the chapter's table is not wrapped")

        // Search: prose in, code and chart text out.
        let index = try String(contentsOf: book.output.appendingPathComponent("assets/search-index.js"), encoding: .utf8)
        XCTAssertTrue(index.contains("squares"))
        XCTAssertFalse(index.contains("zyxwvut"), "code listings are not indexed")
        XCTAssertFalse(index.contains("Rising"), "the charts' drawings are not indexed")
    }
}

final class TableCellTests: XCTestCase {
    func testNegativeNumbersGetAMinusSignAndNegativeZeroLosesIt() {
        XCTAssertEqual(BlockRenderer.typesetNumber("-0.25"), "\u{2212}0.25")
        XCTAssertEqual(BlockRenderer.typesetNumber("-0.0000"), "0.0000")
        XCTAssertEqual(BlockRenderer.typesetNumber("-1.5e-3"), "\u{2212}1.5e-3")
        XCTAssertEqual(BlockRenderer.typesetNumber("0.5"), "0.5")
        XCTAssertEqual(BlockRenderer.typesetNumber("-inf"), "-inf", "not a finite number: left as printed")
        XCTAssertEqual(BlockRenderer.typesetNumber("-1 (diverged)"), "-1 (diverged)", "not a number: left as printed")
        XCTAssertEqual(BlockRenderer.typesetNumber("SGD-momentum"), "SGD-momentum")
        XCTAssertEqual(BlockRenderer.typesetNumber("0.8510, -1.3180, -0.0000"), "0.8510, \u{2212}1.3180, 0.0000", "a list of numbers")
        XCTAssertEqual(BlockRenderer.typesetNumber("-1, two"), "-1, two", "not a list of numbers: left as printed")
    }
}

/// KaTeX's verdict on the book's math: a formula it rejects is an error at
/// its chapter line, quoting KaTeX's message and the formula; the note that
/// math is left to the browser appears only when node or katex is missing.
final class MathErrorTests: XCTestCase {
    func testFormulasKaTeXRejectsAreErrorsAtTheirLines() throws {
        guard MathRenderer.findTools() != nil else { throw XCTSkip("node or Debian's katex module is not installed here") }
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [A](a.md)\n",
            "a.md": "# A\n\nFine: $x^2$.\n\n$$\\frac{1}{2$$\n\n```\n$not math$\n```\n\nAnd\n$$\n\\badmacro{x}\n$$\nhere.\n",
        ])
        let log = CollectedLines()
        let report = try book.build { $0.log = { log.append($0) } }
        XCTAssertFalse(report.succeeded)
        let messages = report.errors.map(\.description)
        guard messages.count == 2 else { return XCTFail("two errors expected: \(messages)") }
        XCTAssertTrue(messages[0].hasPrefix("chapters/a.md:5: error: KaTeX cannot typeset $$\\frac{1}{2$$: KaTeX parse error: "), messages[0])
        XCTAssertTrue(messages[1].hasPrefix("chapters/a.md:12: error: KaTeX cannot typeset $$\\badmacro{x}$$: "
                                            + "KaTeX parse error: Undefined control sequence: \\badmacro"), messages[1])
        XCTAssertFalse(log.all.contains { $0.contains("not found") }, log.all.joined(separator: "\n"))
        // The good formula is typeset; the page shows the bad ones to KaTeX in the browser, which marks them.
        let page = try book.page("a.html")
        XCTAssertTrue(page.contains("class=\"katex\""), "x^2 was not typeset")
        XCTAssertTrue(page.contains("<span class=\"math display\">\\[\\badmacro{x}\\]</span>"), page)

        try book.write("a.md", "# A\n\nFine: $x^2$ and $$\\frac{1}{2}$$.\n")
        let fixed = try book.build { $0.log = { log.append($0) } }
        XCTAssertTrue(fixed.succeeded, "\(fixed.errors)")
        XCTAssertFalse(try book.page("a.html").contains("katex.min.js"), "no client-side KaTeX once every formula is typeset")
    }

    func testMathIsLeftToTheBrowserOnlyWhenKaTeXCannotRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tn-math-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let spans = [MathSpan(tex: "x^2", display: false), MathSpan(tex: "\\badmacro", display: true)]
        var renderer = MathRenderer(cacheFile: folder.appendingPathComponent("cache.json"), workFolder: folder)

        renderer.tools = nil
        let missing = renderer.render(spans)
        XCTAssertEqual(missing.unavailable, "node or Debian's katex module not found")
        XCTAssertEqual(missing.html, spans.map(MathRenderer.clientSide))
        XCTAssertEqual(missing.errors, [:], "without KaTeX nothing can be judged")

        guard let tools = MathRenderer.findTools() else { throw XCTSkip("node or Debian's katex module is not installed here") }
        renderer.tools = MathRenderer.KaTeXTools(node: tools.node, module: folder.appendingPathComponent("no-katex").path)
        let broken = renderer.render(spans)
        XCTAssertTrue(broken.unavailable?.hasPrefix("KaTeX could not run") == true, "\(broken.unavailable ?? "nil")")
        XCTAssertEqual(broken.errors, [:])

        renderer.tools = tools
        let typeset = renderer.render(spans)
        XCTAssertNil(typeset.unavailable)
        XCTAssertEqual(Array(typeset.errors.keys), [1])
        XCTAssertTrue(typeset.html[0].contains("class=\"katex\""))
        XCTAssertFalse(typeset.serverSide)
    }
}

/// Small things an author meets: `\@fig-…` is text, not a reference; a
/// chapter file missing from SUMMARY.md is named in a warning; `--check`'s
/// advice names the folders the build was given.
final class AuthoringTests: XCTestCase {
    func testAnEscapedAtIsTextAndNotAReference() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [A](a.md)\n",
            "a.md": "# On \\@fig-names\n\nWrite \\@fig-nothing for the text, or `\\@fig-code` in code.\n\nBut @fig-nothing is a reference.\n",
        ])
        let report = try book.build()
        let messages = report.errors.map(\.description)
        guard messages.count == 1 else { return XCTFail("one error expected: \(messages)") }
        XCTAssertTrue(messages[0].hasPrefix("chapters/a.md:5: error: no figure has the id 'fig-nothing'"), messages[0])
        let page = try book.page("a.html")
        XCTAssertTrue(page.contains("Write @fig-nothing for the text, or <code>\\@fig-code</code> in code."), page)
        XCTAssertTrue(page.contains("<title>On @fig-names · "), "the title")
        XCTAssertFalse(page.contains("\u{E002}"))

        try book.write("a.md", "# A\n\nWrite \\@fig-nothing for the text.\n")
        XCTAssertTrue(try book.build().succeeded)
    }

    func testChapterFilesMissingFromTheSummaryAreNamedInAWarning() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [A](a.md)\n", "a.md": "# A\n", "draft.md": "# Draft\n", "part/extra.md": "# Extra\n",
            "README.md": "About this folder.\n", "_drafts/old.md": "# Old\n",
        ])
        let log = CollectedLines()
        let report = try book.build { $0.log = { log.append($0) } }
        XCTAssertTrue(report.succeeded, "a warning, not an error: \(report.errors)")
        XCTAssertEqual(log.all.filter { $0.hasPrefix("warning:") }, [
            "warning: chapters/draft.md is not listed in chapters/SUMMARY.md, so it is not built",
            "warning: chapters/part/extra.md is not listed in chapters/SUMMARY.md, so it is not built",
        ])
    }

    func testTheCheckAdviceNamesTheFoldersGiven() {
        var options = BuildOptions(chaptersFolder: URL(fileURLWithPath: "chapters"), chaptersDisplay: "chapters",
                                   outputFolder: URL(fileURLWithPath: "output"), cacheFolder: URL(fileURLWithPath: ".tn-cache"))
        XCTAssertEqual(options.staleResultsHeading(count: 2), "Stale frozen results (2); run `tn build` and commit output/_freeze:")
        options = BuildOptions(chaptersFolder: URL(fileURLWithPath: "book"), chaptersDisplay: "book",
                               outputFolder: URL(fileURLWithPath: "book/_site"), cacheFolder: URL(fileURLWithPath: ".tn-cache"))
        options.quick = true
        XCTAssertEqual(options.staleResultsHeading(count: 1),
                       "Stale frozen results (1); run `tn build --chapters book --out book/_site --quick` and commit book/_site/_freeze:")
        options.outputFolder = URL(fileURLWithPath: "my site")
        XCTAssertEqual(options.rebuildCommand, "tn build --chapters book --out 'my site' --quick")
    }
}
