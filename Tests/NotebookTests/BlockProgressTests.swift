// The progress a running block reports: its stderr lines as they come, and a
// heartbeat while it is quiet.
import Foundation
import XCTest
@testable import Notebook

final class BlockProgressTests: XCTestCase {
    func testStderrLinesArriveAndAQuietBlockSendsHeartbeats() throws {
        let stdout = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tn-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: stdout) }
        let lines = CollectedLines()
        var heartbeats = 0
        let result = try BlockProcess.run(
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "echo 'epoch 1/2' >&2; sleep 0.6; echo 'epoch 2/2' >&2"],
            environment: [:], stdoutFile: stdout, timeout: 10,
            onStderrLine: { lines.append($0) },
            onQuietInterval: { heartbeats += 1 }, quietInterval: 0.15)
        XCTAssertEqual(lines.all, ["epoch 1/2", "epoch 2/2"])
        XCTAssertGreaterThanOrEqual(heartbeats, 2, "0.6 s of silence should give heartbeats every 0.15 s")
        if case .exited(let status) = result.termination { XCTAssertEqual(status, 0) } else { XCTFail("\(result.termination)") }
    }
}
