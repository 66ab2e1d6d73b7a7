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
}
