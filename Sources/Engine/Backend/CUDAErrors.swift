// The errors of the CUDA backend. Each names what failed in words a reader
// can act on: which library is missing, which call failed with the driver's
// own message, or how much memory a batch size needs against what is free.

/// A CUDA driver, NVRTC or cuBLAS call that returned an error status.
public struct CUDAError: Error, CustomStringConvertible, Equatable {
    /// The function that failed, e.g. `cuMemAlloc_v2` or `cublasSgemm_v2`.
    public let call: String
    /// The raw status code (CUresult, nvrtcResult or cublasStatus_t).
    public let code: Int32
    /// The library's own description of the status, when it gives one.
    public let message: String

    public init(call: String, code: Int32, message: String) {
        self.call = call
        self.code = code
        self.message = message
    }

    public var description: String { "\(call) failed (\(code)): \(message)" }
}

/// A label that is not one of the model's classes, found before training on
/// the device (the loss kernel would index past its row of logits).
public struct LabelOutOfRange: Error, CustomStringConvertible, Equatable {
    public let set: String
    public let example: Int
    public let label: Int32
    public let classes: Int

    public var description: String {
        "\(set) example \(example) has label \(label), outside the model's \(classes) classes 0…\(classes - 1); labels must be class indices"
    }
}

/// An environment variable of the CUDA backend with a value it cannot use.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    public let name: String
    public let value: String
    public let problem: String

    public var description: String { "\(name)=\(value): \(problem)" }

    /// An on/off setting: unset or "1" is on, "0" off, anything else this
    /// error, which says what each means (`on` and `off`).
    static func onOff(_ name: String, environment: [String: String], on: String, off: String) throws -> Bool {
        guard let text = environment[name] else { return true }
        switch text.trimmingCharacters(in: .whitespaces) {
        case "1": return true
        case "0": return false
        default: throw SettingError(name: name, value: text, problem: "must be 1 (\(on), the default) or 0 (\(off))")
        }
    }
}

/// Why `--backend cuda` cannot run on this machine.
public enum CUDAUnavailable: Error, CustomStringConvertible, Equatable {
    /// None of a library's sonames could be dlopened.
    case libraryMissing(library: String, sonames: [String], detail: String)
    /// libcuda loaded but cuInit failed: no kernel driver, or a mismatched one.
    case noDriver(message: String)
    /// The driver works but reports no CUDA device.
    case noDevice

    public var description: String {
        switch self {
        case let .libraryMissing(library, sonames, detail):
            return "CUDA backend unavailable: could not load \(library) (tried \(sonames.joined(separator: ", "))): \(detail)"
        case let .noDriver(message):
            return "CUDA backend unavailable: the NVIDIA driver did not initialise (cuInit: \(message))"
        case .noDevice:
            return "CUDA backend unavailable: the driver reports no CUDA device"
        }
    }
}

/// The blog's "CUDA OOM", as an error instead of a crash.
public struct DeviceOutOfMemory: Error, CustomStringConvertible, Equatable {
    public let requestedBytes: Int
    public let freeBytes: Int
    public let batchSize: Int
    /// The largest batch size whose buffers fit in the free memory (0 if none).
    public let suggestedBatchSize: Int

    public var description: String {
        let suggestion = suggestedBatchSize > 0
            ? "try --batch-size \(suggestedBatchSize) or smaller"
            : "even batch size 1 does not fit; free device memory or use --backend cpu"
        return "CUDA out of memory: batch size \(batchSize) needs \(formatBytes(requestedBytes)) of device memory, "
            + "\(formatBytes(freeBytes)) is free; \(suggestion)"
    }
}

/// 1536 → "1.5 KiB": sizes as people read them, with the exact byte count.
func formatBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    let rounded = unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
    return unit == 0 ? rounded : "\(rounded) (\(bytes) bytes)"
}
