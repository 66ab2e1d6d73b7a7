// What an author is told when a block is broken, built for real in a temporary
// book: an unbalanced bracket, an import or a file-scope declaration in a
// block. Each is reported at the chapter's file and line, never
// at tn's generated files under .tn-cache, and the blocks around it still run.
import Foundation
import XCTest
@testable import Notebook

final class BlockErrorTests: XCTestCase {
    /// The failure reported for block `id`, e.g. "chapters/x.md:8 id: MESSAGE".
    func failure(_ report: BuildReport, _ id: String) -> String? {
        report.failures.first { $0.split(separator: ":", maxSplits: 2).dropFirst().first?.hasSuffix(" \(id)") == true }
    }

    func assertNoGeneratedPaths(_ report: BuildReport, _ page: String, file: StaticString = #filePath, line: UInt = #line) {
        for text in report.failures + [page] {
            XCTAssertFalse(text.contains(".tn-cache"), "a generated path reached the author: \(text)", file: file, line: line)
            XCTAssertFalse(text.contains("blocks.swift"), "a generated file reached the author: \(text)", file: file, line: line)
            XCTAssertFalse(text.contains("TNChapter/"), "the module's file id reached the author: \(text)", file: file, line: line)
        }
    }

    func testAnUnbalancedBracketFailsOnlyItsBlockAtItsLine() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [Brace](brace.md)\n",
            "brace.md": """
                # Brace

                ```swift run
                //| id: ok1
                print("one")
                ```

                ```swift run
                //| id: missing
                for i in 0..<3 {
                    print(i)
                ```

                ```swift run
                //| id: extra
                print("x")
                }
                ```

                ```swift run
                //| id: mismatch
                let a = [1,
                    2)
                ```

                ```swift run
                //| id: ok2
                let text = "a { in a string"  // and ( in a comment
                print("two \\(text.count)")
                ```

                """,
        ])
        let report = try book.build()
        XCTAssertEqual(report.failures.count, 3, report.failures.joined(separator: "\n"))
        XCTAssertTrue(failure(report, "missing")?.contains("chapters/brace.md:10: error: this '{' is never closed") == true,
                      report.failures.joined(separator: "\n"))
        XCTAssertTrue(failure(report, "extra")?.contains("chapters/brace.md:17: error: this '}' closes nothing") == true,
                      report.failures.joined(separator: "\n"))
        XCTAssertTrue(failure(report, "mismatch")?.contains("chapters/brace.md:23: error: ')' closes the '[' opened at line 22") == true,
                      report.failures.joined(separator: "\n"))
        let page = try book.page("brace.html")
        XCTAssertTrue(page.contains("one"))
        XCTAssertTrue(page.contains("two 15"), "the block after the broken ones did not run")
        assertNoGeneratedPaths(report, page)
    }

    func testAnUnbalancedSetupBlockIsReportedAtItsLineForEveryBlock() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [S](s.md)\n",
            "s.md": "# S\n\n```swift run\n//| setup: true\nfunc helper() -> Int {\n    1\n```\n\n```swift run\nprint(helper())\n```\n",
        ])
        let report = try book.build()
        XCTAssertEqual(report.failures.count, 1, report.failures.joined(separator: "\n"))
        XCTAssertTrue(report.failures[0].contains("setup block"), report.failures[0])
        XCTAssertTrue(report.failures[0].contains("chapters/s.md:5: error: this '{' is never closed"), report.failures[0])
        assertNoGeneratedPaths(report, try book.page("s.html"))
    }

    func testImportsAndFileScopeDeclarationsInABlockAreExplained() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [Imports](imports.md)\n",
            "imports.md": """
                # Imports

                ```swift run
                //| setup: true
                import Synchronization
                let start = 40
                ```

                ```swift run
                //| id: foundation
                import Foundation
                print("never")
                ```

                ```swift run
                //| id: other
                let x = 1
                import Dispatch
                ```

                ```swift run
                //| id: extension
                extension Int { var twice: Int { self * 2 } }
                print(3.twice)
                ```

                ```swift run
                //| id: mutex
                let counter = Mutex(start)
                counter.withLock { $0 += 2 }
                print("mutex", counter.withLock { $0 })
                ```

                """,
        ])
        let report = try book.build()
        let all = report.failures.joined(separator: "\n")
        XCTAssertEqual(report.failures.count, 3, all)
        let foundation = try XCTUnwrap(failure(report, "foundation"), all)
        XCTAssertTrue(foundation.contains("chapters/imports.md:11: error: `import Foundation` cannot go in a block"), foundation)
        XCTAssertTrue(foundation.contains("Foundation, Engine, Charts and NotebookRuntime are already imported in every block"), foundation)
        let other = try XCTUnwrap(failure(report, "other"), all)
        XCTAssertTrue(other.contains("chapters/imports.md:18: error: `import Dispatch` cannot go in a block"), other)
        XCTAssertTrue(other.contains("setup block (`//| setup: true`)"), other)
        // Extensions are left to the compiler, whose message gains the way out.
        let extensionFailure = try XCTUnwrap(failure(report, "extension"), all)
        XCTAssertTrue(extensionFailure.contains("chapters/imports.md:23:1: error: declaration is only valid at file scope"), extensionFailure)
        XCTAssertTrue(extensionFailure.contains("fix: a block's code is the body of a function"), extensionFailure)
        // The setup block's import reaches the blocks.
        let page = try book.page("imports.html")
        XCTAssertTrue(page.contains("mutex 42"), "the setup block's import did not reach the block")
        assertNoGeneratedPaths(report, page)
    }
}
