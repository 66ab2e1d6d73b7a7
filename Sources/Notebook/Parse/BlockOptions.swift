// Options of an executable block, written as leading `//| key: value` comment
// lines (as in Quarto) so that the block stays valid Swift.

import Foundation

public struct BlockOptions: Equatable, Sendable {
    public var id: String?
    public var caption: String?
    /// `echo: false` hides the code.
    public var echo = true
    /// `output: false` hides the outputs.
    public var output = true
    /// Seconds before the block is stopped; nil means the default.
    public var timeout: Double?
    /// `error: expected`: the block is meant to fail; the build still succeeds.
    public var errorExpected = false
    /// `seed: N`, passed to the block as TN_SEED.
    public var seed: UInt64?
    /// `setup: true`: declarations shared by every block of the chapter.
    public var setup = false

    public static let knownKeys = ["id", "caption", "echo", "output", "timeout", "error", "seed", "setup"]

    public init() {}

    /// The options that can change what a block computes, as text for the
    /// cache key. The id names the frozen file; the caption, `echo`, `output`
    /// and the timeout only change how a result is shown or how long it may
    /// take, so editing them reruns nothing.
    public var canonical: String {
        ["error=\(errorExpected)", "seed=\(seed.map { "\($0)" } ?? "")", "setup=\(setup)"].joined(separator: ";")
    }

    /// Applies one `key: value` pair; throws a message for a bad one.
    mutating func apply(key: String, value: String) throws -> Void {
        func boolean() throws -> Bool {
            switch value.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default: throw OptionProblem("`\(key)` takes true or false, not '\(value)'")
            }
        }
        switch key {
        case "id":
            guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                  value.allSatisfy(\.isASCII) else {
                throw OptionProblem("`id` must be letters, digits, '-' or '_', not '\(value)'")
            }
            id = value
        case "caption":
            caption = value
        case "echo":
            echo = try boolean()
        case "output":
            output = try boolean()
        case "setup":
            setup = try boolean()
        case "timeout":
            guard let seconds = Double(value), seconds > 0 else {
                throw OptionProblem("`timeout` takes a number of seconds, not '\(value)'")
            }
            timeout = seconds
        case "error":
            guard value == "expected" || value == "false" else {
                throw OptionProblem("`error` takes `expected` (or false), not '\(value)'")
            }
            errorExpected = value == "expected"
        case "seed":
            guard let number = UInt64(value) else {
                throw OptionProblem("`seed` takes a whole number, not '\(value)'")
            }
            seed = number
        default:
            throw OptionProblem(
                "unknown block option '\(key)'; the options are \(Self.knownKeys.joined(separator: ", "))")
        }
    }
}

struct OptionProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
