// Compiles one chapter's executable blocks into one optimised executable with
// swiftc directly (a SwiftPM package per chapter would be far slower). Each
// block becomes a function whose body follows a #sourceLocation pointing into
// the markdown, so compiler errors read chapters/FILE.md:LINE. The setup block
// sits at file scope in its own file, so its declarations reach every block.
import Engine
import Foundation

/// The compiled chapter, or why blocks could not be compiled.
struct CompiledChapter {
    var executable: URL?
    /// Compiler errors by block index; those blocks are left out of the executable.
    var blockErrors: [Int: String]
    var seconds: Double
}

struct ChapterCompiler {
    var toolchain: Toolchain
    var cacheFolder: URL

    /// Each library object's path, size and modification time.
    func objectsFingerprint() throws -> String {
        try toolchain.libraryObjects().map { path -> String in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = attributes?[.size] as? Int ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(path):\(size):\(modified)"
        }.joined(separator: "\n")
    }

    /// Compiles `blocks` (those needing a run) plus the setup block of the chapter.
    func compile(chapterPath displayPath: String, setup: ExecutableBlock?, blocks: [ExecutableBlock]) throws -> CompiledChapter {
        let started = Date()
        var excluded: [Int: String] = [:]
        // Two attempts: if errors fall only in some blocks, compile again without them,
        // so one broken block does not stop the others from running.
        for _ in 0..<2 {
            let sources = generate(displayPath: displayPath, setup: setup, blocks: blocks, excluded: Set(excluded.keys))
            // The executable links the libraries' objects, so a rebuilt engine
            // (new object files) must give a new executable too.
            let key = SHA256.hash(sources.map { "\($0.name)\n\($0.text)" }.joined() + toolchain.binDirectory.path
                                  + (try objectsFingerprint()))
            let executable = cacheFolder.appendingPathComponent("bin/\(key.prefix(24))")
            if FileManager.default.isExecutableFile(atPath: executable.path) {
                return CompiledChapter(executable: executable, blockErrors: excluded, seconds: Date().timeIntervalSince(started))
            }
            let workFolder = cacheFolder.appendingPathComponent("src/\(key.prefix(24))")
            try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
            var paths: [String] = []
            for source in sources {
                let url = workFolder.appendingPathComponent(source.name)
                try AtomicFile.write(source.text, to: url)
                paths.append(url.path)
            }
            try FileManager.default.createDirectory(
                at: executable.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = executable.path + ".tmp-\(getpid())"
            var arguments = ["-O", "-module-name", "TNChapter", "-diagnostic-style", "llvm",
                             "-I", toolchain.binDirectory.appendingPathComponent("Modules").path]
            for folder in toolchain.moduleMapFolders() { arguments += ["-I", folder] }
            arguments += paths
            arguments += try toolchain.libraryObjects()
            arguments += ["-o", temporary]
            let result = try ProcessRunner.run(toolchain.swiftc, arguments)
            if result.status == 0 {
                guard rename(temporary, executable.path) == 0 else {
                    throw NotebookError("cannot move the compiled chapter to \(executable.path)")
                }
                return CompiledChapter(executable: executable, blockErrors: excluded, seconds: Date().timeIntervalSince(started))
            }
            try? FileManager.default.removeItem(atPath: temporary)
            let errors = attribute(result.output, displayPath: displayPath, setup: setup, blocks: blocks)
            let newlyBroken = errors.blocks.filter { excluded[$0.key] == nil }
            if errors.unattributed.isEmpty && !newlyBroken.isEmpty {
                excluded.merge(newlyBroken) { old, _ in old }
                continue
            }
            // The setup block (or something outside the blocks) is broken: no block can run.
            let message = errors.unattributed.isEmpty ? result.output : errors.unattributed
            var all = excluded
            for block in blocks where all[block.index] == nil { all[block.index] = message }
            return CompiledChapter(executable: nil, blockErrors: all, seconds: Date().timeIntervalSince(started))
        }
        var all = excluded
        for block in blocks where all[block.index] == nil { all[block.index] = "the chapter could not be compiled" }
        return CompiledChapter(executable: nil, blockErrors: all, seconds: Date().timeIntervalSince(started))
    }

    struct Source {
        var name: String
        var text: String
    }

    func generate(displayPath: String, setup: ExecutableBlock?, blocks: [ExecutableBlock], excluded: Set<Int>) -> [Source] {
        let imports = "import Foundation\nimport Engine\nimport Charts\nimport NotebookRuntime\n"
        var setupText = "// Generated by tn from \(displayPath): the setup block.\n" + imports
        if let setup {
            setupText += "#sourceLocation(file: \"\(displayPath)\", line: \(setup.codeLine))\n\(setup.code)\n#sourceLocation()\n"
        }
        var blockText = "// Generated by tn from \(displayPath): one function per block.\n" + imports
        var table: [String] = []
        for block in blocks where !block.options.setup && !excluded.contains(block.index) {
            blockText += "\nfunc tnBlock\(block.index)() throws {\n"
            blockText += "#sourceLocation(file: \"\(displayPath)\", line: \(block.codeLine))\n\(block.code)\n#sourceLocation()\n}\n"
            table.append("\"\(block.index)\": tnBlock\(block.index)")
        }
        let mainText = "// Generated by tn: runs the block named by --block.\nimport NotebookRuntime\n"
            + "runNotebookBlock([\(table.isEmpty ? ":" : table.joined(separator: ", "))])\n"
        return [Source(name: "setup.swift", text: setupText),
                Source(name: "blocks.swift", text: blockText),
                Source(name: "main.swift", text: mainText)]
    }

    /// Sorts compiler errors (`chapters/X.md:LINE:COL: error: ...`) into the blocks they fall in.
    func attribute(_ output: String, displayPath: String, setup: ExecutableBlock?, blocks: [ExecutableBlock])
        -> (blocks: [Int: String], unattributed: String) {
        var byBlock: [Int: [String]] = [:]
        var unattributed: [String] = []
        let prefix = displayPath + ":"
        for line in output.components(separatedBy: "\n") where line.contains(": error: ") {
            guard line.hasPrefix(prefix),
                  let number = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) else {
                unattributed.append(line)
                continue
            }
            let owner = blocks.first { block in
                let count = block.code.components(separatedBy: "\n").count
                return number >= block.codeLine && number < block.codeLine + count
            }
            if let owner, !owner.options.setup {
                byBlock[owner.index, default: []].append(line)
            } else {
                unattributed.append(line)
            }
        }
        return (byBlock.mapValues { $0.joined(separator: "\n") }, unattributed.joined(separator: "\n"))
    }
}
