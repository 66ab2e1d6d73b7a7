// What a full build leaves in the out folder when chapters are renamed or
// deleted: their pages, CSV files, copies and frozen results go (and --check
// lists such frozen results as stale), files an author put there stay, nothing
// outside the out folder is touched; a partial build removes nothing; an out
// folder inside the chapters folder is never copied into itself.
// Blocks here never run: their results are frozen beforehand under the keys
// the build computes, so each build only renders.
import Engine
import NotebookRuntime
import XCTest
@testable import Notebook

final class OutputFolderTests: XCTestCase {
    static let chartBlock = "# TITLE\n\n```swift run\n//| id: fig-a\n//| caption: A chart.\nshow(someChart)\n```\n"
    static let valueBlock = "# Other\n\n```swift run\n//| id: other-block\nshow(1, name: \"one\")\n```\n"

    /// Freezes a result for the first block of `text` (chapter `path`) under
    /// the key the build will compute, so the build reuses it.
    func freeze(_ book: TemporaryBook, chapter path: String, text: String, outputs: [OutputRecord]) throws {
        let block = try XCTUnwrap(try ChapterScanner.scan(text, displayPath: "chapters/\(path)").blocks.first)
        let options = book.options()
        let settings = RunSettings(scale: options.scale, backend: SiteBuilder.resolveBackend(options.backend),
                                   libraryHash: try Toolchain.locate().librarySourceHash(),
                                   dataFingerprint: CacheKey.dataFingerprint)
        let result = BlockResult(
            key: CacheKey.compute(block: block, setup: nil, settings: settings), blockID: block.id, status: .succeeded,
            message: nil, stdout: "", stdoutBytes: 0, outputs: outputs, outputNotice: nil, seconds: 0.1, seed: 42,
            backend: settings.backend, device: "test", scale: settings.scale)
        try FreezeStore(outputFolder: book.output).save(result, chapter: path, scale: settings.scale)
    }

    static let chart = OutputRecord(kind: .chart, title: "A", svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", csv: "x,y\n1,2\n")

    func exists(_ book: TemporaryBook, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: book.output.appendingPathComponent(path).path)
    }

    /// ord.md (a chart), other.md (a value) and keep.md, with an image beside them.
    func makeBook() throws -> TemporaryBook {
        let ord = Self.chartBlock.replacingOccurrences(of: "TITLE", with: "Ord")
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "# Book\n\n- [Ord](ord.md)\n- [Other](other.md)\n- [Keep](keep.md)\n",
            "ord.md": ord, "other.md": Self.valueBlock,
            "keep.md": "# Keep\n\n![picture](pic.svg)\n",
            "pic.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        ])
        try freeze(book, chapter: "ord.md", text: ord, outputs: [Self.chart])
        try freeze(book, chapter: "other.md", text: Self.valueBlock, outputs: [OutputRecord(kind: .value, name: "one", value: "1")])
        return book
    }

    /// `mv ord.md order.md` with SUMMARY.md updated, and other.md deleted.
    func renameAndDelete(_ book: TemporaryBook) throws {
        let order = Self.chartBlock.replacingOccurrences(of: "TITLE", with: "Order")
        try FileManager.default.removeItem(at: book.chapters.appendingPathComponent("ord.md"))
        try FileManager.default.removeItem(at: book.chapters.appendingPathComponent("other.md"))
        try book.write("order.md", order)
        try book.write("SUMMARY.md", "# Book\n\n- [Order](order.md)\n- [Keep](keep.md)\n")
        try freeze(book, chapter: "order.md", text: order, outputs: [Self.chart])
    }

