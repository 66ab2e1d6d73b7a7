// `tn build`: chapters -> executed blocks -> frozen results -> static site.
import ArgumentParser
import Foundation
import Engine
import Notebook

/// Folders shared by the notebook subcommands.
struct BookFolders: ParsableArguments {
    @Option(name: .long, help: "The chapters folder, holding SUMMARY.md.")
    var chapters = "chapters"

    @Option(name: .long, help: "Where the site and the frozen results go.")
    var out = "output"

    func buildOptions() -> BuildOptions { Self.options(chapters: chapters, out: out) }

    /// The options for these folders, with progress going to stderr; the
    /// compile cache is `.tn-cache` in the working folder.
    static func options(chapters: String, out: String) -> BuildOptions {
        var options = BuildOptions(
            chaptersFolder: URL(fileURLWithPath: chapters), chaptersDisplay: chapters,
            outputFolder: URL(fileURLWithPath: out), cacheFolder: URL(fileURLWithPath: ".tn-cache"))
        options.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        return options
    }
}

extension BackendChoice: ExpressibleByArgument {}

/// Resolves `--backend` for a subcommand: the one-line fallback notice goes
/// to stderr (unless `quiet`), and an unusable choice is a one-line error.
func resolveBackend(_ choice: BackendChoice, quiet: Bool = false) throws -> ResolvedBackend {
    let resolved: ResolvedBackend
    do {
        resolved = try Backend.resolve(choice)
    } catch {
        throw OptionError("--backend \(choice.rawValue): \(error)")
    }
    if let notice = resolved.notice, !quiet { FileHandle.standardError.write(Data((notice + "\n").utf8)) }
    return resolved
}

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the site: run changed blocks, reuse frozen results, write HTML.")

    @OptionGroup var folders: BookFolders

    @Flag(help: "Run every experiment reduced (the engine cuts epochs and steps).")
    var quick = false

    @Flag(help: "Re-execute every block, ignoring frozen results.")
    var refresh = false

    @Flag(help: "Run nothing; fail, listing the blocks, when a frozen result is stale.")
    var check = false

    @Option(help: "Execute only this chapter (file name, with or without .md).")
    var only: String?

    @Option(help: "The engine's backend: auto (CUDA when a GPU is usable, else the CPU), cpu or cuda.")
    var backend: BackendChoice = .auto

    func run() throws {
        var options = folders.buildOptions()
        options.quick = quick
        options.refresh = refresh
        options.check = check
        options.only = only
        // Frozen results are keyed on the backend that really runs the blocks.
        let resolved = try resolveBackend(backend, quiet: check)
        options.backend = resolved.kind.rawValue
        try runBuild(options)
    }
}

/// Runs a build and prints its summary; throws ExitCode.failure when it failed.
func runBuild(_ options: BuildOptions) throws {
    Interruption.install(cleaning: [options.cacheFolder, options.outputFolder])
    Interruption.removeLeftovers(in: [options.cacheFolder, options.outputFolder])
    let report: BuildReport
    do {
        report = try SiteBuilder.build(options)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode.failure
    }
    let log = options.log
    if options.check {
        if report.stale.isEmpty {
            log("All \(report.reused.count) frozen results are up to date.")
        } else {
            log(options.staleResultsHeading(count: report.stale.count))
            report.stale.forEach { log("  \($0)") }
            throw ExitCode.failure
        }
        return
    }
    report.errors.forEach { log("\($0)") }
    if !report.failures.isEmpty {
        log("Blocks that failed (mark a block `//| error: expected` if it is meant to fail):")
        report.failures.forEach { log("  \($0)") }
    }
    log(String(format: "Built %@: %d block(s) run, %d reused, %d page(s) written, %.2f s (compiling %.2f s).",
               options.outputFolder.relativePath, report.executed.count, report.reused.count,
               report.pagesWritten, report.totalSeconds, report.compileSeconds))
    if !report.succeeded { throw ExitCode.failure }
}
