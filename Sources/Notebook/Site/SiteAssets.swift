// Copies the site's static assets into output/assets: our stylesheet and
// script, and the Debian-packaged KaTeX (CSS, fonts, client-side scripts).
// Code is highlighted at build time (SyntaxHighlighter), so no highlighting
// script ships. Nothing is fetched from a CDN; pages never touch the network.
import Foundation

struct SiteAssets {
    /// Debian's browser build. TN_KATEX_DIST overrides it.
    static let katexCandidates = ["/usr/share/javascript/katex"]
    /// highlight.js, which sites built before highlighting moved into the
    /// build carry and no page loads now.
    static let retiredFiles = ["highlight/highlight.min.js"]

    var katexDist: String?

    static func discover() -> SiteAssets {
        let environment = ProcessInfo.processInfo.environment
        let fileManager = FileManager.default
        let katex = ([environment["TN_KATEX_DIST"]].compactMap { $0 } + katexCandidates)
            .first { fileManager.fileExists(atPath: $0 + "/katex.min.css") }
        return SiteAssets(katexDist: katex)
    }

    /// Copies into `folder` (output/assets). Files already there with the same
    /// size are left alone, so a rebuild copies nothing; retired ones go.
    func install(into folder: URL, searchIndex: String) throws {
        try AtomicFile.writeIfChanged(SiteStyle.css, to: folder.appendingPathComponent("site.css"))
        try AtomicFile.writeIfChanged(SiteScript.javascript, to: folder.appendingPathComponent("site.js"))
        try AtomicFile.writeIfChanged(searchIndex, to: folder.appendingPathComponent("search-index.js"))
        for retired in Self.retiredFiles {
            let file = folder.appendingPathComponent(retired)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            try FileManager.default.removeItem(at: file)
            let parent = file.deletingLastPathComponent()
            if (try? FileManager.default.contentsOfDirectory(atPath: parent.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: parent)
            }
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
        ["site.css", "site.js", "search-index.js"].contains(path) || retiredFiles.contains(path) || path.hasPrefix("katex/")
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
