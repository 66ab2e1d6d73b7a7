// `tn watch`: rebuilds whenever a chapter or a library source changes.
import ArgumentParser
import Foundation
import Notebook

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild the site whenever a chapter changes.")

    @OptionGroup var folders: BookFolders

    @Flag(help: "Run the experiments reduced.")
    var quick = false

    func run() throws {
        var options = folders.buildOptions()
        options.quick = quick
        let watched = [options.chaptersFolder, URL(fileURLWithPath: "Sources/Engine"), URL(fileURLWithPath: "Sources/Charts"),
                       URL(fileURLWithPath: "Sources/NotebookRuntime")]
        var last = ""
        while true {
            let now = ChangeWatcher.fingerprint(watched)
            if now != last {
                last = now
                try? runBuild(options)
                options.log("Watching \(folders.chapters)/ for changes (Ctrl-C to stop)…")
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }
}
