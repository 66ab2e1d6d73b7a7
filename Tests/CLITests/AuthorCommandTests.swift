// `tn run` and `tn clean` as an author uses them, on a book in a temporary
// folder: run prints a chapter's outputs; clean removes a built site but
// refuses, removing nothing, any folder `tn build` did not write.
import Foundation
import XCTest

final class AuthorCommandTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-author-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("chapters"), withIntermediateDirectories: true)
        try write("chapters/SUMMARY.md", "# Book\n\n- [One](one.md)\n")
        try write("chapters/one.md", """
            # One

            ```swift run
            //| id: greet
            print("printed by the block")
            show("hello", name: "greeting")
            ```

            """)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    private func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }

    private func tn(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try BuiltExecutable.run(arguments, in: root)
    }

    func testRunPrintsTheChaptersOutputs() throws {
        let outcome = try tn(["run", "chapters/one.md", "--quick"])
        XCTAssertEqual(outcome.status, 0, outcome.output + outcome.error)
        XCTAssertTrue(outcome.output.contains("chapters/one.md:3 greet"), outcome.output)
        XCTAssertTrue(outcome.output.contains("printed by the block"), outcome.output)
        XCTAssertTrue(outcome.output.contains("greeting = hello"), outcome.output)
    }

    func testRunTakesAChapterWithoutItsExtension() throws {
        let outcome = try tn(["run", "chapters/one", "--quick"])
        XCTAssertEqual(outcome.status, 0, outcome.output + outcome.error)
        XCTAssertTrue(outcome.output.contains("greeting = hello"), outcome.output)
    }

    func testRunOfAMissingChapterNamesIt() throws {
        let outcome = try tn(["run", "chapters/absent.md"])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.error.contains("cannot read chapters/absent.md"), outcome.error)
    }

    func testCleanRemovesABuiltSiteButKeepsItsFrozenResults() throws {
        let built = try tn(["build", "--quick", "--backend", "cpu", "--out", "site"])
        XCTAssertEqual(built.status, 0, built.error)
        XCTAssertTrue(exists("site/one.html") && exists("site/assets") && exists("site/.tn-manifest"))
        try write("site/CNAME", "tutorial.example.org\n")
        try write("site/assets/logo.svg", "<svg/>\n")
        let outcome = try tn(["clean", "--out", "site"])
        XCTAssertEqual(outcome.status, 0, outcome.error)
        for gone in ["site/one.html", "site/index.html", "site/assets/site.css", "site/assets/katex", "site/.build-stamp",
                     "site/.tn-manifest", ".tn-cache"] {
            XCTAssertFalse(exists(gone), "\(gone) is still there")
        }
        XCTAssertTrue(exists("site/_freeze/one/greet.quick.json"), "the frozen result went")
        XCTAssertTrue(exists("site/CNAME") && exists("site/assets/logo.svg"), "the author's own files went")
    }

    func testCleanRefusesWhatIsNotASite() throws {
        try write("repo/.git/HEAD", "ref: refs/heads/main\n")
        try write("repo/.build-stamp", "1\n")
        try write("plain/notes.txt", "mine\n")
        for (out, mention) in [(".", "working folder"), ("chapters", "SUMMARY.md"), ("repo", ".git"),
                               ("plain", "no .build-stamp"), ("typo", "does not exist")] {
            let outcome = try tn(["clean", "--out", out])
            XCTAssertNotEqual(outcome.status, 0, "tn clean --out \(out) succeeded")
            XCTAssertTrue(outcome.error.contains(mention), "--out \(out): \(outcome.error)")
        }
        XCTAssertTrue(exists("chapters/one.md") && exists("chapters/SUMMARY.md"))
        XCTAssertTrue(exists("repo/.git/HEAD") && exists("plain/notes.txt"))
    }
}
