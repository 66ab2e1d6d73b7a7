// Cache keys and the freeze: a prose edit re-executes nothing, a block edit
// re-executes that block only, an engine change re-executes everything, and
// --check lists stale blocks without running them.
import Engine
import XCTest
@testable import Notebook

final class CacheTests: XCTestCase {
    let settings = RunSettings(scale: "quick", backend: "cpu", libraryHash: "L1", dataFingerprint: "D1")

    func blocks(_ text: String) throws -> [ExecutableBlock] {
        try ChapterScanner.scan(text, displayPath: "chapters/c.md").blocks
    }

    func testKeysIgnoreProseAndFollowCodeSetupLibrariesAndScale() throws {
        let original = try blocks("# A\n\n```swift run\nprint(1)\n```\n")[0]
        let moved = try blocks("# A\n\nNew prose.\n\nMore.\n\n```swift run\nprint(1)\n```\n")[0]
        let key = CacheKey.compute(block: original, setup: nil, settings: settings)
        XCTAssertEqual(key, CacheKey.compute(block: moved, setup: nil, settings: settings))
        let edited = try blocks("```swift run\nprint(2)\n```\n")[0]
        XCTAssertNotEqual(key, CacheKey.compute(block: edited, setup: nil, settings: settings))
        let setup = try blocks("```swift run\n//| setup: true\nlet k = 1\n```\n")[0]
        XCTAssertNotEqual(key, CacheKey.compute(block: original, setup: setup, settings: settings))
        var engineChanged = settings
        engineChanged.libraryHash = "L2"
        XCTAssertNotEqual(key, CacheKey.compute(block: original, setup: nil, settings: engineChanged))
        var full = settings
        full.scale = "full"
        XCTAssertNotEqual(key, CacheKey.compute(block: original, setup: nil, settings: full))
    }

    /// The caption, echo, output, timeout and id only change how a result is
    /// shown, so editing them must not rerun a long experiment; the seed and
    /// `error: expected` change what it computes or keeps.
    func testPresentationOptionsAreNotPartOfTheKey() throws {
        let plain = try blocks("```swift run\n//| id: fig-a\n//| caption: One.\nprint(1)\n```\n")[0]
        let key = CacheKey.compute(block: plain, setup: nil, settings: settings)
        for options in ["//| id: fig-b\n//| caption: Two, reworded.", "//| echo: false\n//| output: false", "//| timeout: 5"] {
            let edited = try blocks("```swift run\n\(options)\nprint(1)\n```\n")[0]
            XCTAssertEqual(key, CacheKey.compute(block: edited, setup: nil, settings: settings), options)
        }
        for options in ["//| seed: 7", "//| error: expected"] {
            let edited = try blocks("```swift run\n\(options)\nprint(1)\n```\n")[0]
            XCTAssertNotEqual(key, CacheKey.compute(block: edited, setup: nil, settings: settings), options)
        }
    }

    /// A stale result says which of its inputs changed.
    func testAStaleResultNamesWhatChanged() throws {
        let block = try blocks("```swift run\nprint(1)\n```\n")[0]
        var result = BlockResult(key: "", blockID: "b", status: .succeeded, message: nil, stdout: "", stdoutBytes: 0,
                                 outputs: [], outputNotice: nil, seconds: 0, seed: 42, backend: "cpu", device: "",
                                 scale: "quick")
        XCTAssertEqual(result.changedInputs(comparedWith: CacheKey.parts(block: block, setup: nil, settings: settings)), [],
                       "a result frozen before the parts were kept names nothing")
        result.keyParts = CacheKey.parts(block: block, setup: nil, settings: settings)
        var engine = settings
        engine.libraryHash = "L2"
        XCTAssertEqual(result.changedInputs(comparedWith: CacheKey.parts(block: block, setup: nil, settings: engine)),
                       ["engine and chart sources"])
        let edited = try blocks("```swift run\n//| seed: 3\nprint(2)\n```\n")[0]
        let setup = try blocks("```swift run\n//| setup: true\nlet k = 1\n```\n")[0]
        XCTAssertEqual(result.changedInputs(comparedWith: CacheKey.parts(block: edited, setup: setup, settings: settings)),
                       ["code", "options", "setup block"])
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testProseEditRunsNothingAndBlockEditRunsOnlyThatBlock() throws {
        let book = try TemporaryBook(fixture: "book")
        let first = try book.build()
        XCTAssertEqual(first.executed.count, 4, "\(first.errors) \(first.failures)")
        XCTAssertTrue(first.succeeded, "\(first.errors) \(first.failures)")

        let unchanged = try book.build()
        XCTAssertEqual(unchanged.executed.count, 0)
        XCTAssertEqual(unchanged.pagesWritten, 0, "an unchanged rebuild rewrites no page")

        try book.write("intro.md", try book.read("intro.md").replacingOccurrences(of: "This chapter prints", with: "This edited chapter prints"))
        let prose = try book.build()
        XCTAssertEqual(prose.executed.count, 0)
        XCTAssertTrue(try book.page("intro.html").contains("This edited chapter prints"))

        try book.write("intro.md", try book.read("intro.md").replacingOccurrences(of: "6 * 7)", with: "6 * 7, \"edited\")"))
        let blockEdit = try book.build()
        XCTAssertEqual(blockEdit.executed.map { $0.components(separatedBy: " ").last! }, ["hello"])
        XCTAssertTrue(try book.page("intro.html").contains("42 edited"))

        let check = try book.build { $0.check = true }
        XCTAssertTrue(check.stale.isEmpty)
        try book.write("results.md", try book.read("results.md").replacingOccurrences(of: "\"0.99\"", with: "\"0.98\""))
        let stale = try book.build { $0.check = true }
        XCTAssertEqual(stale.stale.count, 1)
        XCTAssertTrue(stale.stale[0].hasPrefix("chapters/results.md:7 block-1"), stale.stale[0])
        XCTAssertTrue(stale.stale[0].hasSuffix("(code changed)"), "the reason: \(stale.stale[0])")
        XCTAssertFalse(stale.succeeded)

        let refreshed = try book.build { $0.refresh = true }
        XCTAssertEqual(refreshed.executed.count, 4)
    }

    func testCorruptFreezeEntryIsRunAgain() throws {
        let book = try TemporaryBook(fixture: "book")
        _ = try book.build()
        let entry = book.output.appendingPathComponent("_freeze/intro/hello.quick.json")
        try "{ truncated".write(to: entry, atomically: true, encoding: .utf8)
        let check = try book.build { $0.check = true }
        XCTAssertEqual(check.stale.count, 1)
        XCTAssertTrue(check.stale.first?.hasSuffix("hello (its frozen result cannot be read)") == true, "\(check.stale)")
        let report = try book.build()
        XCTAssertEqual(report.executed.map { $0.components(separatedBy: " ").last! }, ["hello"])
        XCTAssertNoThrow(try JSONDecoder().decode(BlockResult.self, from: Data(contentsOf: entry)))
    }
}
