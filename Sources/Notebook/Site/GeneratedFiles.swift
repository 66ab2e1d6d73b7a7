// What a build leaves in the out folder, so that a full build can take away
// what it no longer makes: the page, the CSV files and the frozen results of a
// chapter that was renamed or deleted. Only files the build itself made are
// ever removed, never anything an author put there, never anything outside the
// out folder:
//
// - pages, CSV files and files copied from the chapters folder are listed in
//   `.tn-manifest` in the out folder (committed with the site); a full build
//   removes those of the previous list that it did not write again;
// - an out folder from before the manifest has none: there, pages carrying
//   the layout's own script, and the data folders of those that are stale,
//   are recognised as the build's;
// - frozen results are `_freeze/CHAPTER/BLOCK.SCALE.json`: one whose chapter
//   is not in the book, or whose chapter has no block of that id, is stale.
//
// `assets/` is left alone: its files are the same for every book, and a
// machine without KaTeX's package would otherwise take
// away the copies that the pages still use.
import Foundation

enum GeneratedFiles {
    static let manifestName = ".tn-manifest"
    static let manifestHeader = "# Files written by `tn build`; a full build removes those it no longer writes. Do not edit."

    /// A line that only the page layout writes (its theme script).
    static let pageSignature = "<script>try{var t=localStorage.getItem(\"tn-theme\")"

    // MARK: The manifest

    /// The previous build's list, or nil when the out folder has none.
    static let chaptersPrefix = "# chapters folder: "

    static func readManifest(in outputFolder: URL) -> Set<String>? {
        guard let text = try? String(contentsOf: outputFolder.appendingPathComponent(manifestName), encoding: .utf8) else {
            return nil
        }
        var lines = text.components(separatedBy: "\n")
        // The header lines; a file's own name may start with '#'.
        if lines.first?.hasPrefix("#") == true { lines.removeFirst() }
        if lines.first?.hasPrefix(chaptersPrefix) == true { lines.removeFirst() }
        return Set(lines.filter { !$0.isEmpty })
    }

    /// The chapters folder (as given to `tn build`) of the build that wrote the manifest.
    static func manifestChapters(in outputFolder: URL) -> String? {
        guard let text = try? String(contentsOf: outputFolder.appendingPathComponent(manifestName), encoding: .utf8) else {
            return nil
        }
        let lines = text.components(separatedBy: "\n").prefix(2)
        return lines.first { $0.hasPrefix(chaptersPrefix) }.map { String($0.dropFirst(chaptersPrefix.count)) }
    }

    static func writeManifest(_ paths: Set<String>, chapters: String, in outputFolder: URL) throws {
        let text = ([manifestHeader, chaptersPrefix + chapters] + paths.sorted()).joined(separator: "\n") + "\n"
        try AtomicFile.writeIfChanged(text, to: outputFolder.appendingPathComponent(manifestName))
    }

    /// A file's device and inode: two paths that name one file (a case-only
    /// rename on a case-insensitive disk) have the same.
    static func identity(of url: URL) -> [UInt64]? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    // MARK: What is stale

    /// Files an earlier build made that this one (which wrote `current`) did
    /// not: relative paths inside the out folder, sorted, each a regular file
    /// that is there now. Frozen results and assets are never among them.
    static func staleFiles(in outputFolder: URL, current: Set<String>, chapterStems: Set<String>) -> [String] {
        let previous = readManifest(in: outputFolder) ?? earlierPages(in: outputFolder, chapterStems: chapterStems)
        return previous.subtracting(current).filter { path in
            guard isSafe(path), !path.hasPrefix("_freeze/"), !path.hasPrefix("assets/"),
                  path != manifestName, path != ".build-stamp" else { return false }
            return isRegularFileInside(outputFolder, path)
        }.sorted()
    }

