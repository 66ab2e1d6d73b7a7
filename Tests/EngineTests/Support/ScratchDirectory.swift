import Foundation

/// A fresh folder under the temporary directory for one test's files, named
/// `name` and this process's id; the test removes it (`defer`) when done.
func scratchDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
