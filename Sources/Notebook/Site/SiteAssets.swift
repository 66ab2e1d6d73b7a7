// Copies the site's static assets into output/assets: our stylesheet and
// script, and the Debian-packaged KaTeX (CSS, fonts, client-side scripts) and
// highlight.js. Nothing is fetched from a CDN; pages never touch the network.
import Foundation

struct SiteAssets {
    /// Debian's browser builds. TN_KATEX_DIST and TN_HIGHLIGHT_JS override them.
    static let katexCandidates = ["/usr/share/javascript/katex"]
    static let highlightCandidates = ["/usr/share/javascript/highlight.js/highlight.min.js"]

    var katexDist: String?
    var highlightScript: String?

    static func discover() -> SiteAssets {
        let environment = ProcessInfo.processInfo.environment
        let fileManager = FileManager.default
        let katex = ([environment["TN_KATEX_DIST"]].compactMap { $0 } + katexCandidates)
            .first { fileManager.fileExists(atPath: $0 + "/katex.min.css") }
        let highlight = ([environment["TN_HIGHLIGHT_JS"]].compactMap { $0 } + highlightCandidates)
            .first { fileManager.fileExists(atPath: $0) }
        return SiteAssets(katexDist: katex, highlightScript: highlight)
    }

    /// Copies into `folder` (output/assets). Files already there with the same
    /// size are left alone, so a rebuild copies nothing.
    func install(into folder: URL, searchIndex: String) throws {
        try AtomicFile.writeIfChanged(SiteStyle.css, to: folder.appendingPathComponent("site.css"))
        try AtomicFile.writeIfChanged(SiteScript.javascript, to: folder.appendingPathComponent("site.js"))
        try AtomicFile.writeIfChanged(searchIndex, to: folder.appendingPathComponent("search-index.js"))
        if let highlightScript {
            try copy(URL(fileURLWithPath: highlightScript), to: folder.appendingPathComponent("highlight/highlight.min.js"))
        }
        if let katexDist {
            let source = URL(fileURLWithPath: katexDist)
            for file in ["katex.min.css", "katex.min.js", "contrib/auto-render.js"] {
                try copy(source.appendingPathComponent(file), to: folder.appendingPathComponent("katex/\(file)"))
            }
            let fonts = source.appendingPathComponent("fonts").resolvingSymlinksInPath()
            for font in (try? FileManager.default.contentsOfDirectory(atPath: fonts.path)) ?? [] where font.hasSuffix(".woff2") || font.hasSuffix(".woff") || font.hasSuffix(".ttf") {
                try copy(fonts.appendingPathComponent(font), to: folder.appendingPathComponent("katex/fonts/\(font)"))
            }
        }
    }

    /// Whether `path` (inside assets/) is one of the files `install` writes, as
    /// opposed to an author's own (a logo, a stylesheet).
    static func isInstalled(_ path: String) -> Bool {
        ["site.css", "site.js", "search-index.js", "highlight/highlight.min.js"].contains(path) || path.hasPrefix("katex/")
    }

    private func copy(_ source: URL, to target: URL) throws {
        let fileManager = FileManager.default
        let real = source.resolvingSymlinksInPath()
        let sourceSize = (try? fileManager.attributesOfItem(atPath: real.path)[.size] as? Int) ?? -1
        let targetSize = (try? fileManager.attributesOfItem(atPath: target.path)[.size] as? Int) ?? -2
        guard sourceSize != targetSize else { return }
        try AtomicFile.write(try Data(contentsOf: real), to: target)
    }
}
