// `tn build` as three stages, mdBook-style: parse every chapter, execute the
// blocks whose cache key changed (or reuse their frozen results), render the
// site. Each stage works on plain data; only the last writes the site, and
// every file it writes is replaced atomically.
import Engine
import Foundation

public enum SiteBuilder {
    public static func build(_ options: BuildOptions) throws -> BuildReport {
        let started = Date()
        try checkOutputFolder(options)
        let lock = try BuildLock(at: options.cacheFolder.appendingPathComponent("build.lock"))
        defer { withExtendedLifetime(lock) {} }
        var report = BuildReport()

        // Stage 1: parse.
        var chapters = try parse(options)
        if let only = options.only, !chapters.contains(where: { matches(only, $0.entry.path) }) {
            throw NotebookError("--only \(only): no chapter of that name is listed in SUMMARY.md",
                                hint: "give a chapter's file name, e.g. --only \(chapters.first.map { String($0.entry.path.dropLast(3)) } ?? "intro")")
        }

        // Stage 2: execute or reuse.
        let toolchain = try Toolchain.locate()
        let settings = RunSettings(
            scale: options.scale, backend: resolveBackend(options.backend),
            libraryHash: toolchain.librarySourceHash(),
            dataFingerprint: CacheKey.dataFingerprint)
        let store = FreezeStore(outputFolder: options.outputFolder)
        var results: [String: [Int: BlockResult]] = [:]
        var notes: [String: [Int: String]] = [:]
        /// Blocks that `--only` left unrun and that have no frozen result to show.
        var notBuilt: Set<String> = []
        var pending: [(chapter: Int, blocks: [ExecutableBlock], keys: [Int: String])] = []
        /// Why each stale block runs again, e.g. " (engine and chart sources changed)".
        var reasons: [String: String] = [:]
        for (chapterIndex, chapter) in chapters.enumerated() {
            var stale: [ExecutableBlock] = []
            var keys: [Int: String] = [:]
            for block in chapter.runnableBlocks {
                let key = CacheKey.compute(block: block, setup: chapter.setup, settings: settings)
                let frozen = store.load(chapter: chapter.entry.path, blockID: block.id, scale: settings.scale)
                let name = "\(chapter.displayPath):\(block.fenceLine) \(block.id)"
                if let frozen, frozen.key == key, !options.refresh {
                    results[chapter.entry.path, default: [:]][block.index] = frozen
                    report.reused.append(name)
                    continue
                }
                // Why it is stale, worked out only for a block that is.
                let changed = frozen?.changedInputs(
                    comparedWith: CacheKey.parts(block: block, setup: chapter.setup, settings: settings)) ?? []
                let damaged = frozen == nil && store.exists(chapter: chapter.entry.path, blockID: block.id, scale: settings.scale)
                reasons[name] = damaged ? " (its frozen result cannot be read)" : frozen == nil ? " (never run)"
                    : changed.isEmpty ? " (changed)" : " (\(changed.joined(separator: ", ")) changed)"
                if options.check {
                    report.stale.append(name + reasons[name]!)
                } else if let only = options.only, !matches(only, chapter.entry.path) {
                    notes[chapter.entry.path, default: [:]][block.index] = "Not run in this build (--only \(only)); its frozen result is out of date."
                    if let frozen { results[chapter.entry.path, default: [:]][block.index] = frozen } else { notBuilt.insert(block.id) }
                } else {
                    stale.append(block)
                    keys[block.index] = key
                }
            }
            if !stale.isEmpty { pending.append((chapterIndex, stale, keys)) }
        }
        if options.check {
            for orphan in GeneratedFiles.orphanedResults(
                in: options.outputFolder, blocks: blockIDs(chapters), chapters: options.chaptersDisplay,
                chaptersFolder: options.chaptersFolder) {
                report.stale.append("\(options.outputDisplay)/\(orphan.path) (\(orphan.reason))")
            }
            report.totalSeconds = Date().timeIntervalSince(started)
            return report
        }
        let device = deviceDescription()
        for (chapterIndex, blocks, keys) in pending {
            let chapter = chapters[chapterIndex]
            options.log("▸ \(chapter.displayPath): compiling \(blocks.count) block\(blocks.count == 1 ? "" : "s")")
            let compiler = ChapterCompiler(toolchain: toolchain, cacheFolder: options.cacheFolder)
            let compiled = try compiler.compile(chapterPath: chapter.displayPath, setup: chapter.setup, blocks: blocks)
            report.compileSeconds += compiled.seconds
            report.chaptersCompiled += 1
            options.log(String(format: "  compiled in %.1f s", compiled.seconds))
            let executor = BlockExecutor(
                workFolder: options.cacheFolder.appendingPathComponent("run"), settings: settings, device: device,
                gpu: Self.gpuDescription(backend: settings.backend), progress: { [log = options.log] line in log("    │ \(line)") })
            for block in blocks {
                let name = "\(chapter.displayPath):\(block.fenceLine) \(block.id)"
                let key = keys[block.index]!
                let result: BlockResult
                if let message = compiled.blockErrors[block.index] {
                    result = BlockResult(
                        key: key, blockID: block.id, status: .compileError, message: message, stdout: "",
                        stdoutBytes: 0, outputs: [], outputNotice: nil, seconds: 0, seed: block.options.seed ?? 42,
                        backend: settings.backend, device: device, scale: settings.scale)
                } else if let executable = compiled.executable {
                    options.log("  ▸ \(block.id) (block \(block.index + 1) of \(chapter.scanned.blocks.count)) running…"
                        + (options.refresh ? "" : reasons[name] ?? ""))
                    result = try executor.run(
                        block: block, executable: executable, key: key,
                        timeout: block.options.timeout ?? options.defaultTimeout)
                } else {
                    continue
                }
                let expected = block.options.errorExpected
                options.log(String(format: "  %@ %@ %.2f s%@", result.succeeded ? "✓" : (expected ? "✓" : "✗"),
                                   block.id, result.seconds, result.succeeded ? "" : " — \(result.status.words)\(expected ? " (expected)" : "")"))
                if !result.succeeded && !expected {
                    report.failures.append("\(name): \(result.message ?? result.status.words)")
                }
                if result.succeeded || expected {
                    var frozen = result
                    frozen.keyParts = CacheKey.parts(block: block, setup: chapter.setup, settings: settings)
                    try store.save(frozen, chapter: chapter.entry.path, scale: settings.scale)
                }
                results[chapter.entry.path, default: [:]][block.index] = result
                report.executed.append(name)
            }
        }

        // Stage 3: render.
        try render(&chapters, results: results, notes: notes, notBuilt: notBuilt, options: options, report: &report)
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// Reads SUMMARY.md and scans every chapter; all problems are reported together.
    static func parse(_ options: BuildOptions) throws -> [ChapterDocument] {
        let summaryURL = options.chaptersFolder.appendingPathComponent("SUMMARY.md")
        let summaryDisplay = options.chaptersDisplay + "/SUMMARY.md"
        guard let summaryText = try? String(contentsOf: summaryURL, encoding: .utf8) else {
            throw NotebookError("cannot read \(summaryDisplay)",
                                hint: "create it with a list of links to the chapters, or pass --chapters DIR")
        }
        let entries = try BookSummary.parse(summaryText, displayPath: summaryDisplay)
        let listed = Set(entries.map { $0.path.hasPrefix("./") ? String($0.path.dropFirst(2)) : $0.path })
        for file in chapterFolderFiles(options) where file.hasSuffix(".md") && !listed.contains(file) {
            let name = file.split(separator: "/").last.map { $0.lowercased() } ?? ""
            // SUMMARY.md itself, and README.md files, which are for browsing the folder.
            guard name != "summary.md", name != "readme.md" else { continue }
            options.log("warning: \(options.chaptersDisplay)/\(file) is not listed in \(summaryDisplay), so it is not built")
        }
        let numbers = BookSummary.sectionNumbers(entries)
        var chapters: [ChapterDocument] = []
        var errors: [NotebookError] = []
        for (index, entry) in entries.enumerated() {
            let display = "\(options.chaptersDisplay)/\(entry.path)"
            guard let text = try? String(contentsOf: options.chaptersFolder.appendingPathComponent(entry.path), encoding: .utf8) else {
                errors.append(NotebookError("cannot read \(display), listed in SUMMARY.md",
                                            at: SourceLocation(file: summaryDisplay, line: entry.line),
                                            hint: "create the file or fix the link"))
                continue
            }
            do {
                let scanned = try ChapterScanner.scan(text, displayPath: display)
                chapters.append(ChapterDocument(
                    entry: entry, number: numbers[index], displayPath: display, source: text, scanned: scanned,
                    url: String(entry.path.dropLast(3)) + ".html"))
            } catch let error as NotebookErrors {
                errors += error.errors
            } catch let error as NotebookError {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw NotebookErrors(errors) }
        return chapters
    }

    /// `notBuilt`: ids of blocks that `--only` left unrun with nothing frozen
    /// to show; a cross-reference to one of their figures stays unlinked
    /// without being an error.
    static func render(_ chapters: inout [ChapterDocument], results: [String: [Int: BlockResult]],
                       notes: [String: [Int: String]], notBuilt: Set<String> = [], options: BuildOptions,
                       report: inout BuildReport) throws {
        var figures: [String: FigureReference] = [:]
        var extraFiles: [(path: String, contents: String)] = []
        // Markdown, headings and blocks; figures are numbered in reading order.
        for index in chapters.indices {
            var chapter = chapters[index]
            let rendered = Markdown.render(chapter.scanned.markdown)
            let (anchored, title) = ChapterDocument.anchorHeadings(ChapterDocument.wrapTables(rendered.html),
                                                                   math: chapter.scanned.math)
            chapter.title = EscapedAt.restore(title ?? chapter.entry.label)
            let root = String(repeating: "../", count: chapter.url.split(separator: "/").count - 1)
            let renderer = BlockRenderer(
                chapterNumber: chapter.number, quick: options.quick,
                dataFolder: "data/\(chapter.entry.path.dropLast(3))", rootPrefix: root)
            let counter = BlockRenderer.Counter()
            // Blocks render in reading order (that numbers the figures), then
            // go in at their markers in one pass over the page: replacing one
            // marker at a time rescanned every figure already inserted.
            var blockHTML: [Int: String] = [:]
            for block in chapter.scanned.blocks {
                blockHTML[block.index] = renderer.render(
                    block: block, result: results[chapter.entry.path]?[block.index],
                    note: notes[chapter.entry.path]?[block.index], page: chapter.url, counter: counter)
            }
            let html = ChapterScanner.replaceBlockMarkers(in: anchored) { blockHTML[$0] }
            for (id, reference) in counter.references {
                if figures[id] != nil {
                    report.errors.append(NotebookError("the figure id '\(id)' is used twice in the book",
                                                       at: SourceLocation(file: chapter.displayPath), hint: "give each figure its own id"))
                }
                figures[id] = reference
            }
            extraFiles += counter.files
            chapter.html = html
            chapters[index] = chapter
        }
        // Math for the whole book in one go.
        let allMath = chapters.flatMap(\.scanned.math)
        let mathRenderer = MathRenderer(
            cacheFile: options.cacheFolder.appendingPathComponent("math-cache.json"),
            workFolder: options.cacheFolder.appendingPathComponent("math"))
        let math = mathRenderer.render(allMath)
        let mathHTML = math.html
        if let reason = math.unavailable { options.log("  note: some math is left to KaTeX in the browser (\(reason))") }
        var firstSpan = 0
        for chapter in chapters {
            let spans = chapter.scanned.math
            for index in spans.indices {
                guard let message = math.errors[firstSpan + index] else { continue }
                let delimiter = spans[index].display ? "$$" : "$"
                report.errors.append(NotebookError(
                    "KaTeX cannot typeset \(delimiter)\(spans[index].tex)\(delimiter): \(message)",
                    at: SourceLocation(file: chapter.displayPath,
                                       line: index < chapter.scanned.mathLines.count ? chapter.scanned.mathLines[index] : nil),
                    hint: "write the formula as KaTeX accepts it (https://katex.org/docs/supported.html lists its commands)"))
            }
            firstSpan += spans.count
        }

        let assets = SiteAssets.discover()
        let navigation = chapters.map {
            NavigationItem(title: $0.title, url: $0.url, number: "\($0.number).", depth: $0.entry.depth)
        }
        let layout = PageLayout(bookTitle: bookTitle(options), navigation: navigation, clientMath: !math.serverSide)
        var pages: [BuiltPage] = []
        var searchPages: [SearchPage] = []
        var mathOffset = 0
        var unlinked = 0
        for (index, chapter) in chapters.enumerated() {
            let (references, unknown) = ChapterDocument.crossReference(chapter.html, page: chapter.url, figures: figures)
            let linked = EscapedAt.restore(references)
            unlinked += unknown.filter(notBuilt.contains).count
            for id in unknown where !notBuilt.contains(id) {
                let line = chapter.source.components(separatedBy: "\n").firstIndex { Self.refers(to: id, in: $0) }.map { $0 + 1 }
                report.errors.append(NotebookError("no figure has the id '\(id)'", at: SourceLocation(file: chapter.displayPath, line: line),
                                                   hint: "cross-reference a block with `//| id: \(id)` that shows a chart"))
            }
            let offset = mathOffset
            let body = ChapterDocument.replacePlaceholders(linked) { number in
                offset + number < mathHTML.count ? mathHTML[offset + number] : ""
            }
            // Search shows and matches the math as text (η, not \eta).
            let searchable = ChapterDocument.replacePlaceholders(linked) { number in
                number < chapter.scanned.math.count ? HTMLText.escape(ReadableMath.text(chapter.scanned.math[number].tex)) : ""
            }
            mathOffset += chapter.scanned.math.count
            searchPages.append(SearchPage(title: chapter.title, url: chapter.url,
                                          sections: SearchIndex.sections(of: searchable, title: chapter.title)))
            let page = layout.page(
                title: chapter.title, url: chapter.url, body: body,
                previous: index > 0 ? navigation[index - 1] : nil,
                next: index + 1 < navigation.count ? navigation[index + 1] : nil)
            pages.append(BuiltPage(url: chapter.url, sourcePath: chapter.displayPath, source: chapter.source, html: page))
        }
        if unlinked > 0, let only = options.only {
            options.log("  note: \(unlinked) cross-reference\(unlinked == 1 ? "" : "s") to figures of chapters not run in this build (--only \(only)) left unlinked")
        }
        pages.append(BuiltPage(url: "index.html", sourcePath: nil, source: "",
                               html: layout.page(title: "Contents", url: "index.html", body: contentsBody(navigation, options: options),
                                                 previous: nil, next: navigation.first)))

        // Assets and copied files first, so the link check sees them.
        let assetsFolder = options.outputFolder.appendingPathComponent("assets")
        try assets.install(into: assetsFolder, searchIndex: SearchIndex.script(searchPages))
        let copied = try copyChapterFiles(options)
        for file in extraFiles {
            try AtomicFile.writeIfChanged(file.contents, to: options.outputFolder.appendingPathComponent(file.path))
        }
        let known = Set(extraFiles.map(\.path)).union(copied)
        // What earlier builds made and this one does not is taken away before
        // the link check, so that a link to a renamed chapter's old page fails.
        var generated = known.union(pages.map(\.url))
        if options.only == nil {
            try removeStale(current: generated, chapters: chapters, options: options, report: &report)
            try GeneratedFiles.writeManifest(generated, chapters: options.chaptersDisplay, in: options.outputFolder)
        } else if let previous = GeneratedFiles.readManifest(in: options.outputFolder) {
            // A partial build removes nothing and forgets nothing.
            generated.formUnion(previous)
            try GeneratedFiles.writeManifest(generated, chapters: options.chaptersDisplay, in: options.outputFolder)
        }
        report.errors += LinkChecker.check(pages: pages, otherFiles: known, outputFolder: options.outputFolder)
        var changed = false
        for page in pages {
            if try AtomicFile.writeIfChanged(page.html, to: options.outputFolder.appendingPathComponent(page.url)) {
                report.pagesWritten += 1
                changed = true
            }
        }
        if changed {
            // tn serve watches this file to reload open pages.
            try AtomicFile.write("\(Date().timeIntervalSince1970)\n", to: options.outputFolder.appendingPathComponent(".build-stamp"))
        }
    }

    /// Removes the files earlier full builds made that this one did not
    /// (`current`), and frozen results no block of the book reads any more;
    /// says what went in one line.
    static func removeStale(current: Set<String>, chapters: [ChapterDocument], options: BuildOptions,
                            report: inout BuildReport) throws {
        // (checkOutputFolder has made sure that the out folder is not among the sources.)
        let out = options.outputFolder
        // An out folder last built from other chapters keeps what that build made.
        if let previous = GeneratedFiles.manifestChapters(in: out), previous != options.chaptersDisplay {
            options.log("  note: \(options.outputDisplay)/ was last built from \(previous)/, so this build removes nothing from it")
            return
        }
        let stems = Set(chapters.map { String($0.entry.path.dropLast(3)) })
        let candidates = GeneratedFiles.staleFiles(in: out, current: current, chapterStems: stems)
            + GeneratedFiles.orphanedResults(in: out, blocks: blockIDs(chapters), chapters: options.chaptersDisplay,
                                             chaptersFolder: options.chaptersFolder).map(\.path)
        guard !candidates.isEmpty else { return }
        // What this build wrote or reads, by identity: on a case-insensitive
        // disk a chapter renamed only in case names its old files too.
        var protected: Set<[UInt64]> = []
        for path in current {
            if let identity = GeneratedFiles.identity(of: out.appendingPathComponent(path)) { protected.insert(identity) }
        }
        let store = FreezeStore(outputFolder: out)
        for chapter in chapters {
            for block in chapter.scanned.blocks {
                for scale in ["full", "quick"] {
                    let url = store.url(chapter: chapter.entry.path, blockID: block.id, scale: scale)
                    if let identity = GeneratedFiles.identity(of: url) { protected.insert(identity) }
                }
            }
        }
        let stale = candidates.filter { path in
            GeneratedFiles.identity(of: out.appendingPathComponent(path)).map { !protected.contains($0) } ?? true
        }
        guard !stale.isEmpty else { return }
        let shown = try GeneratedFiles.remove(stale, from: out)
        report.removed = stale
        let listed = shown.count > 12 ? shown.prefix(12).joined(separator: ", ") + " and \(shown.count - 12) more"
                                       : shown.joined(separator: ", ")
        options.log("  removed \(stale.count) file\(stale.count == 1 ? "" : "s") from \(options.outputDisplay)/ that this build no longer makes: \(listed)")
    }

    /// The site may not be written over the sources: not into the working
    /// folder or one above it, the chapters folder or one above it, nor a
    /// folder holding a checkout or a package. (A folder inside the chapters
    /// folder, such as chapters/_site, is fine: the copy skips it.)
    static func checkOutputFolder(_ options: BuildOptions) throws {
        if let problem = BuiltSite.sourcesProblem(options.outputFolder, chaptersFolder: options.chaptersFolder) {
            throw NotebookError("--out \(options.outputDisplay) \(problem), so the site would be written among the sources",
                                hint: "give the site a folder of its own, e.g. --out output or --out \(options.chaptersDisplay)/_site")
        }
    }

    /// Every block id of each chapter, by the chapter's path without `.md`.
    static func blockIDs(_ chapters: [ChapterDocument]) -> [String: Set<String>] {
        var ids: [String: Set<String>] = [:]
        for chapter in chapters {
            ids[String(chapter.entry.path.dropLast(3)), default: []].formUnion(chapter.scanned.blocks.map(\.id))
        }
        return ids
    }

    /// Whether `line` holds the reference `@id` (not `\@id`, which is text).
    static func refers(to id: String, in line: String) -> Bool {
        var rest = line[...]
        while let found = rest.range(of: "@" + id) {
            if found.lowerBound == rest.startIndex || rest[rest.index(before: found.lowerBound)] != "\\" { return true }
            rest = rest[found.upperBound...]
        }
        return false
    }

    /// The files of the chapters folder (relative paths), leaving out what is
    /// not the author's source: files and folders whose name starts with `.`
    /// or `_` (`_site`, `_freeze`, `.git`), and the out and cache folders
    /// when they lie inside it, so that the site never copies itself.
    static func chapterFolderFiles(_ options: BuildOptions) -> [String] {
        func real(_ url: URL) -> String { url.standardizedFileURL.resolvingSymlinksInPath().path }
        let excluded = Set([real(options.outputFolder), real(options.cacheFolder)])
        return GeneratedFiles.filesBelow(options.chaptersFolder, fileLinks: true) { folder in
            isHidden(folder.split(separator: "/").last ?? "")
                || excluded.contains(real(options.chaptersFolder.appendingPathComponent(folder)))
        }.filter { !isHidden($0.split(separator: "/").last ?? "") }
    }

    /// A name the build does not take as the author's source: `.git`,
    /// `_site`, `_freeze` (as Quarto and Jekyll do). `tn watch` ignores them too.
    public static func isHidden(_ name: Substring) -> Bool { name.hasPrefix(".") || name.hasPrefix("_") }

    /// Non-markdown files beside the chapters (images, data), copied into the site.
    static func copyChapterFiles(_ options: BuildOptions) throws -> Set<String> {
        var copied: Set<String> = []
        for file in chapterFolderFiles(options) where !file.hasSuffix(".md") {
            let source = options.chaptersFolder.appendingPathComponent(file)
            guard let data = try? Data(contentsOf: source) else { continue }
            let target = options.outputFolder.appendingPathComponent(file)
            if (try? Data(contentsOf: target)) != data { try AtomicFile.write(data, to: target) }
            copied.insert(file)
        }
        return copied
    }

    static func contentsBody(_ navigation: [NavigationItem], options: BuildOptions) -> String {
        var html = "<h1 id=\"contents\">\(HTMLText.escape(bookTitle(options)))</h1>\n"
            + summaryIntroduction(options) + "<ol class=\"contents-list\">\n"
        for item in navigation {
            html += "<li class=\"depth-\(min(item.depth, 2))\"><a href=\"\(item.url)\"><span class=\"toc-number\">\(item.number)</span> \(HTMLText.escape(item.title))</a></li>\n"
        }
        return html + "</ol>\n"
    }

    /// The prose of SUMMARY.md between its title and the list of chapters,
    /// rendered as the front page's introduction (the list parser skips it).
    static func summaryIntroduction(_ options: BuildOptions) -> String {
        let text = (try? String(contentsOf: options.chaptersFolder.appendingPathComponent("SUMMARY.md"), encoding: .utf8)) ?? ""
        var lines: [String] = []
        var pastTitle = false
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !pastTitle { pastTitle = trimmed.hasPrefix("# "); continue }
            if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || trimmed.hasPrefix("+ ") { break }
            lines.append(line)
        }
        let prose = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return prose.isEmpty ? "" : "<div class=\"book-introduction\">\n" + Markdown.render(prose).html + "</div>\n"
    }

    /// The book's title: the first heading of SUMMARY.md, as in mdBook.
    static func bookTitle(_ options: BuildOptions) -> String {
        let text = (try? String(contentsOf: options.chaptersFolder.appendingPathComponent("SUMMARY.md"), encoding: .utf8)) ?? ""
        let heading = text.components(separatedBy: "\n").first { $0.hasPrefix("# ") }
        return heading.map { String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) } ?? "Teaching Networks"
    }

