// `tn serve`: serves output/ on 127.0.0.1 and reloads pages after a rebuild.
import ArgumentParser
import Foundation
import Notebook

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the built site on 127.0.0.1; open pages reload after each rebuild (run `tn watch` beside it).")

    @Option(help: "The folder to serve.")
    var out = "output"

    @Option(help: "The port on 127.0.0.1.")
    var port: UInt16 = 8000

    func run() throws {
        guard FileManager.default.fileExists(atPath: out + "/index.html") else {
            FileHandle.standardError.write(Data("error: \(out)/index.html does not exist\n  fix: run `tn build` first\n".utf8))
            throw ExitCode.failure
        }
        do {
            try StaticServer(folder: URL(fileURLWithPath: out), port: port).run { line in
                print(line)
                fflush(stdout)
            }
        } catch let error as NotebookError {
            // Its text already reads "error: …" with a fix; ArgumentParser would prefix another "Error:".
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
