// Where the tests find the `tn` they run: beside this test bundle, since the
// test target depends on the executable and SwiftPM builds both into one folder.
import Foundation
import XCTest

enum BuiltExecutable {
    static var tn: URL {
        var directory = Bundle(for: Anchor.self).bundleURL
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("tn")
    }

    private final class Anchor {}

    /// Runs the built `tn` to completion: its exit status and what it wrote to stdout and stderr.
    static func run(_ arguments: [String], in folder: URL? = nil,
                    environment: [String: String]? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = tn
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        if let environment { process.environment = environment }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Both pipes at once: one left unread fills up and stops tn.
        let errorBox = ErrorBox()
        let reader = Thread { errorBox.data = error.fileHandleForReading.readDataToEndOfFile(); errorBox.done.signal() }
        reader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        errorBox.done.wait()
        let errData = errorBox.data
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

private final class ErrorBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
