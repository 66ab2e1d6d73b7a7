// What a crashed block's backtrace says: the chapter line it stopped at and
// the runtime check that failed. Swift's backtracer writes the report as JSON
// to a file named in SWIFT_BACKTRACE (so it mixes with neither the block's
// printed text nor its progress lines); blocks are compiled with line tables,
// and their code carries the chapter's file and lines (#sourceLocation).
//
// An optimised build traps on a failed check without printing anything; the
// check's name ("Index out of range") is only in the line tables, as a frame
// named "Swift runtime failure: …". The backtracer shows that frame for checks
// the compiler emits in the block (nil unwrap, overflow) but not for checks
// inlined from the standard library (an array index), so then llvm-symbolizer,
// which sits beside swiftc, is asked about the crashing address.
import Foundation

struct CrashReport: Equatable {
    /// `chapters/FILE.md:LINE`: the innermost frame in the chapter's code.
    var location: String?
    /// The failed runtime check, e.g. "Index out of range".
    var check: String?

    static let runtimeFailurePrefix = "Swift runtime failure: "

    /// The SWIFT_BACKTRACE setting that writes a JSON report to `file`, or nil
    /// where that cannot be said (no backtracer, or a path the setting's
    /// `key=value,…` syntax cannot hold).
    static func backtraceSetting(reportFile file: URL, backtracer: String?) -> String? {
        guard let backtracer, !file.path.contains(","), !file.path.contains("="),
              !backtracer.contains(","), !backtracer.contains("=") else { return nil }
        return ["enable=yes", "interactive=no", "color=no", "threads=crashed", "registers=none",
                "images=mentioned", "format=json", "output-to=\(file.path)", "swift-backtrace=\(backtracer)"]
            .joined(separator: ",")
    }

    /// Reads the report the backtracer wrote for a run of `executable`.
    static func read(_ file: URL, executable: URL, symbolizer: String?) -> CrashReport? {
        guard let data = try? Data(contentsOf: file),
              let report = try? JSONDecoder().decode(BacktraceJSON.self, from: data) else { return nil }
        var crash = parse(report)
        if crash.check == nil, let symbolizer,
           let address = report.faultAddress.flatMap(parseAddress),
           let image = report.images?.first(where: { $0.path == executable.path || $0.path == executable.resolvingSymlinksInPath().path }),
           let base = image.baseAddress.flatMap(parseAddress), address >= base,
           let result = try? ProcessRunner.run(symbolizer, ["--obj=\(executable.path)", "0x" + String(address - base, radix: 16)]),
           result.status == 0 {
            crash.check = runtimeFailure(inSymbolizerOutput: result.output)
        }
        return crash
    }

    /// The chapter line and check named by the crashed thread's frames.
    static func parse(_ report: BacktraceJSON) -> CrashReport {
        let frames = report.threads?.first(where: { $0.crashed == true })?.frames ?? []
        let location = frames.lazy.compactMap { frame -> String? in
            guard let source = frame.sourceLocation, let file = source.file, file.hasSuffix(".md"),
                  let line = source.line, line > 0 else { return nil }
            return "\(file):\(line)"
        }.first
        let check = frames.lazy.compactMap { frame -> String? in
            let name = frame.symbol ?? frame.description ?? ""
            return name.hasPrefix(runtimeFailurePrefix) ? String(name.dropFirst(runtimeFailurePrefix.count)) : nil
        }.first
        return CrashReport(location: location, check: check)
    }

    /// The "Swift runtime failure: …" frame of llvm-symbolizer's answer.
    static func runtimeFailure(inSymbolizerOutput output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix(runtimeFailurePrefix) }
            .map { String($0.dropFirst(runtimeFailurePrefix.count)) }
    }

    static func parseAddress(_ text: String) -> UInt64? {
        UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }
}

/// The parts of the backtracer's JSON report that are read.
struct BacktraceJSON: Decodable {
    struct Thread: Decodable {
        var crashed: Bool?
        var frames: [Frame]?
    }

    struct Frame: Decodable {
        var symbol: String?
        var description: String?
        var sourceLocation: Location?
    }

    struct Location: Decodable {
        var file: String?
        var line: Int?
    }

    struct Image: Decodable {
        var path: String?
        var baseAddress: String?
    }

    var faultAddress: String?
    var threads: [Thread]?
    var images: [Image]?
}
