// Temporary files (`*.tmp-PID`) that a process which no longer exists left
// behind are removed at the start of a build; those of running processes
// (this one, or another build) are not.
import Foundation
import XCTest
@testable import Notebook

final class LeftoverFilesTests: XCTestCase {
    func testOnlyTheFilesOfGoneProcessesAreRemoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tn-leftovers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("_freeze/a"), withIntermediateDirectories: true)
        // A process that has ended: its pid is free.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let gone = ended.processIdentifier
        let files = ["_freeze/a/.b.full.json.tmp-\(gone)": false, "_freeze/a/.c.full.json.tmp-\(getpid())": true,
                     "page.html.tmp-1": true, "_freeze/a/b.full.json": true, "notes.tmp-x": true]
        for name in files.keys {
            try Data("x".utf8).write(to: folder.appendingPathComponent(name))
        }
        Interruption.removeLeftovers(in: [folder])
        for (name, kept) in files {
            XCTAssertEqual(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), kept, name)
        }
    }
}
