// `tn run CHAPTER`: runs one chapter's blocks and prints their outputs.
import ArgumentParser
import Foundation
import Notebook

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one chapter's blocks and print their outputs.")

    @Argument(help: "The chapter's markdown file, e.g. chapters/intro.md.")
    var chapter: String

    @Flag(help: "Run the experiments reduced.")
    var quick = false

    func run() throws {
        // `tn run chapters/intro` means chapters/intro.md, as --only does.
        let chapter = FileManager.default.fileExists(atPath: self.chapter) || self.chapter.hasSuffix(".md")
            ? self.chapter : self.chapter + ".md"
        var options = BookFolders.options(chapters: (chapter as NSString).deletingLastPathComponent, out: "output")
        options.quick = quick
        Interruption.install(cleaning: [options.cacheFolder])
        let results: [(ExecutableBlock, BlockResult)]
        do {
            results = try ChapterRunner.run(chapter: chapter, options: options)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        var failed = false
        for (block, result) in results {
            print("── \(chapter):\(block.fenceLine) \(block.id) · \(result.status.words) · \(String(format: "%.2f s", result.seconds))")
            if !result.stdout.isEmpty { print(result.stdout, terminator: result.stdout.hasSuffix("\n") ? "" : "\n") }
            for output in result.outputs {
                switch output.kind {
                case .chart: print("[chart] \(output.title ?? "") (\(output.svg?.count ?? 0) bytes of SVG)")
                case .table:
                    print((output.header ?? []).joined(separator: "\t"))
                    (output.rows ?? []).forEach { print($0.joined(separator: "\t")) }
                case .value: print("\(output.name ?? "") = \(output.value ?? "")")
                case .error: break
                }
            }
            // A compiler's or checker's message already reads "FILE:LINE: error: …".
            if let message = result.message { print(message.contains(": error: ") ? message : "error: \(message)") }
            if !result.succeeded && !block.options.errorExpected { failed = true }
        }
        if failed { throw ExitCode.failure }
    }
}