    /// A chapter taken out of SUMMARY.md but still on disk keeps its frozen
    /// results; a build of other chapters into the same folder, or into a
    /// folder holding a checkout, removes nothing at all.
    func testWhatAnUnlistedChapterOrAnotherBookLeftIsKept() throws {
        let book = try makeBook()
        XCTAssertTrue(try book.build().succeeded)
        try book.write("SUMMARY.md", "# Book\n\n- [Ord](ord.md)\n- [Keep](keep.md)\n")
        let unlisted = try book.build()
        XCTAssertTrue(unlisted.succeeded, "\(unlisted.errors)")
        XCTAssertTrue(exists(book, "_freeze/other/other-block.quick.json"), "an unlisted chapter's result went")
        XCTAssertFalse(exists(book, "other.html"), "the page of a chapter no longer built stays")

        // Another book into the same out folder.
        let other = book.root.appendingPathComponent("other-book")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "# Other book\n\n- [Solo](solo.md)\n".write(to: other.appendingPathComponent("SUMMARY.md"), atomically: true, encoding: .utf8)
        try "# Solo\n\nText.\n".write(to: other.appendingPathComponent("solo.md"), atomically: true, encoding: .utf8)
        let log = CollectedLines()
        let another = try book.build {
            $0.chaptersFolder = other
            $0.chaptersDisplay = "other-book"
            $0.log = { log.append($0) }
        }
        XCTAssertTrue(another.removed.isEmpty, "\(another.removed)")
        XCTAssertTrue(log.all.contains { $0.contains("was last built from chapters/, so this build removes nothing") }, "\(log.all)")
        for path in ["ord.html", "_freeze/ord/fig-a.quick.json", "data/ord/fig-a-1.csv", "solo.html"] {
            XCTAssertTrue(exists(book, path), path)
        }

        // An out folder holding a checkout, or the chapters: no build at all.
        try FileManager.default.createDirectory(at: book.output.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try renameAndDelete(book)
        XCTAssertThrowsError(try book.build()) { error in
            XCTAssertTrue("\(error)".contains("holds .git, so the site would be written among the sources"), "\(error)")
        }
        XCTAssertTrue(exists(book, "ord.html") && exists(book, "_freeze/ord/fig-a.quick.json"))
        XCTAssertThrowsError(try book.build { $0.outputFolder = book.root }) { error in
            XCTAssertTrue("\(error)".contains("is the chapters folder or holds it"), "\(error)")
        }
    }

    func testAFullBuildRemovesWhatRenamedAndDeletedChaptersLeftAndNothingElse() throws {
        let book = try makeBook()
        let first = try book.build()
        XCTAssertTrue(first.succeeded, "\(first.errors) \(first.failures)")
        XCTAssertEqual(first.executed, [], "the frozen results are reused")
        for path in ["ord.html", "other.html", "data/ord/fig-a-1.csv", "_freeze/ord/fig-a.quick.json",
                     "_freeze/other/other-block.quick.json", "pic.svg", ".tn-manifest"] {
            XCTAssertTrue(exists(book, path), path)
        }
        // What the author put in the out folder, and what only looks like ours.
        let hand = ["notes.html": "<p>by hand</p>", "data/ord/by-hand.csv": "a\n1\n",
                    "_freeze/other/notes.txt": "kept", "_freeze/gone/fig-x.quick.json": "{ \"not\": \"a result\" }"]
        for (path, text) in hand {
            let url = book.output.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let outside = book.root.appendingPathComponent("ord.html")
        try "outside the out folder".write(to: outside, atomically: true, encoding: .utf8)

        try renameAndDelete(book)
        try FileManager.default.removeItem(at: book.chapters.appendingPathComponent("pic.svg"))
        try book.write("keep.md", "# Keep\n\nNo picture any more.\n")

        // --check lists the orphaned frozen results, and removes nothing.
        let check = try book.build { $0.check = true }
        XCTAssertFalse(check.succeeded)
        XCTAssertEqual(check.stale.sorted(), [
            "\(book.output.path)/_freeze/ord/fig-a.quick.json (chapters/ord.md is gone)",
            "\(book.output.path)/_freeze/other/other-block.quick.json (chapters/other.md is gone)",
        ])
        XCTAssertTrue(exists(book, "_freeze/ord/fig-a.quick.json"))

        let log = CollectedLines()
        let second = try book.build { $0.log = { log.append($0) } }
        XCTAssertTrue(second.succeeded, "\(second.errors) \(second.failures)")
        XCTAssertEqual(second.removed.sorted(), ["_freeze/ord/fig-a.quick.json", "_freeze/other/other-block.quick.json",
                                                 "data/ord/fig-a-1.csv", "ord.html", "other.html", "pic.svg"])
        for path in ["ord.html", "other.html", "data/ord/fig-a-1.csv", "_freeze/ord", "_freeze/other/other-block.quick.json", "pic.svg"] {
            XCTAssertFalse(exists(book, path), "\(path) is still there")
        }
        for path in ["order.html", "data/order/fig-a-1.csv", "_freeze/order/fig-a.quick.json", "keep.html"] + hand.keys {
            XCTAssertTrue(exists(book, path), "\(path) was removed")
        }
        XCTAssertEqual(try String(contentsOf: outside, encoding: .utf8), "outside the out folder")
        let removals = log.all.filter { $0.contains("removed") }
        XCTAssertEqual(removals, ["  removed 6 files from \(book.output.path)/ that this build no longer makes: "
                                  + "data/ord/fig-a-1.csv, ord.html, other.html, pic.svg, _freeze/ord/, _freeze/other/other-block.quick.json"])

        // Nothing more to remove, and the check is clean again.
        let third = try book.build()
        XCTAssertEqual(third.removed, [])
        XCTAssertEqual(try book.build { $0.check = true }.stale, [])
    }

    /// A block whose id changed leaves a result no block reads; the other
    /// scale's result of a block that is still there stays.
    func testTheFrozenResultOfABlockWhoseIdChangedGoes() throws {
        let book = try makeBook()
        _ = try book.build()
        let quick = book.output.appendingPathComponent("_freeze/ord/fig-a.quick.json")
        try FileManager.default.copyItem(at: quick, to: book.output.appendingPathComponent("_freeze/other/other-block.full.json"))
        let renamed = try book.read("ord.md").replacingOccurrences(of: "id: fig-a", with: "id: fig-b")
        try book.write("ord.md", renamed)
        try freeze(book, chapter: "ord.md", text: renamed, outputs: [Self.chart])
        XCTAssertEqual(try book.build { $0.check = true }.stale,
                       ["\(book.output.path)/_freeze/ord/fig-a.quick.json (chapters/ord.md has no block 'fig-a')"])
        let report = try book.build()
        XCTAssertEqual(report.removed, ["data/ord/fig-a-1.csv", "_freeze/ord/fig-a.quick.json"])
        XCTAssertTrue(exists(book, "_freeze/ord/fig-b.quick.json") && exists(book, "data/ord/fig-b-1.csv"))
        XCTAssertTrue(exists(book, "_freeze/other/other-block.full.json"), "a full-scale result of a block still in the book")
    }

    func testALinkToARenamedChaptersOldPageIsBroken() throws {
        let book = try makeBook()
        try book.write("keep.md", "# Keep\n\nSee [the order](ord.md).\n")
        XCTAssertTrue(try book.build().succeeded)
        try renameAndDelete(book)
        let report = try book.build()
        XCTAssertTrue(report.errors.contains { "\($0)".hasPrefix("chapters/keep.md:3: error: the link 'ord.html' points to nothing") },
                      "\(report.errors)")
    }

    func testAPartialBuildRemovesNothingAndForgetsNothing() throws {
        let book = try makeBook()
        _ = try book.build()
        try renameAndDelete(book)
        let partial = try book.build { $0.only = "order" }
        XCTAssertEqual(partial.removed, [])
        XCTAssertTrue(exists(book, "ord.html") && exists(book, "_freeze/other/other-block.quick.json"))
        XCTAssertTrue(try XCTUnwrap(GeneratedFiles.readManifest(in: book.output)).isSuperset(of: ["ord.html", "order.html"]))
        let full = try book.build()
        XCTAssertTrue(full.removed.contains("ord.html") && full.removed.contains("data/ord/fig-a-1.csv"), "\(full.removed)")
    }

    /// An out folder built before the manifest existed: its pages are
    /// recognised by the layout's own script, and a hand-written page is not.
    func testWithoutAManifestOnlyTheBuildsOwnPagesAreRemoved() throws {
        let book = try makeBook()
        _ = try book.build()
        try FileManager.default.removeItem(at: book.output.appendingPathComponent(GeneratedFiles.manifestName))
        try "<!DOCTYPE html>\n<p>An author's page.</p>\n".write(to: book.output.appendingPathComponent("about.html"), atomically: true, encoding: .utf8)
        try renameAndDelete(book)
        let report = try book.build()
        XCTAssertEqual(report.removed.sorted(), ["_freeze/ord/fig-a.quick.json", "_freeze/other/other-block.quick.json",
                                                 "data/ord/fig-a-1.csv", "ord.html", "other.html"])
        XCTAssertTrue(exists(book, "about.html"))
        XCTAssertTrue(exists(book, "pic.svg"), "a copied file is only known from the manifest")
        XCTAssertEqual(GeneratedFiles.readManifest(in: book.output),
                       ["index.html", "order.html", "keep.html", "data/order/fig-a-1.csv", "pic.svg"])
    }

    /// A manifest that names paths outside the out folder, or through a link
    /// to a folder outside it, removes none of them.
    func testNothingOutsideTheOutFolderIsEverRemoved() throws {
        let book = try TemporaryBook(files: ["SUMMARY.md": "- [A](a.md)\n", "a.md": "# A\n"])
        _ = try book.build()
        let elsewhere = book.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        for name in ["x.html", "y.html"] {
            try "keep".write(to: elsewhere.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(at: book.output.appendingPathComponent("linked"), withDestinationURL: elsewhere)
        try FileManager.default.createSymbolicLink(at: book.output.appendingPathComponent("file-link.html"),
                                                   withDestinationURL: elsewhere.appendingPathComponent("y.html"))
        try (GeneratedFiles.manifestHeader + "\n../elsewhere/x.html\n\(elsewhere.path)/x.html\nlinked/x.html\nfile-link.html\n"
             + "./a.html\n_freeze/a/x.quick.json\nindex.html\n")
            .write(to: book.output.appendingPathComponent(GeneratedFiles.manifestName), atomically: true, encoding: .utf8)
        let report = try book.build()
        XCTAssertEqual(report.removed, [])
        for name in ["x.html", "y.html"] {
            XCTAssertEqual(try String(contentsOf: elsewhere.appendingPathComponent(name), encoding: .utf8), "keep")
        }
        XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: book.output.appendingPathComponent("file-link.html").path))
    }

    /// `--out chapters/_site`: the copy of the chapters' files skips the out
    /// folder and every file or folder starting with `.` or `_`.
    func testAnOutFolderInsideTheChaptersIsNotCopiedIntoItself() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [A](a.md)\n", "a.md": "# A\n\n![p](img/p.svg)\n",
            "img/p.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
            "_drafts/d.png": "draft", ".hidden/h.png": "hidden", "_notes.txt": "notes",
        ])
        // A link to a file is copied as the file, as before.
        let shared = book.root.appendingPathComponent("shared.svg")
        try "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".write(to: shared, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: book.chapters.appendingPathComponent("linked.svg"), withDestinationURL: shared)
        let build = { try book.build { $0.outputFolder = book.chapters.appendingPathComponent("site") } }
        let site = book.chapters.appendingPathComponent("site")
        for _ in 0..<3 { XCTAssertTrue(try build().succeeded) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: site.appendingPathComponent("img/p.svg").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: site.appendingPathComponent("site").path), "the site was copied into itself")
        let copied = GeneratedFiles.filesBelow(site) { $0 == "assets" }.filter { !$0.hasSuffix(".html") && !$0.hasPrefix(".") }
        XCTAssertEqual(copied, ["img/p.svg", "linked.svg"])
    }
}
