// `tn clean`: removes the compile cache and the built pages. The frozen
// results (output/_freeze) are kept: they are committed, and rebuilding them
// means running every experiment again.
import ArgumentParser
import Foundation

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove .tn-cache and the built site, keeping the frozen results in output/_freeze.")

    @Option(help: "The site folder.")
    var out = "output"

    func run() throws {
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: ".tn-cache")
        for name in (try? fileManager.contentsOfDirectory(atPath: out)) ?? [] where name != "_freeze" {
            try fileManager.removeItem(atPath: out + "/" + name)
        }
        print("Removed .tn-cache and \(out)/ (kept \(out)/_freeze).")
    }
}