    static func matches(_ only: String, _ path: String) -> Bool {
        let stem = path.hasSuffix(".md") ? String(path.dropLast(3)) : path
        let wanted = only.hasSuffix(".md") ? String(only.dropLast(3)) : only
        return stem == wanted || stem.split(separator: "/").last.map(String.init) == wanted
    }

    /// `auto` becomes the backend that would really run here: CUDA when the
    /// engine finds a usable GPU, else the CPU. (`tn build` resolves it first.)
    static func resolveBackend(_ backend: String) -> String {
        guard backend == "auto" else { return backend }
        return (try? Backend.resolve(.auto).kind.rawValue) ?? "cpu"
    }

    /// The machine that runs the blocks, for provenance lines (the engine's
    /// own description: the CPU model and its cores).
    static func deviceDescription() -> String {
        let cpu = CPUDescription.current()
        return "\(cpu.modelName), \(cpu.cores) cores"
    }

    /// The GPU that `--backend cuda` trains on ("NVIDIA H100 80GB HBM3, sm_90"),
    /// nil on other backends or when none can be opened.
    static func gpuDescription(backend: String) -> String? {
        guard backend == "cuda", let device = try? Backend.resolve(.cuda).device else { return nil }
        return device.isEmulation ? device.name : "\(device.name), sm_\(device.architecture)"
    }
}