    /// For an out folder without a manifest: every page the layout wrote
    /// (recognised by its theme script), and the CSV files under
    /// `data/STEM/` for each such page whose chapter is not in the book.
    static func earlierPages(in outputFolder: URL, chapterStems: Set<String>) -> Set<String> {
        var found: Set<String> = []
        // Not into another site's folder (one with its own stamp or frozen results).
        let fileManager = FileManager.default
        let otherSite = { (folder: String) in
            [".build-stamp", ".tn-manifest", "_freeze"].contains {
                fileManager.fileExists(atPath: outputFolder.appendingPathComponent(folder + "/" + $0).path)
            }
        }
        for path in filesBelow(outputFolder, skipping: {
            $0 == "_freeze" || $0 == "assets" || $0.hasPrefix(".") || $0.contains("/.") || otherSite($0)
        }) where path.hasSuffix(".html") {
            guard let handle = FileHandle(forReadingAtPath: outputFolder.appendingPathComponent(path).path) else { continue }
            let head = String(decoding: handle.readData(ofLength: 1024), as: UTF8.self)
            try? handle.close()
            guard head.contains(pageSignature) else { continue }
            found.insert(path)
            let stem = String(path.dropLast(5))
            guard !chapterStems.contains(stem) else { continue }
            let data = outputFolder.appendingPathComponent("data/\(stem)")
            for file in filesBelow(data, skipping: { _ in false }) where file.hasSuffix(".csv") {
                found.insert("data/\(stem)/\(file)")
            }
        }
        return found
    }

    /// A frozen result that no block of the book will read again.
    struct OrphanedResult: Equatable {
        /// Inside the out folder: `_freeze/ord/fig-a.full.json`.
        var path: String
        /// Why: its chapter is not in the book, or has no block of that id.
        var reason: String
    }

    /// `blocks`: the ids of each chapter's blocks, by chapter stem (`part/nested`);
    /// `chapters`: the chapters folder as the author named it. A file counts
    /// only when it is named as the build names them and reads as a result.
    /// A chapter that is still in the chapters folder but not listed keeps its
    /// results (`chaptersFolder`), as it may be listed again.
    static func orphanedResults(in outputFolder: URL, blocks: [String: Set<String>], chapters: String,
                                chaptersFolder: URL) -> [OrphanedResult] {
        let freeze = outputFolder.appendingPathComponent("_freeze")
        var orphans: [OrphanedResult] = []
        for file in filesBelow(freeze, skipping: { _ in false }) {
            let parts = file.split(separator: "/").map(String.init)
            let name = parts.last ?? ""
            let pieces = name.split(separator: ".").map(String.init)
            // BLOCK.SCALE.json, in a chapter's folder; anything else is not ours.
            guard parts.count >= 2, pieces.count == 3, pieces[2] == "json",
                  pieces[1] == "full" || pieces[1] == "quick" else { continue }
            let stem = parts.dropLast().joined(separator: "/")
            let path = "_freeze/\(file)"
            let reason: String
            if let ids = blocks[stem] {
                guard !ids.contains(pieces[0]) else { continue }
                reason = "\(chapters)/\(stem).md has no block '\(pieces[0])'"
            } else {
                guard !FileManager.default.fileExists(atPath: chaptersFolder.appendingPathComponent(stem + ".md").path)
                else { continue }
                reason = "\(chapters)/\(stem).md is gone"
            }
            guard isRegularFileInside(outputFolder, path),
                  let data = try? Data(contentsOf: outputFolder.appendingPathComponent(path)),
                  (try? JSONDecoder().decode(BlockResult.self, from: data)) != nil else { continue }
            orphans.append(OrphanedResult(path: path, reason: reason))
        }
        return orphans
    }

    // MARK: Removing

    /// Removes `paths` (relative to the out folder, already checked by
    /// `staleFiles` or `orphanedResults`) and the folders they leave empty.
    /// Returns one entry per removed file or, where a whole folder went, the
    /// folder with a trailing `/`, in order.
    static func remove(_ paths: [String], from outputFolder: URL) throws -> [String] {
        let fileManager = FileManager.default
        var shown: [String] = []
        var removedFolders: Set<String> = []
        for path in paths where isSafe(path) && isRegularFileInside(outputFolder, path) {
            try fileManager.removeItem(at: outputFolder.appendingPathComponent(path))
            var parts = path.split(separator: "/").map(String.init)
            parts.removeLast()
            while !parts.isEmpty {
                let folder = outputFolder.appendingPathComponent(parts.joined(separator: "/"))
                guard let left = try? fileManager.contentsOfDirectory(atPath: folder.path), left.isEmpty else { break }
                try fileManager.removeItem(at: folder)
                removedFolders.insert(parts.joined(separator: "/"))
                parts.removeLast()
            }
        }
        for path in paths {
            // The outermost folder that went with the file, if any.
            let parts = path.split(separator: "/").map(String.init)
            var entry = path
            for depth in 1..<max(parts.count, 1) where removedFolders.contains(parts[0..<depth].joined(separator: "/")) {
                entry = parts[0..<depth].joined(separator: "/") + "/"
                break
            }
            if !shown.contains(entry) { shown.append(entry) }
        }
        return shown
    }

