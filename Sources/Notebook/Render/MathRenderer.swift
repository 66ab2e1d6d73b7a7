// Typesets math with KaTeX from Debian's packages, never a CDN. All formulas of
// a build go through one node process running a small script of ours that
// requires Debian's katex module (spawning the katex command per formula costs
// ~100 ms each). Results are cached, so a rebuild typesets only new formulas.
// A formula KaTeX rejects is reported with KaTeX's message (the build makes it
// an error at the formula's line). Only when node or katex is missing, or node
// cannot run, are formulas left for client-side KaTeX, whose assets the build
// copies into the site.
import Foundation

struct MathRenderer {
    var cacheFile: URL
    var workFolder: URL
    /// node and the katex module; nil when either is missing here.
    var tools: KaTeXTools? = MathRenderer.findTools()

    struct KaTeXTools {
        var node: String
        var module: String
    }

    /// What became of a build's formulas.
    struct Rendering {
        /// HTML for each span, in order: KaTeX's output, or client-side markup.
        var html: [String]
        /// KaTeX's message for each span it rejected, by the span's index.
        var errors: [Int: String] = [:]
        /// Why formulas were left to the browser without KaTeX seeing them
        /// (node or katex missing, or node failing); nil when KaTeX ran, or
        /// had nothing new to typeset.
        var unavailable: String?

        /// True when every formula was typeset at build time.
        var serverSide: Bool { unavailable == nil && errors.isEmpty }
    }

    /// Places where Debian (and npm) put the katex node module.
    static let moduleCandidates = ["/usr/share/nodejs/katex", "/usr/lib/nodejs/katex", "/usr/local/lib/node_modules/katex"]

    static func katexModule() -> String? {
        if let override = ProcessInfo.processInfo.environment["TN_KATEX_MODULE"] { return override }
        return moduleCandidates.first { FileManager.default.fileExists(atPath: $0 + "/package.json") }
    }

    static func findTools() -> KaTeXTools? {
        guard let node = findExecutable("node") ?? findExecutable("nodejs"), let module = katexModule() else { return nil }
        return KaTeXTools(node: node, module: module)
    }

    /// Client-side markup: KaTeX's auto-render finds these delimiters in the browser.
    static func clientSide(_ span: MathSpan) -> String {
        let escaped = HTMLText.escape(span.tex)
        return span.display
            ? "<span class=\"math display\">\\[\(escaped)\\]</span>"
            : "<span class=\"math inline\">\\(\(escaped)\\)</span>"
    }

    /// Typesets `spans`. A formula KaTeX rejects gets client-side markup (so
    /// the page shows KaTeX's error where the formula is) and its message in
    /// `errors`; rejected formulas are not cached, so they are tried again.
    func render(_ spans: [MathSpan]) -> Rendering {
        func cacheKey(_ span: MathSpan) -> String { (span.display ? "D:" : "I:") + span.tex }
        var cache = (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: cacheFile))) ?? [:]
        let missing = Array(Set(spans.map(cacheKey).filter { cache[$0] == nil })).sorted()
        var rejected: [String: String] = [:]
        var unavailable: String?
        if !missing.isEmpty {
            switch renderWithNode(missing) {
            case .unavailable(let reason):
                unavailable = reason
            case .typeset(let outcomes):
                for (key, outcome) in zip(missing, outcomes) {
                    switch outcome {
                    case .html(let html): cache[key] = html
                    case .error(let message): rejected[key] = message
                    }
                }
                if rejected.count < missing.count, let data = try? JSONEncoder().encode(cache) {
                    try? AtomicFile.write(data, to: cacheFile)
                }
            }
        }
        var rendering = Rendering(html: [], unavailable: unavailable)
        for (index, span) in spans.enumerated() {
            let key = cacheKey(span)
            if let done = cache[key] {
                rendering.html.append(done)
                continue
            }
            if let message = rejected[key] { rendering.errors[index] = message }
            rendering.html.append(Self.clientSide(span))
        }
        return rendering
    }

    enum Outcome: Equatable {
        case html(String)
        case error(String)
    }

    enum NodeResult {
        case typeset([Outcome])
        /// Nothing was typeset, and why.
        case unavailable(String)
    }

    private func renderWithNode(_ keys: [String]) -> NodeResult {
        guard let tools else {
            return .unavailable("node or Debian's katex module not found")
        }
        let script = workFolder.appendingPathComponent("katex-render.js")
        let input = workFolder.appendingPathComponent("math-input.json")
        let output = workFolder.appendingPathComponent("math-output.json")
        do {
            try AtomicFile.writeIfChanged(Self.script, to: script)
            try AtomicFile.write(try JSONEncoder().encode(keys), to: input)
            try? FileManager.default.removeItem(at: output)
        } catch {
            return .unavailable("cannot write KaTeX's input in \(workFolder.path): \(error)")
        }
        let result: ProcessResult
        do {
            result = try ProcessRunner.run(tools.node, [script.path, tools.module, input.path, output.path])
        } catch {
            return .unavailable("cannot start \(tools.node): \(error)")
        }
        guard result.status == 0 else {
            let said = result.output.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return .unavailable("KaTeX could not run (\(tools.node) with \(tools.module) exited with status \(result.status)"
                                + (said.map { ": \($0)" } ?? "") + ")")
        }
        guard let data = try? Data(contentsOf: output),
              let entries = try? JSONDecoder().decode([[String: String]].self, from: data),
              entries.count == keys.count else {
            return .unavailable("KaTeX's output in \(output.path) could not be read")
        }
        return .typeset(entries.map { entry in
            if let html = entry["html"] { return .html(html) }
            // KaTeX marks the place of the problem by underlining the
            // characters there (U+0332), which terminals show poorly.
            let message = (entry["error"] ?? "unknown error").unicodeScalars.filter { $0.value != 0x332 }
            return .error(String(String.UnicodeScalarView(message)))
        })
    }

    /// Reads ["D:tex" | "I:tex", ...]; writes for each {"html": …}, or
    /// {"error": KaTeX's message} for a formula KaTeX rejects.
    static let script = #"""
    // Generated by tn: typesets every formula of a build in one node process.
    const fs = require("fs");
    const [moduleDir, inputPath, outputPath] = process.argv.slice(2);
    const katex = require(moduleDir);
    const keys = JSON.parse(fs.readFileSync(inputPath, "utf8"));
    const results = keys.map((key) => {
      try {
        return { html: katex.renderToString(key.slice(2), { displayMode: key[0] === "D", throwOnError: true, output: "htmlAndMathml" }) };
      } catch (error) {
        return { error: error && error.message ? error.message : String(error) };
      }
    });
    fs.writeFileSync(outputPath, JSON.stringify(results));
    """#
}
