// Labelled fields for cache keys, on top of the engine's SHA-256.
import Engine

extension SHA256 {
    /// Adds a labelled field, length-prefixed so that ("ab","c") and ("a","bc") differ.
    mutating func field(_ label: String, _ value: String) {
        let bytes = Array(value.utf8)
        update(Array("\(label):\(bytes.count):".utf8))
        update(bytes)
        update(Array("\n".utf8))
    }

    /// The digest as lowercase hex.
    mutating func finish() -> String { SHA256.hex(finalize()) }
}
