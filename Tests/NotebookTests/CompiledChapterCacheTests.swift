// The compiled chapters in .tn-cache/bin: one per chapter, however often its
// blocks are edited, and a damaged one is compiled again instead of stopping
// the build with an exec error.
import Foundation
import XCTest
@testable import Notebook

final class CompiledChapterCacheTests: XCTestCase {
    private func executables(_ book: TemporaryBook) throws -> [String] {
        let bin = book.root.appendingPathComponent(".tn-cache/bin")
        return try FileManager.default.contentsOfDirectory(atPath: bin.path).sorted()
    }

    func testOneExecutablePerChapterAndADamagedOneIsRebuilt() throws {
        let book = try TemporaryBook(fixture: "book")
        let first = try book.build()
        XCTAssertTrue(first.succeeded, "\(first.errors) \(first.failures)")
        let compiled = try executables(book)
        XCTAssertEqual(compiled.count, first.chaptersCompiled, "\(compiled)")
        let intro = try XCTUnwrap(compiled.first { $0.hasPrefix("chapters-intro-") }, "\(compiled)")

        // Two edits of one block: the chapter still has one executable, a new one.
        for version in ["one", "two"] {
            try book.write("intro.md", try book.read("intro.md")
                .replacingOccurrences(of: "6 * 7)", with: "6 * 7, \"\(version)\")")
                .replacingOccurrences(of: "6 * 7, \"one\")", with: "6 * 7, \"\(version)\")"))
            XCTAssertTrue(try book.build().succeeded)
        }
        let afterEdits = try executables(book)
        XCTAssertEqual(afterEdits.count, compiled.count, "\(afterEdits)")
        XCTAssertFalse(afterEdits.contains(intro), "the edited chapter's old executable is still there")

        // A rebuild of every block compiles the chapter whole; damage that
        // executable, and the same rebuild again, which would reuse it, compiles it again.
        XCTAssertTrue(try book.build { $0.refresh = true }.succeeded)
        let whole = try XCTUnwrap(try executables(book).first { $0.hasPrefix("chapters-intro-") })
        let path = book.root.appendingPathComponent(".tn-cache/bin/\(whole)")
        try Data("#!/bin".utf8).write(to: path)
        chmod(path.path, 0o755)
        XCTAssertFalse(ChapterCompiler.isUsableExecutable(path))
        let refreshed = try book.build { $0.refresh = true }
        XCTAssertTrue(refreshed.succeeded, "\(refreshed.errors) \(refreshed.failures)")
        XCTAssertTrue(try book.page("intro.html").contains("42 two"))
        XCTAssertTrue(ChapterCompiler.isUsableExecutable(path), "\((try? executables(book)) ?? [])")

        // Cut short after its header, it is damaged too.
        let bytes = try Data(contentsOf: path)
        let cut = book.root.appendingPathComponent("cut")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        chmod(cut.path, 0o755)
        XCTAssertFalse(ChapterCompiler.isUsableExecutable(cut))
    }
}
