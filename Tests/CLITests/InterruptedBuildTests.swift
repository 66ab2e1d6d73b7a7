// Kills `tn build` with SIGKILL in the middle of a block, the harshest way a
// build can end (no handler runs), and checks that nothing was lost: the
// pages and frozen results of the last good build are intact and complete,
// no temporary file is left beside them, and the next build picks up where
// the killed one stopped (the lock died with it, the finished chapter is
// reused, the interrupted block runs again).
import Foundation
import XCTest

final class InterruptedBuildTests: XCTestCase {
    private var executable: URL { BuiltExecutable.tn }

    private var root: URL!
    private var chapters: URL { root.appendingPathComponent("chapters") }
    private var output: URL { root.appendingPathComponent("output") }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: chapters, withIntermediateDirectories: true)
        try write("SUMMARY.md", "# Killed\n\n- [First](first.md)\n- [Second](second.md)\n")
        try write("first.md", "# First\n\n```swift run\n//| id: one\nshow(\"first chapter's value\", name: \"value\")\n```\n")
        try write("second.md", Self.second(body: "show(\"second, version 1\", name: \"value\")"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private static func second(body: String) -> String {
        "# Second\n\n```swift run\n//| id: two\n\(body)\n```\n"
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(to: chapters.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Starts `tn build --quick` on the temporary book, stderr into `log`.
    private func startBuild(log: URL) throws -> Process {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["build", "--quick", "--backend", "cpu", "--chapters", chapters.path, "--out", output.path]
        process.currentDirectoryURL = root
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return process
    }

    private func build() throws -> (status: Int32, log: String) {
        let log = root.appendingPathComponent("build-\(UUID().uuidString).log")
        let process = try startBuild(log: log)
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    /// Every file under output/, relative path to contents.
    private func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = output.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(at: output, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            files[path] = try Data(contentsOf: url)
        }
        return files
    }

    func testABuildKilledMidBlockLosesNothing() throws {
        let first = try build()
        XCTAssertEqual(first.status, 0, first.log)
        let good = try snapshot()
        let pages = good.keys.filter { $0.hasSuffix(".html") }.sorted()
        XCTAssertTrue(pages.contains("first.html") && pages.contains("second.html"), "pages: \(pages)")
        XCTAssertTrue(good.keys.contains { $0.hasPrefix("_freeze/second/") }, "frozen results: \(good.keys.sorted())")

        // The second chapter's block now announces itself and then waits
        // (leaving if tn is gone, so that it does not outlive the test).
        try write("second.md", Self.second(body: """
            let parent = getppid()
            FileHandle.standardError.write(Data("block is running\\n".utf8))
            for _ in 0..<1200 where getppid() == parent { usleep(50_000) }
            show("second, version 2", name: "value")
            """))
        let log = root.appendingPathComponent("killed.log")
        let build = try startBuild(log: log)
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, build.isRunning,
              !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("block is running") {
            usleep(100_000)
        }
        let text = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(build.isRunning, "the build ended before the block ran:\n\(text)")
        XCTAssertTrue(text.contains("block is running"), "the block never started:\n\(text)")
        kill(build.processIdentifier, SIGKILL)
        build.waitUntilExit()
        XCTAssertEqual(build.terminationReason, .uncaughtSignal)

        // Everything the last good build wrote is still there, byte for byte,
        // and nothing half-written or temporary was added.
        let after = try snapshot()
        for (path, data) in good {
            XCTAssertEqual(after[path], data, "\(path) changed when the build was killed")
        }
        let added = Set(after.keys).subtracting(good.keys)
        XCTAssertTrue(added.isEmpty, "the killed build left: \(added.sorted())")
        for page in pages {
            let html = try XCTUnwrap(String(data: after[page]!, encoding: .utf8))
            XCTAssertTrue(html.hasSuffix("</html>\n"), "\(page) is incomplete")
        }
        for (path, data) in after where path.hasPrefix("_freeze/") && path.hasSuffix(".json") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "\(path) is not valid JSON")
        }

        // The next build runs: no stale lock, the first chapter reused, the
        // interrupted block run again to its new result.
        try write("second.md", Self.second(body: "show(\"second, version 3\", name: \"value\")"))
        let next = try self.build()
        XCTAssertEqual(next.status, 0, next.log)
        let second = try String(contentsOf: output.appendingPathComponent("second.html"), encoding: .utf8)
        XCTAssertTrue(second.contains("second, version 3"), "second.html was not rebuilt")
        XCTAssertEqual(try Data(contentsOf: output.appendingPathComponent("first.html")), good["first.html"],
                       "first.html changed though its chapter did not")
    }
}
