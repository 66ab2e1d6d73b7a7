// The result of running one block, as frozen under output/_freeze and as
// rendered into the page. It carries its cache key, so a stale result is
// recognised without running anything.
import Engine
import Foundation
import NotebookRuntime

public struct BlockResult: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case succeeded, failed, timedOut, crashed, compileError

        /// In words, for the terminal and the page.
        public var words: String {
            switch self {
            case .succeeded: return "succeeded"
            case .failed: return "failed"
            case .timedOut: return "timed out"
            case .crashed: return "crashed"
            case .compileError: return "did not compile"
            }
        }
    }

    public var key: String
    public var blockID: String
    public var status: Status
    /// What went wrong, for a block that did not succeed.
    public var message: String?
    public var stdout: String
    /// Bytes the block printed in all; more than `stdout` holds when truncated.
    public var stdoutBytes: Int
    public var outputs: [OutputRecord]
    /// A note shown when outputs were cut at the size limit.
    public var outputNotice: String?
    public var seconds: Double
    public var seed: UInt64
    public var backend: String
    public var device: String
    public var scale: String
    /// A digest of each input of the key (CacheKey.parts), so that a stale
    /// result can say what changed. Absent in results frozen before it existed.
    public var keyParts: [String: String]? = nil

    public var succeeded: Bool { status == .succeeded }

    /// What differs between the inputs this result was computed from and `current`.
    public func changedInputs(comparedWith current: [String: String]) -> [String] {
        guard let keyParts else { return [] }
        return CacheKey.partNames.filter { keyParts[$0] != current[$0] }
    }
}

/// The frozen results, one JSON file per block and scale under output/_freeze,
/// committed like Quarto's _freeze so a site rebuilds without executing.
public struct FreezeStore: Sendable {
    public var folder: URL

    public init(outputFolder: URL) {
        folder = outputFolder.appendingPathComponent("_freeze")
    }

    func url(chapter: String, blockID: String, scale: String) -> URL {
        let stem = chapter.hasSuffix(".md") ? String(chapter.dropLast(3)) : chapter
        return folder.appendingPathComponent(stem).appendingPathComponent("\(blockID).\(scale).json")
    }

    public func load(chapter: String, blockID: String, scale: String) -> BlockResult? {
        guard let data = try? Data(contentsOf: url(chapter: chapter, blockID: blockID, scale: scale)) else { return nil }
        // A file that does not decode is treated as missing: the block runs again.
        return try? JSONDecoder().decode(BlockResult.self, from: data)
    }

    /// Whether a file is there, readable or not (a damaged one is reported as such).
    public func exists(chapter: String, blockID: String, scale: String) -> Bool {
        FileManager.default.fileExists(atPath: url(chapter: chapter, blockID: blockID, scale: scale).path)
    }

    public func save(_ result: BlockResult, chapter: String, scale: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(result), to: url(chapter: chapter, blockID: result.blockID, scale: scale))
    }
}

/// Everything outside the block's own text that its results depend on.
public struct RunSettings: Sendable {
    public var scale: String
    public var backend: String
    public var libraryHash: String
    public var dataFingerprint: String

    public init(scale: String, backend: String, libraryHash: String, dataFingerprint: String) {
        self.scale = scale
        self.backend = backend
        self.libraryHash = libraryHash
        self.dataFingerprint = dataFingerprint
    }
}

public enum CacheKey {
    /// SHA-256 over the block's code and options, its chapter's setup block,
    /// the library sources, the datasets, the backend and the scale. Prose and
    /// the block's line number are left out, so a prose edit changes no key.
    public static func compute(block: ExecutableBlock, setup: ExecutableBlock?, settings: RunSettings) -> String {
        var hasher = SHA256()
        hasher.field("format", "tn-block-v2")
        for (name, value) in inputs(block: block, setup: setup, settings: settings) { hasher.field(name, value) }
        return hasher.finish()
    }

    /// The key's inputs by the names a stale result reports them under.
    static let partNames = ["code", "options", "setup block", "engine and chart sources", "datasets", "backend", "scale"]

    private static func inputs(block: ExecutableBlock, setup: ExecutableBlock?, settings: RunSettings) -> [(String, String)] {
        let values = [block.code, block.options.canonical, setup.map { $0.code + "\n" + $0.options.canonical } ?? "",
                      settings.libraryHash, settings.dataFingerprint, settings.backend, settings.scale]
        return Array(zip(partNames, values))
    }

    /// A short digest of each input, stored with a frozen result.
    public static func parts(block: ExecutableBlock, setup: ExecutableBlock?, settings: RunSettings) -> [String: String] {
        var parts: [String: String] = [:]
        for (name, value) in inputs(block: block, setup: setup, settings: settings) {
            var hasher = SHA256()
            hasher.field(name, value)
            parts[name] = String(hasher.finish().prefix(16))
        }
        return parts
    }

    /// The datasets' fingerprint: the SHA-256 sums the engine verifies every
    /// MNIST file against. It names the data, not where it lies, so frozen
    /// results stay valid on every machine.
    public static var dataFingerprint: String { MNIST.checksumFingerprint }
}
