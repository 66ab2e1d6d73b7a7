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
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    func testReferencesToFiguresOfUnbuiltChaptersAreNotErrors() throws {
        let book = try TemporaryBook(fixture: "book")
        let log = Lines()
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
