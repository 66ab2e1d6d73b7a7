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
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
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

/// Ctrl-C (SIGINT), SIGTERM or SIGHUP during a block: `tn` stops the block's
/// whole process group (Foundation starts each child in a group of its own,
/// out of reach of the terminal's Ctrl-C), removes what it had begun, and
/// exits with 128 + the signal. A build killed outright (SIGKILL) cannot do
/// that; the block then notices it has lost its parent and ends itself.
final class SignalledBuildTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-signal-\(UUID().uuidString)")
        let chapters = root.appendingPathComponent("chapters")
        try FileManager.default.createDirectory(at: chapters, withIntermediateDirectories: true)
        try "# Signals\n\n- [Long](long.md)\n".write(to: chapters.appendingPathComponent("SUMMARY.md"),
                                                   atomically: true, encoding: .utf8)
        // A block that says where it is and then works for up to two minutes.
        try """
            # Long

            ```swift run
            //| id: long
            FileHandle.standardError.write(Data("block pid \\(getpid())\\n".utf8))
            for _ in 0..<1200 { usleep(100_000) }
            show("finished", name: "value")
            ```

            """.write(to: chapters.appendingPathComponent("long.md"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Starts the build, waits until the block runs, and returns the build and the block's pid.
    private func startBuildAndWaitForTheBlock(prefix: [String] = []) throws -> (build: Process, block: pid_t, log: URL) {
        let log = root.appendingPathComponent("build-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        let command = prefix + [BuiltExecutable.tn.path, "build", "--quick", "--backend", "cpu",
                                "--chapters", "chapters", "--out", "output"]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = root
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"block pid (\d+)"#, options: .regularExpression),
               let pid = Int32(text[range].split(separator: " ").last!) {
                return (process, pid, log)
            }
            usleep(100_000)
        }
        process.terminate()
        XCTFail("the block did not start within 300 s: " + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
        throw CancellationError()
    }

    /// Whether `pid` is still running (not gone, not a zombie).
    private func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    private func waitUntilGone(_ pid: pid_t, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, isRunning(pid) { usleep(50_000) }
        return !isRunning(pid)
    }

    func testInterruptStopsTheRunningBlock() throws {
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            let (build, block, log) = try startBuildAndWaitForTheBlock()
            XCTAssertTrue(isRunning(block))
            kill(build.processIdentifier, signal)
            build.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            // tn ends as the signal would have ended it, so a shell sees an interrupted command.
            XCTAssertEqual(build.terminationReason, .uncaughtSignal, text)
            XCTAssertEqual(build.terminationStatus, signal, text)
            XCTAssertTrue(text.contains("stopped 1 running process"), text)
            XCTAssertTrue(waitUntilGone(block, seconds: 5), "signal \(signal): the block outlived tn:\n\(text)")
            let frozen = root.appendingPathComponent("output/_freeze/long")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: frozen.path)) ?? []
            XCTAssertTrue(left.isEmpty, "an interrupted block left a frozen result: \(left)")
            // The stopped block is not reported as crashed on a page of its own.
            let page = root.appendingPathComponent("output/long.html")
            XCTAssertFalse(FileManager.default.fileExists(atPath: page.path), "a page was written for the stopped block")
        }
    }

    /// Ctrl-Z pauses the block with tn, and `fg` resumes both.
    func testCtrlZPausesTheBlockAndFgResumesIt() throws {
        let (build, block, _) = try startBuildAndWaitForTheBlock()
        func state(_ pid: pid_t) -> String {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return "gone" }
            return String(stat[stat.index(after: close)...].split(separator: " ").first ?? "")
        }
        func waitFor(_ pid: pid_t, stopped: Bool) -> Bool {
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, (state(pid) == "T") != stopped { usleep(20_000) }
            return (state(pid) == "T") == stopped
        }
        kill(build.processIdentifier, SIGTSTP)
        XCTAssertTrue(waitFor(block, stopped: true), "the block went on: \(state(block))")
        XCTAssertTrue(waitFor(build.processIdentifier, stopped: true), "tn went on: \(state(build.processIdentifier))")
        kill(build.processIdentifier, SIGCONT)
        XCTAssertTrue(waitFor(block, stopped: false), "the block stayed paused")
        XCTAssertTrue(waitFor(build.processIdentifier, stopped: false), "tn stayed paused")
        kill(build.processIdentifier, SIGTERM)
        build.waitUntilExit()
        XCTAssertTrue(waitUntilGone(block, seconds: 5))
    }

    /// `nohup tn build`: the hang-up it was started to survive does not stop it.
    func testAnIgnoredHangUpStaysIgnored() throws {
        let (build, block, log) = try startBuildAndWaitForTheBlock(prefix: ["/usr/bin/nohup"])
        kill(build.processIdentifier, SIGHUP)
        usleep(1_500_000)
        XCTAssertTrue(build.isRunning, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        XCTAssertTrue(isRunning(block), "the block was stopped by an ignored SIGHUP")
        kill(build.processIdentifier, SIGTERM)
        build.waitUntilExit()
        XCTAssertTrue(waitUntilGone(block, seconds: 5))
    }

    /// A block that starts a process of its own and overruns its timeout:
    /// both are stopped, and the timeout is reported at its time, not when the
    /// subprocess would have ended.
    func testATimeoutStopsWhatTheBlockStarted() throws {
        try """
            # Long

            ```swift run
            //| id: long
            //| timeout: 3
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["60"]
            try sleeper.run()
            FileHandle.standardError.write(Data("block pid \\(sleeper.processIdentifier)\\n".utf8))
            sleeper.waitUntilExit()
            ```

            """.write(to: root.appendingPathComponent("chapters/long.md"), atomically: true, encoding: .utf8)
        let started = Date()
        let (build, sleeper, log) = try startBuildAndWaitForTheBlock()
        build.waitUntilExit()
        let text = try String(contentsOf: log, encoding: .utf8)
        XCTAssertTrue(text.contains("timed out"), text)
        XCTAssertLessThan(Date().timeIntervalSince(started), 45, "the build waited for the block's subprocess")
        XCTAssertTrue(waitUntilGone(sleeper, seconds: 5), "the block's subprocess outlived its timeout")
    }

    /// Ctrl-C while a chapter compiles: the compiler's frontends, each in a
    /// process group of its own, are stopped too.
    func testInterruptingTheCompilerStopsItsFrontends() throws {
        // Enough blocks to keep the compiler busy for a few seconds.
        let blocks = (0..<60).map { "```swift run\n//| id: b\($0)\nlet v\($0) = (0..<\($0 + 3)).map { $0 * $0 }.reduce(0, +)\nshow(\"\\(v\($0))\", name: \"v\")\n```\n" }
        try ("# Long\n\n" + blocks.joined(separator: "\n"))
            .write(to: root.appendingPathComponent("chapters/long.md"), atomically: true, encoding: .utf8)
        let log = root.appendingPathComponent("compile.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let build = Process()
        build.executableURL = BuiltExecutable.tn
        build.arguments = ["build", "--quick", "--backend", "cpu", "--chapters", "chapters", "--out", "output"]
        build.currentDirectoryURL = root
        build.standardOutput = try FileHandle(forWritingTo: log)
        build.standardError = try FileHandle(forWritingTo: log)
        try build.run()
        // Wait for a swift-frontend below tn, then interrupt.
        var frontends: [pid_t] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, build.isRunning, frontends.isEmpty {
            frontends = descendants(of: build.processIdentifier).filter { command($0).contains("swift-frontend") }
            usleep(50_000)
        }
        guard !frontends.isEmpty else {
            build.waitUntilExit()
            throw XCTSkip("the compiler finished before it could be interrupted")
        }
        let everything = descendants(of: build.processIdentifier)
        kill(build.processIdentifier, SIGINT)
        build.waitUntilExit()
        for pid in everything {
            XCTAssertTrue(waitUntilGone(pid, seconds: 5), "\(command(pid)) outlived tn")
        }
        let bin = root.appendingPathComponent(".tn-cache/bin")
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: bin.path)) ?? []).filter { $0.contains(".tmp-") }
        XCTAssertEqual(left, [], "unfinished executables were left")
    }

    private func command(_ pid: pid_t) -> String {
        (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.replacingOccurrences(of: "\0", with: " ") ?? ""
    }

    /// Every process below `root` in the parent tree.
    private func descendants(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(pid) }
        }
        var found: [pid_t] = []
        var queue = [root]
        while let pid = queue.popLast() {
            for child in children[pid] ?? [] { found.append(child); queue.append(child) }
        }
        return found
    }

    func testABlockWhoseBuildIsKilledEndsItself() throws {
        let (build, block, _) = try startBuildAndWaitForTheBlock()
        kill(build.processIdentifier, SIGKILL)
        build.waitUntilExit()
        XCTAssertTrue(waitUntilGone(block, seconds: 5), "the block went on after tn was killed")
    }
}
