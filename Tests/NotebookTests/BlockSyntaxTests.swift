// BlockSyntax, the lexer run over each block before its chapter is compiled:
// brackets in comments, strings, interpolations, raw strings and regexes do
// not count; an unbalanced or mismatched bracket, an unclosed string, comment
// or #if is found at its line; import lines are found outside strings and
// comments. It must never flag code that compiles, so it is also run over
// every Swift file of the package and every block of the tutorial.
import Foundation
import XCTest
@testable import Notebook

final class BlockSyntaxTests: XCTestCase {
    func problem(_ code: String) -> CodeProblem? {
        BlockSyntax.structuralProblem(in: code)
    }

    func testBracketsInCommentsStringsAndRegexesDoNotCount() {
        let code = ##"""
        // a comment with { and ( and "
        /* a block comment { /* nested ( */ still a comment ] */
        let s = "text with { [ ( and an escaped \" quote and \\"
        let t = "interpolation \(values.map { "\($0)}" }.joined(separator: ")")) done"
        let raw = #"raw " with \( no interpolation { and \#(count) one"#
        let deeper = ##"a "# inside {"##
        let lines = """
            a multi-line string with " and "" and { unbalanced (
            and \(f(x: [1, 2])) interpolated, \""" escaped
            """
        let pattern = #/[a-z]+\(/#
        let `class` = 1
        let keyPath = \Item.value
        #if DEBUG
        print(s, t, raw, deeper, lines, pattern, `class`, keyPath)
        #else
        print("release")
        #endif
        """##
        XCTAssertNil(problem(code))
    }

    func testAnUnclosedBraceIsFoundAtItsLine() {
        let found = problem("let a = 1\nfor i in 0..<3 {\n    print(i)\n")
        XCTAssertEqual(found?.line, 1)
        XCTAssertEqual(found?.message, "this '{' is never closed")
        // The innermost bracket left open is the one reported.
        XCTAssertEqual(problem("func f() {\n    g(\n}\n")?.message(firstLine: 10), "'}' closes the '(' opened at line 11")
    }

    func testAnExtraClosingBracketClosesNothing() {
        let found = problem("print(1)\n}\nprint(2)\n")
        XCTAssertEqual(found?.line, 1)
        XCTAssertEqual(found?.message, "this '}' closes nothing")
        XCTAssertEqual(problem("let a = [1, 2]]\n")?.message, "this ']' closes nothing")
    }

    func testAMismatchedBracketNamesTheOneItMeets() {
        let found = problem("let a = [\n    1, 2,\n    f(3]\n")
        XCTAssertEqual(found?.line, 2)
        XCTAssertEqual(found?.openedAt, 2)
        XCTAssertEqual(found?.message(firstLine: 7), "']' closes the '(' opened at line 9")
        let outer = problem("let a = [1, 2, 3\nprint(a)\n)\n")
        XCTAssertEqual(outer?.line, 2)
        XCTAssertEqual(outer?.message(firstLine: 1), "')' closes the '[' opened at line 1")
        // A bracket that would end an interpolation must be its ')'.
        XCTAssertEqual(problem(#"print("a \(x] b")"#)?.message, "']' closes the '('")
    }

    func testUnclosedStringsCommentsAndConditions() {
        XCTAssertEqual(problem("let a = 1\nlet s = \"no end\nprint(s)\n"),
                       CodeProblem(line: 1, message: "this string is never closed",
                                   hint: "end it with \" on the same line, or use a multi-line string (\"\"\")"))
        XCTAssertEqual(problem("let s = \"\"\"\n    text\nprint(s)\n")?.message, "this multi-line string is never closed")
        XCTAssertEqual(problem("let s = #\"raw \" still\"\n")?.message, "this string is never closed")
        XCTAssertEqual(problem("print(1)\n/* open\n /* nested */\nprint(2)\n")?.line, 1)
        XCTAssertEqual(problem("#if DEBUG\nprint(1)\n")?.message, "this '#if' is never closed")
        XCTAssertEqual(problem("print(1)\n#endif\n")?.message, "this '#endif' has no '#if'")
        // A quote in a comment opens no string.
        XCTAssertNil(problem("// it's \"quoted\n/* \" */\nprint(1)\n"))
    }

    func testImportLinesAreFoundOutsideStringsAndComments() {
        let code = """
            import Foundation
                @testable import Engine
            import struct Charts.LineChart
            // import Commented
            let text = \"\"\"
            import InAString
            \"\"\"
            let importance = 1
            /*
            import InAComment
            */
            @preconcurrency import Dispatch
            """
        let found = BlockSyntax.imports(in: code)
        XCTAssertEqual(found.map(\.line), [0, 1, 2, 11])
        XCTAssertEqual(found.map(\.module), ["Foundation", "Engine", "Charts", "Dispatch"])
        XCTAssertEqual(found.map(\.declaration), ["import Foundation", "@testable import Engine",
                                                  "import struct Charts.LineChart", "@preconcurrency import Dispatch"])
    }

    /// The lexer is run over code that compiles: every Swift file of the
    /// package (whole files, so with every construct the project uses).
    func testNoSwiftFileOfThePackageIsFlagged() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var checked = 0
        for folder in ["Sources", "Tests"] {
            let base = root.appendingPathComponent(folder)
            for path in FileManager.default.enumerator(atPath: base.path)?.allObjects as? [String] ?? [] where path.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(path), encoding: .utf8)
                let found = problem(text)
                XCTAssertNil(found, "\(folder)/\(path):\((found?.line ?? 0) + 1): \(found?.message ?? "")")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testNoBlockOfTheTutorialIsFlagged() throws {
        let chapters = TutorialChaptersTests.chaptersFolder
        var blocks = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: chapters.path) where name.hasSuffix(".md") {
            let text = try String(contentsOf: chapters.appendingPathComponent(name), encoding: .utf8)
            for block in try ChapterScanner.scan(text, displayPath: "chapters/\(name)").blocks {
                XCTAssertNil(ChapterCompiler.syntaxProblems(block, displayPath: "chapters/\(name)"))
                blocks += 1
            }
        }
        XCTAssertGreaterThan(blocks, 20)
    }

    /// Swift does not parse a false `#if swift(…)` or `#if compiler(…)` branch,
    /// so brackets there are none of the lexer's business.
    func testVersionConditionsAreLeftToTheCompiler() {
        XCTAssertNil(BlockSyntax.structuralProblem(in: "#if swift(>=99)\nlet x = [1, 2\n#else\nlet x = [1, 2]\n#endif\n"))
        XCTAssertNil(BlockSyntax.structuralProblem(in: "#if compiler(>=99)\nlet s = \"open\n#endif\n"))
        XCTAssertNotNil(BlockSyntax.structuralProblem(in: "#if os(Linux)\nlet x = [1, 2\n#endif\n"))
    }

    func testImportsKeepTheConditionsAroundThem() {
        let code = "import A\nlet k = 1\n#if os(Linux)\nimport Glibc\n#else\n  import Darwin\n#endif\n// import Nothing\n"
        let found = BlockSyntax.importsWithConditions(in: code)
        XCTAssertEqual(found.map(\.text), ["import A", "#if os(Linux)", "import Glibc", "#else", "import Darwin", "#endif"])
        XCTAssertEqual(found.map(\.line), [0, 2, 3, 4, 5, 6])
        XCTAssertEqual(found.map(\.isImport), [true, false, true, false, true, false])
    }
}
