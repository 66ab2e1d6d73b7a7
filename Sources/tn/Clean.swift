// `tn clean`: removes the compile cache and what `tn build` wrote into the
// site folder (the pages, CSV files, assets and copies its manifest lists).
// The frozen results (output/_freeze) are kept: they are committed, and
// rebuilding them means running every experiment again; so are files an
// author put there (a CNAME, say). Only a folder that `tn build` wrote (it
// holds the build's .build-stamp) is cleaned; anything else given as --out,
// such as the working folder, the chapters or a git checkout, is refused
// before a single file is removed.
import ArgumentParser
import Foundation
import Notebook

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove .tn-cache and the built site, keeping the frozen results in output/_freeze.")

    @Option(help: "The site folder.")
    var out = "output"

    func run() throws {
        let fileManager = FileManager.default
        let folder = URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath()
        var isFolder: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder) else {
            throw OptionError("--out \(out) does not exist; nothing was removed (give the folder `tn build --out` wrote to)")
        }
        guard isFolder.boolValue else {
            throw OptionError("--out \(out) is a file, not a site folder")
        }
        try Self.checkIsSite(folder, named: out)
        // Not while a build runs here: it uses .tn-cache and writes the site.
        let lock: BuildLock
        do { lock = try BuildLock(at: URL(fileURLWithPath: ".tn-cache/build.lock")) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(lock) {} }
        try? fileManager.removeItem(atPath: ".tn-cache")
        let removed = try BuiltSite.clean(folder)
        print("Removed .tn-cache and the \(removed) file\(removed == 1 ? "" : "s") `tn build` wrote in \(out)/ "
            + "(kept \(out)/_freeze and anything else).")
    }

    /// Throws unless `folder` is a site `tn build` wrote and nothing an author keeps elsewhere.
    static func checkIsSite(_ folder: URL, named out: String) throws {
        if let problem = BuiltSite.sourcesProblem(folder) {
            throw OptionError("--out \(out) \(problem), so it is not a built site; nothing was removed "
                + "(give the site folder, e.g. --out output)")
        }
        guard BuiltSite.isBuilt(folder) else {
            throw OptionError("--out \(out) was not written by `tn build` (it has no .build-stamp); nothing was removed. "
                + "Give the folder `tn build --out` wrote to")
        }
    }
}
