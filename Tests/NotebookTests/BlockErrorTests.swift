// What an author is told when a block is broken, built for real in a temporary
// book: an unbalanced bracket, an import or a file-scope declaration in a
// block, a runtime trap. Each is reported at the chapter's file and line, never
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
                #if os(Linux)
                import Glibc
                #else
                import Darwin
                #endif
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
        XCTAssertTrue(foundation.contains("chapters/imports.md:16: error: `import Foundation` cannot go in a block"), foundation)
        XCTAssertTrue(foundation.contains("Foundation, Engine, Charts and NotebookRuntime are already imported in every block"), foundation)
        let other = try XCTUnwrap(failure(report, "other"), all)
        XCTAssertTrue(other.contains("chapters/imports.md:23: error: `import Dispatch` cannot go in a block"), other)
        XCTAssertTrue(other.contains("setup block (`//| setup: true`)"), other)
        // Extensions are left to the compiler, whose message gains the way out.
        let extensionFailure = try XCTUnwrap(failure(report, "extension"), all)
        XCTAssertTrue(extensionFailure.contains("chapters/imports.md:28:1: error: declaration is only valid at file scope"), extensionFailure)
        XCTAssertTrue(extensionFailure.contains("fix: a block's code is the body of a function"), extensionFailure)
        // The setup block's imports reach the blocks, its #if choosing between
        // Glibc and Darwin as in the setup block.
        let page = try book.page("imports.html")
        XCTAssertTrue(page.contains("mutex 42"), "the setup block's import did not reach the block")
        assertNoGeneratedPaths(report, page)
    }

    /// The backtracer's JSON (as Swift 6.3 writes it, cut down) and stderr
    /// make the message, whether or not this toolchain has a backtracer.
    func testACrashReportAndStderrMakeTheMessage() throws {
        let json = """
            {"kind": "crashReport", "faultAddress": "0x000055efb4f1f748", "threads": [
              {"crashed": false, "frames": [{"symbol": "other", "sourceLocation": {"file": "chapters/x.md", "line": 3}}]},
              {"crashed": true, "frames": [
                {"kind": "programCounter", "inlined": true, "runtimeFailure": true,
                 "symbol": "Swift runtime failure: arithmetic overflow", "description": "Swift runtime failure: arithmetic overflow",
                 "sourceLocation": {"file": "//<compiler-generated>", "line": 0, "column": 0}},
                {"kind": "returnAddress", "symbol": "$s6Engine1fyyF", "description": "f() + 3",
                 "sourceLocation": {"file": "/src/Sources/Engine/F.swift", "line": 12, "column": 1}},
                {"kind": "returnAddress", "symbol": "$s9TNChapter8tnBlock2yyKF", "description": "tnBlock2() + 152",
                 "sourceLocation": {"file": "chapters/x.md", "line": 17, "column": 8}},
                {"kind": "truncated"}]}]}
            """
        let crash = CrashReport.parse(try JSONDecoder().decode(BacktraceJSON.self, from: Data(json.utf8)))
        XCTAssertEqual(crash, CrashReport(location: "chapters/x.md:17", check: "arithmetic overflow"))
        // The runtime's notes around the backtrace are left out; progress lines too.
        let notes = "[progress] epoch 1\nswift-runtime: failed to suspend thread 7 while processing a crash\n\n*** Signal 4: Backtracing from 0x1... done ***\n"
        XCTAssertEqual(BlockExecutor.crashMessage(signal: 4, crash: crash, stderr: notes),
                       "the block crashed at chapters/x.md:17: arithmetic overflow")
        // fatalError names the chapter's line itself; a library's keeps its own file.
        XCTAssertEqual(BlockExecutor.crashMessage(signal: 4, crash: nil, stderr: "chapters/x.md:6: Fatal error: diverged\n"),
                       "the block crashed at chapters/x.md:6: Fatal error: diverged")
        XCTAssertEqual(BlockExecutor.crashMessage(signal: 4, crash: CrashReport(location: "chapters/x.md:9"),
                                                  stderr: "Engine/F.swift:35: Precondition failed: bad size\n"),
                       "the block crashed at chapters/x.md:9: Engine/F.swift:35: Precondition failed: bad size")
        XCTAssertEqual(BlockExecutor.crashMessage(signal: 11, crash: nil, stderr: "last words\n"),
                       "the block crashed (signal 11):\nlast words")
        XCTAssertEqual(CrashReport.runtimeFailure(inSymbolizerOutput:
            "Swift runtime failure: Index out of range\n/<compiler-generated>:0:0\n??\n/<compiler-generated>:0:0\n$s9TNChapter8tnBlock1yyKF\nchapters/x.md:11:8\n"),
                       "Index out of range")
    }

    func testARuntimeTrapNamesTheFailedCheckAndTheChapterLine() throws {
        let book = try TemporaryBook(files: [
            "SUMMARY.md": "- [Runtime](runtime.md)\n",
            "runtime.md": """
                # Runtime

                ```swift run
                //| id: ok-before
                print("before")
                ```

                ```swift run
                //| id: index
                let values = [1, 2, 3]
                let position = values.count + CommandLine.arguments.count
                print(values[position])
                ```

                ```swift run
                //| id: unwrap
                let missing: Int? = CommandLine.arguments.count > 100 ? 1 : nil
                print(missing!)
                ```

                ```swift run
                //| id: overflow
                var big = Int.max - CommandLine.arguments.count
                big += 10
                print(big)
                ```

                ```swift run
                //| id: fatal
                fatalError("the model diverged")
                ```

                ```swift run
                //| id: precondition
                let rate = -1.0 * Double(CommandLine.arguments.count)
                precondition(rate > 0, "rate must be positive")
                ```

                ```swift run
                //| id: ok-after
                print("after")
                ```

                """,
        ])
        let report = try book.build()
        let all = report.failures.joined(separator: "\n")
        XCTAssertEqual(report.failures.count, 5, all)
        let page = try book.page("runtime.html")
        XCTAssertTrue(page.contains("before") && page.contains("after"), "the blocks around the traps did not run")
        assertNoGeneratedPaths(report, page)
        // fatalError and precondition print their message and the chapter's line themselves.
        XCTAssertTrue(failure(report, "fatal")?.contains("the block crashed at chapters/runtime.md:30: Fatal error: the model diverged") == true, all)
        XCTAssertTrue(failure(report, "precondition")?.contains(
            "the block crashed at chapters/runtime.md:36: Fatal error: Precondition failed: rate must be positive") == true, all)
        // The checks the compiler inserts say nothing in an optimised build: their
        // name and line come from the backtrace and the line tables.
        try XCTSkipIf(Toolchain.crashTools.backtracer == nil || Toolchain.crashTools.symbolizer == nil,
                      "this toolchain has no swift-backtrace or llvm-symbolizer beside swiftc")
        XCTAssertTrue(failure(report, "index")?.contains("the block crashed at chapters/runtime.md:12: Index out of range") == true, all)
        XCTAssertTrue(failure(report, "unwrap")?.contains(
            "the block crashed at chapters/runtime.md:18: Unexpectedly found nil while unwrapping an Optional value") == true, all)
        XCTAssertTrue(failure(report, "overflow")?.contains("the block crashed at chapters/runtime.md:24: arithmetic overflow") == true, all)
    }
}
