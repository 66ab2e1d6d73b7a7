// Helpers for the notebook tests: temporary books built from fixture folders
// or from inline files, and a quiet build.
import Foundation
import XCTest
@testable import Notebook

enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
}

/// A project folder in /tmp with `chapters/`, `output/` and `.tn-cache/`.
final class TemporaryBook {
    let root: URL

    init(fixture: String? = nil, files: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-test-\(UUID().uuidString)")
        let chapters = root.appendingPathComponent("chapters")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if let fixture {
            try FileManager.default.copyItem(at: Fixtures.folder.appendingPathComponent(fixture), to: chapters)
        } else {
            try FileManager.default.createDirectory(at: chapters, withIntermediateDirectories: true)
        }
        for (path, text) in files { try write(path, text) }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var chapters: URL { root.appendingPathComponent("chapters") }
    var output: URL { root.appendingPathComponent("output") }

    func write(_ path: String, _ text: String) throws {
        let url = chapters.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: chapters.appendingPathComponent(path), encoding: .utf8)
    }

    func page(_ path: String) throws -> String {
        try String(contentsOf: output.appendingPathComponent(path), encoding: .utf8)
    }

    func options(quick: Bool = true) -> BuildOptions {
        var options = BuildOptions(
            chaptersFolder: chapters, chaptersDisplay: "chapters",
            outputFolder: output, cacheFolder: root.appendingPathComponent(".tn-cache"))
        options.quick = quick
        return options
    }

    func build(_ configure: (inout BuildOptions) -> Void = { _ in }) throws -> BuildReport {
        var options = options()
        configure(&options)
        return try SiteBuilder.build(options)
    }
}

/// Lines collected from another thread (a build's log, a block's stderr).
final class CollectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