    // MARK: Safety

    /// A relative path that stays inside its folder.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return !path.split(separator: "/", omittingEmptySubsequences: false)
            .contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    /// A regular file (not a link, not a folder) whose folder, links
    /// resolved, lies inside the out folder.
    static func isRegularFileInside(_ outputFolder: URL, _ path: String) -> Bool {
        let url = outputFolder.appendingPathComponent(path)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return false }
        let root = outputFolder.standardizedFileURL.resolvingSymlinksInPath().path
        let folder = url.deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        return folder == root || folder.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Regular files below `folder` (relative paths, sorted), not descending
    /// into folders whose relative path `skipping` accepts, nor into linked
    /// folders; a link to a file counts only with `fileLinks`.
    static func filesBelow(_ folder: URL, fileLinks: Bool = false, skipping: (String) -> Bool) -> [String] {
        var files: [String] = []
        let fileManager = FileManager.default
        func walk(_ relative: String) {
            let url = relative.isEmpty ? folder : folder.appendingPathComponent(relative)
            for name in ((try? fileManager.contentsOfDirectory(atPath: url.path)) ?? []).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                guard let type = (try? fileManager.attributesOfItem(atPath: url.appendingPathComponent(name).path))?[.type]
                    as? FileAttributeType else { continue }
                if type == .typeDirectory {
                    if !skipping(path) { walk(path) }
                } else if type == .typeRegular {
                    files.append(path)
                } else if type == .typeSymbolicLink, fileLinks {
                    var isFolder: ObjCBool = false
                    if fileManager.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isFolder),
                       !isFolder.boolValue {
                        files.append(path)
                    }
                }
            }
        }
        walk("")
        return files
    }
}

/// `tn clean`: what a build wrote into a site folder, and only that.
public enum BuiltSite {
    /// Why `folder` is no place for a site, or nil: it is the working folder
    /// or holds it, holds the chapters folder (when given), or holds a
    /// checkout, a package or a book (`.git`, `Package.swift`, `SUMMARY.md`).
    /// Both `tn build` (before writing) and `tn clean` (before removing) refuse such a folder.
    public static func sourcesProblem(_ folder: URL, chaptersFolder: URL? = nil) -> String? {
        func real(_ url: URL) -> String {
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            return path.hasSuffix("/") ? path : path + "/"
        }
        let out = real(folder)
        if real(URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).hasPrefix(out) {
            return "is the working folder or holds it"
        }
        if let chaptersFolder, real(chaptersFolder).hasPrefix(out) { return "is the chapters folder or holds it" }
        return [".git", "Package.swift", "SUMMARY.md"]
            .first { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
            .map { "holds \($0)" }
    }

    /// Whether `tn build` wrote `folder` (it leaves its .build-stamp there).
    public static func isBuilt(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(".build-stamp").path)
    }

    /// Removes the pages, CSV files and chapter copies the manifest lists (or,
    /// in a folder built before the manifest, the pages the layout wrote and
    /// `data/`), `assets/`, the stamp and the manifest, and the folders that
    /// leaves empty. Frozen results and files an author put there stay.
    /// Returns how many files went.
    public static func clean(_ folder: URL) throws -> Int {
        // Without a manifest (a site from before it): the pages the layout
        // wrote and their CSV folders.
        var listed = GeneratedFiles.readManifest(in: folder) ?? GeneratedFiles.earlierPages(in: folder, chapterStems: [])
        listed.formUnion(GeneratedFiles.filesBelow(folder.appendingPathComponent("assets"), skipping: { _ in false })
            .filter(SiteAssets.isInstalled).map { "assets/" + $0 })
        listed.formUnion([".build-stamp", GeneratedFiles.manifestName])
        let paths = listed.filter { GeneratedFiles.isSafe($0) && !$0.hasPrefix("_freeze/") }
            .filter { GeneratedFiles.isRegularFileInside(folder, $0) }.sorted()
        _ = try GeneratedFiles.remove(paths, from: folder)  // and the folders they leave empty
        return paths.count
    }
}
