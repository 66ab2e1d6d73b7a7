// Compiles one chapter's executable blocks into one optimised executable with
// swiftc directly (a SwiftPM package per chapter would be far slower). Each
// block becomes a function whose body follows a #sourceLocation pointing into
// the markdown, so compiler errors read chapters/FILE.md:LINE. The setup block
// sits at file scope in its own file, so its declarations reach every block.
// Before compiling, BlockSyntax checks each block's brackets, strings and
// comments and looks for imports, which would otherwise break the generated
// file for every block; such a block is reported at its line and left out.
// Line tables (-gline-tables-only) let a crash be traced to the chapter's line.
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
        if let setup, let problems = Self.syntaxProblems(setup, displayPath: displayPath) {
            // Every block is compiled beside the setup block, so none can run.
            var all: [Int: String] = [:]
            for block in blocks { all[block.index] = "the chapter's setup block cannot be compiled:\n" + problems }
            return CompiledChapter(executable: nil, blockErrors: all, seconds: Date().timeIntervalSince(started))
        }
        var excluded: [Int: String] = [:]
        for block in blocks where !block.options.setup {
            excluded[block.index] = Self.syntaxProblems(block, displayPath: displayPath)
        }
        if blocks.allSatisfy({ $0.options.setup || excluded[$0.index] != nil }) {
            return CompiledChapter(executable: nil, blockErrors: excluded, seconds: Date().timeIntervalSince(started))
        }
        // Two attempts: if errors fall only in some blocks, compile again without them,
        // so one broken block does not stop the others from running.
        for _ in 0..<2 {
            let sources = generate(displayPath: displayPath, setup: setup, blocks: blocks, excluded: Set(excluded.keys))
            // The executable links the libraries' objects, so a rebuilt engine
            // (new object files) must give a new executable too.
            let key = SHA256.hash(sources.map { "\($0.name)\n\($0.text)" }.joined() + toolchain.binDirectory.path
                                  + (try objectsFingerprint()))
            // One executable per chapter is kept: its name starts with the
            // chapter's, and a new one replaces the chapter's older ones.
            let prefix = Self.executablePrefix(displayPath)
            let executable = cacheFolder.appendingPathComponent("bin/\(prefix)\(key.prefix(24))")
            if Self.isUsableExecutable(executable) {
                return CompiledChapter(executable: executable, blockErrors: excluded, seconds: Date().timeIntervalSince(started))
            }
            // A damaged file (cut short, overwritten) is compiled again rather than failing to start.
            try? FileManager.default.removeItem(at: executable)
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
            // Line tables cost a few per cent of the compile time and change no
            // generated code; the crash backtrace reads them (see BlockExecutor).
            var arguments = ["-O", "-gline-tables-only", "-module-name", "TNChapter", "-diagnostic-style", "llvm",
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
                Self.removeOlderExecutables(in: executable.deletingLastPathComponent(), prefix: prefix,
                                            keeping: executable.lastPathComponent)
                return CompiledChapter(executable: executable, blockErrors: excluded, seconds: Date().timeIntervalSince(started))
            }
            try? FileManager.default.removeItem(atPath: temporary)
            // An error outside the blocks names the generated file; its folder
            // under .tn-cache means nothing to the author.
            let output = result.output.replacingOccurrences(of: workFolder.path + "/", with: "tn-generated ")
            let errors = attribute(output, displayPath: displayPath, setup: setup, blocks: blocks)
            let newlyBroken = errors.blocks.filter { excluded[$0.key] == nil }
            if errors.unattributed.isEmpty && !newlyBroken.isEmpty {
                excluded.merge(newlyBroken) { old, _ in old }
                continue
            }
            // The setup block (or something outside the blocks) is broken: no block can run.
            let message = errors.unattributed.isEmpty ? output : errors.unattributed
            var all = excluded
            for block in blocks where all[block.index] == nil { all[block.index] = message }
            return CompiledChapter(executable: nil, blockErrors: all, seconds: Date().timeIntervalSince(started))
        }
        var all = excluded
        for block in blocks where all[block.index] == nil { all[block.index] = "the chapter could not be compiled" }
        return CompiledChapter(executable: nil, blockErrors: all, seconds: Date().timeIntervalSince(started))
    }

    /// "chapters-intro-" for chapters/intro.md: letters, digits and '-' only.
    /// (with 8 hex digits of the path's hash, so that a-b.md, a_b.md and
    /// non-ASCII names that read alike stay apart).
    static func executablePrefix(_ displayPath: String) -> String {
        let stem = displayPath.hasSuffix(".md") ? String(displayPath.dropLast(3)) : displayPath
        return String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }) + "-"
            + SHA256.hash(displayPath).prefix(8) + "-"
    }

    /// An executable file that starts as one (ELF or Mach-O) and, for a
    /// 64-bit ELF file, is as long as its header says, not a damaged leftover.
    static func isUsableExecutable(_ url: URL) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: url.path),
              let handle = FileHandle(forReadingAtPath: url.path),
              let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else { return false }
        defer { try? handle.close() }
        let header = [UInt8](handle.readData(ofLength: 64))
        guard header.count >= 4 else { return false }
        if Array(header.prefix(4)) == [0xCF, 0xFA, 0xED, 0xFE] { return true }
        guard Array(header.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46] else { return false }
        guard header.count == 64, header[4] == 2, header[5] == 1 else { return header[4] != 2 }  // 32-bit: magic only
        func little(_ offset: Int, _ count: Int) -> Int {
            (0..<count).reduce(0) { $0 | Int(header[offset + $1]) << (8 * $1) }
        }
        // The section header table is the end of the file the linker wrote.
        let end = little(0x28, 8) + little(0x3C, 2) * little(0x3A, 2)
        return end <= size
    }

    /// Removes the chapter's earlier executables, so that the cache holds one per chapter.
    static func removeOlderExecutables(in folder: URL, prefix: String, keeping name: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for other in names where other.hasPrefix(prefix) && other != name && !other.contains(".tmp-") {
            // Only tn's own names: the prefix, then 24 hex digits.
            let rest = other.dropFirst(prefix.count)
            guard rest.count == 24, rest.allSatisfy(\.isHexDigit) else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(other))
        }
    }

    /// The modules every block imports.
    static let implicitImports = ["Foundation", "Engine", "Charts", "NotebookRuntime"]

    /// What BlockSyntax finds wrong with a block before it is compiled, as
    /// errors at the chapter's lines; nil when nothing is. Imports are allowed
    /// in the setup block, which sits at file scope.
    static func syntaxProblems(_ block: ExecutableBlock, displayPath: String) -> String? {
        var errors: [(line: Int, error: NotebookError)] = []
        if let problem = BlockSyntax.structuralProblem(in: block.code) {
            let line = block.codeLine + problem.line
            errors.append((line, NotebookError(
                problem.message(firstLine: block.codeLine), at: SourceLocation(file: displayPath, line: line),
                hint: problem.hint)))
        }
        if !block.options.setup {
            let implicit = implicitImports.dropLast().joined(separator: ", ") + " and " + implicitImports.last!
            for found in BlockSyntax.imports(in: block.code) {
                let line = block.codeLine + found.line
                let error = implicitImports.contains(found.module)
                    ? NotebookError(
                        "`\(found.declaration)` cannot go in a block (a block's code is the body of a function); "
                            + "\(implicit) are already imported in every block",
                        at: SourceLocation(file: displayPath, line: line),
                        hint: "remove this line; other imports and file-scope declarations (extensions, operators) "
                            + "go in the chapter's setup block (`//| setup: true`)")
                    : NotebookError(
                        "`\(found.declaration)` cannot go in a block (a block's code is the body of a function)",
                        at: SourceLocation(file: displayPath, line: line),
                        hint: "move it to the chapter's setup block (`//| setup: true`), whose imports reach every "
                            + "block of the chapter; \(implicit) are already imported in every block")
                errors.append((line, error))
            }
        }
        guard !errors.isEmpty else { return nil }
        return errors.sorted { $0.line < $1.line }.map(\.error.description).joined(separator: "\n")
    }

    struct Source {
        var name: String
        var text: String
    }

    /// Declared in the chapter's module, these shadow the standard library's:
    /// `#filePath` is the path a #sourceLocation gives (chapters/FILE.md, where
    /// `#fileID` would say TNChapter/FILE.md), and a failed precondition says
    /// its message, which an optimised build otherwise drops.
    static let prelude = """
        @inline(__always) func fatalError(_ message: @autoclosure () -> String = String(), file: StaticString = #filePath, line: UInt = #line) -> Never {
            Swift.fatalError(message(), file: (file), line: line)
        }
        @inline(__always) func precondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(), file: StaticString = #filePath, line: UInt = #line) {
            if !condition() { preconditionFailure(message(), file: (file), line: line) }
        }
        @inline(__always) func preconditionFailure(_ message: @autoclosure () -> String = String(), file: StaticString = #filePath, line: UInt = #line) -> Never {
            let text = message()
            Swift.fatalError(text.isEmpty ? "Precondition failed" : "Precondition failed: \\(text)", file: (file), line: line)
        }

        """

    func generate(displayPath: String, setup: ExecutableBlock?, blocks: [ExecutableBlock], excluded: Set<Int>) -> [Source] {
        let imports = Self.implicitImports.map { "import \($0)\n" }.joined()
        var setupText = "// Generated by tn from \(displayPath): the setup block.\n" + imports + Self.prelude
        // Imports hold for one file only: the setup block's own are repeated
        // for the blocks, at their lines in the chapter.
        var blockText = "// Generated by tn from \(displayPath): one function per block.\n" + imports
        if let setup {
            setupText += "#sourceLocation(file: \"\(displayPath)\", line: \(setup.codeLine))\n\(setup.code)\n#sourceLocation()\n"
            // With the #if lines around them, so that `#if os(Linux)` / `import
            // Glibc` / `#else` / `import Darwin` stays a choice.
            for found in BlockSyntax.importsWithConditions(in: setup.code) {
                blockText += found.isImport
                    ? "#sourceLocation(file: \"\(displayPath)\", line: \(setup.codeLine + found.line))\n\(found.text)\n#sourceLocation()\n"
                    : found.text + "\n"
            }
        }
        var table: [String] = []
        for block in blocks where !block.options.setup && !excluded.contains(block.index) {
            // The function's own line is in the chapter too (the fence or the
            // last option line): line tables give code inlined into the function
            // the function's file, so with the generated file there a trap in
            // an inlined check would be placed in blocks.swift.
            blockText += "\n#sourceLocation(file: \"\(displayPath)\", line: \(block.codeLine - 1))\n"
            blockText += "func tnBlock\(block.index)() throws {\n\(block.code)\n#sourceLocation()\n}\n"
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
                if !byBlock[owner.index, default: []].contains(line) { byBlock[owner.index, default: []].append(line) }
            } else if !unattributed.contains(line) {
                // The setup block's imports are compiled twice (see generate).
                unattributed.append(line)
            }
        }
        return (byBlock.mapValues { lines in
            var text = lines.joined(separator: "\n")
            if lines.contains(where: { $0.contains("only valid at file scope") || $0.contains("may only be declared at file scope") }) {
                text += "\n  fix: a block's code is the body of a function; extensions, operators and other "
                    + "file-scope declarations go in the chapter's setup block (`//| setup: true`)"
            }
            return text
        }, unattributed.joined(separator: "\n"))
    }
}
