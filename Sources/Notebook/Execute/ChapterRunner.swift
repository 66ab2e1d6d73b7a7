// `tn run CHAPTER`: compiles and runs every block of one chapter, ignoring the
// cache, for an author who wants to see the outputs in the terminal.
import Engine
import Foundation

public enum ChapterRunner {
    public static func run(chapter path: String, options: BuildOptions) throws -> [(ExecutableBlock, BlockResult)] {
        let lock = try BuildLock(at: options.cacheFolder.appendingPathComponent("build.lock"))
        defer { withExtendedLifetime(lock) {} }
        let url = URL(fileURLWithPath: path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw NotebookError("cannot read \(path)", hint: "give the path of a chapter, e.g. chapters/intro.md")
        }
        let scanned = try ChapterScanner.scan(text, displayPath: path)
        let setup = scanned.blocks.first { $0.options.setup }
        let blocks = scanned.blocks.filter { !$0.options.setup }
        let toolchain = try Toolchain.locate()
        let settings = RunSettings(scale: options.scale, backend: SiteBuilder.resolveBackend(options.backend),
                                   libraryHash: toolchain.librarySourceHash(), dataFingerprint: "")
        let compiled = try ChapterCompiler(toolchain: toolchain, cacheFolder: options.cacheFolder)
            .compile(chapterPath: path, setup: setup, blocks: blocks)
        let executor = BlockExecutor(
            workFolder: options.cacheFolder.appendingPathComponent("run"), settings: settings,
            device: SiteBuilder.deviceDescription(), gpu: SiteBuilder.gpuDescription(backend: settings.backend), progress: { [log = options.log] in log("    │ \($0)") })
        var results: [(ExecutableBlock, BlockResult)] = []
        for block in blocks {
            let key = CacheKey.compute(block: block, setup: setup, settings: settings)
            if let message = compiled.blockErrors[block.index] {
                results.append((block, BlockResult(
                    key: key, blockID: block.id, status: .compileError, message: message, stdout: "", stdoutBytes: 0,
                    outputs: [], outputNotice: nil, seconds: 0, seed: block.options.seed ?? 42,
                    backend: settings.backend, device: "", scale: settings.scale)))
            } else if let executable = compiled.executable {
                options.log("▸ \(block.id)")
                results.append((block, try executor.run(block: block, executable: executable, key: key,
                                                        timeout: block.options.timeout ?? options.defaultTimeout)))
            }
        }
        return results
    }
}

/// `tn watch`: a cheap fingerprint (paths, sizes, modification times) of the
/// files a build reads, polled to notice changes. Like the build's copy of the
/// chapters folder, it leaves out names starting with `.` or `_` (an out
/// folder such as `chapters/_site` would otherwise trigger a build after each
/// build).
public enum ChangeWatcher {
    public static func fingerprint(_ folders: [URL]) -> String {
        var hasher = SHA256()
        let fileManager = FileManager.default
        for folder in folders {
            let files = (fileManager.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
                .filter { !$0.split(separator: "/").contains(where: SiteBuilder.isHidden) }
            for file in files.sorted() {
                let attributes = try? fileManager.attributesOfItem(atPath: folder.appendingPathComponent(file).path)
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                hasher.field(folder.path + "/" + file, "\(attributes?[.size] ?? 0)-\(modified)")
            }
        }
        return hasher.finish()
    }
}
