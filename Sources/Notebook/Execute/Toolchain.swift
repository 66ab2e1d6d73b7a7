// Finds what block compilation needs, at run time, without any path of the
// build machine written into the project: the folder of built modules and
// objects (the folder `tn` itself runs from, or TN_BUILD_DIR), the package root
// above it (for the system-library module maps and the library sources), and swiftc.
import Engine
import Foundation

public struct Toolchain: Sendable {
    /// SwiftPM's bin folder: Modules/*.swiftmodule and TARGET.build/*.o.
    public var binDirectory: URL
    /// The folder holding Package.swift.
    public var packageRoot: URL
    public var swiftc: String

    /// The library targets that blocks import and link.
    public static let blockLibraries = ["Engine", "Charts", "NotebookRuntime"]

    public init(binDirectory: URL, packageRoot: URL, swiftc: String) {
        self.binDirectory = binDirectory
        self.packageRoot = packageRoot
        self.swiftc = swiftc
    }

    public static func locate() throws -> Toolchain {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let override = environment["TN_BUILD_DIR"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder)
            folder = folder.deletingLastPathComponent()
        }
        let fileManager = FileManager.default
        guard let bin = candidates.first(where: {
            fileManager.fileExists(atPath: $0.appendingPathComponent("Modules/NotebookRuntime.swiftmodule").path)
        }) else {
            throw NotebookError(
                "cannot find the built NotebookRuntime module next to \(executable.path)",
                hint: "build tn with `swift build -c release` and run it as .build/release/tn, or set TN_BUILD_DIR to SwiftPM's bin folder")
        }
        var root = bin.standardizedFileURL
        while !fileManager.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            let parent = root.deletingLastPathComponent()
            guard parent.path != root.path else {
                throw NotebookError("cannot find Package.swift above \(bin.path)")
            }
            root = parent
        }
        guard let swiftc = findExecutable("swiftc") else {
            throw NotebookError("swiftc is not on PATH", hint: "install the Swift toolchain that built tn")
        }
        return Toolchain(binDirectory: bin, packageRoot: root, swiftc: swiftc)
    }

    /// Object files of the libraries blocks link against.
    func libraryObjects() throws -> [String] {
        var objects: [String] = []
        for library in Self.blockLibraries {
            let folder = binDirectory.appendingPathComponent("\(library).build")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            // *.swiftmodule.o only wraps the AST for the debugger.
            let found = names.filter { $0.hasSuffix(".o") && !$0.hasSuffix(".swiftmodule.o") }.sorted()
            guard !found.isEmpty else {
                throw NotebookError(
                    "no object files for \(library) in \(folder.path)",
                    hint: "run `swift build` (or `swift build -c release`) before building chapters")
            }
            objects += found.map { folder.appendingPathComponent($0).path }
        }
        return objects
    }

    /// `-I` folders for the system-library module maps (Sources/C*/module.modulemap).
    func moduleMapFolders() -> [String] {
        let sources = packageRoot.appendingPathComponent("Sources")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? []
        return names.sorted().map { sources.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("module.modulemap").path) }
            .map(\.path)
    }

    /// SHA-256 over the sources of every library a block runs against, so that
    /// an engine or chart change invalidates every cached result.
    public func librarySourceHash() -> String {
        var hasher = SHA256()
        let fileManager = FileManager.default
        for library in Self.blockLibraries {
            let folder = packageRoot.appendingPathComponent("Sources/\(library)")
            let files = (fileManager.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".swift") || $0.hasSuffix(".h") || $0.hasSuffix(".c") }
                .sorted()
            for file in files {
                let contents = (try? Data(contentsOf: folder.appendingPathComponent(file))) ?? Data()
                hasher.field("\(library)/\(file)", String(decoding: contents, as: UTF8.self))
            }
        }
        return hasher.finish()
    }
}

extension Toolchain {
    /// Swift's crash backtracer and llvm-symbolizer, from the toolchain of the
    /// swiftc on PATH (the one that compiles the blocks); nil where absent.
    static let crashTools: (backtracer: String?, symbolizer: String?) = {
        guard let swiftc = findExecutable("swiftc") else { return (nil, nil) }
        let bin = URL(fileURLWithPath: swiftc).resolvingSymlinksInPath().deletingLastPathComponent()
        let libexec = bin.deletingLastPathComponent().appendingPathComponent("libexec/swift")
        let backtracer = ["linux/swift-backtrace-static", "linux/swift-backtrace", "macosx/swift-backtrace"]
            .map { libexec.appendingPathComponent($0).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let symbolizer = bin.appendingPathComponent("llvm-symbolizer").path
        return (backtracer, FileManager.default.isExecutableFile(atPath: symbolizer) ? symbolizer : nil)
    }()
}

func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
