// The parameter lists of the kernels, read from their CUDA C source, so that
// every launch can be checked against the signature it will meet on the GPU:
// cuLaunchKernel copies each argument by the size the kernel expects, so an
// argument in the wrong place or of the wrong width would not fail there, it
// would silently compute garbage. Both the GPU context and the CPU emulation
// of the device check each launch; the emulated tests therefore check the
// argument lists of every launch sequence the network and trainer make.

/// The kind of value a kernel parameter takes, as KernelArgument passes it.
enum KernelParameterKind: String, Equatable, Sendable {
    case pointer, int, uint, float, double

    /// "a float", "an int".
    var withArticle: String { (self == .int ? "an " : "a ") + rawValue }

    init(_ argument: KernelArgument) {
        switch argument {
        case .pointer: self = .pointer
        case .int: self = .int
        case .uint: self = .uint
        case .float: self = .float
        case .double: self = .double
        }
    }
}

enum KernelSignatures {
    /// Each kernel's parameters, (name, kind) in order, parsed from KernelSource.source.
    static let all: [String: [(name: String, kind: KernelParameterKind)]] = parse(KernelSource.source)

    /// Parses every `extern "C" __global__ void name(...)` in `source`.
    static func parse(_ source: String) -> [String: [(name: String, kind: KernelParameterKind)]] {
        var signatures: [String: [(name: String, kind: KernelParameterKind)]] = [:]
        let marker = "extern \"C\" __global__ void "
        var rest = source[...]
        while let start = rest.range(of: marker) {
            rest = rest[start.upperBound...]
            guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") else { break }
            let name = rest[..<open].trimmingCharacters(in: .whitespaces)
            let list = rest[rest.index(after: open)..<close]
            signatures[name] = list.split(separator: ",").map { parameter in
                let words = parameter.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
                let parameterName = words.last.map { String($0.drop { $0 == "*" }) } ?? ""
                let type = words.dropLast().joined(separator: " ")
                return (parameterName, kind(ofType: type, pointer: parameter.contains("*")))
            }
            rest = rest[close...]
        }
        return signatures
    }

    private static func kind(ofType type: String, pointer: Bool) -> KernelParameterKind {
        if pointer { return .pointer }
        let base = type.replacingOccurrences(of: "const ", with: "")
        switch base {
        case "int": return .int
        case "u32", "unsigned", "unsigned int": return .uint
        case "float": return .float
        case "double": return .double
        default: preconditionFailure("KernelSignatures: no KernelArgument for the CUDA type '\(type)'")
        }
    }

    /// Throws unless `arguments` match `kernel`'s parameters in number and kind,
    /// naming the first parameter that does not.
    static func check(_ kernel: String, _ arguments: [KernelArgument]) throws {
        guard let parameters = all[kernel] else {
            throw CUDAError(call: "launch(\(kernel))", code: -1, message: "no such kernel in the module")
        }
        guard parameters.count == arguments.count else {
            throw CUDAError(call: "launch(\(kernel))", code: -1,
                            message: "\(arguments.count) arguments for \(parameters.count) parameters ("
                                + parameters.map(\.name).joined(separator: ", ") + ")")
        }
        for (index, (parameter, argument)) in zip(parameters, arguments).enumerated() {
            let given = KernelParameterKind(argument)
            guard given == parameter.kind else {
                throw CUDAError(call: "launch(\(kernel))", code: -1,
                                message: "argument \(index + 1) (\(parameter.name)) should be \(parameter.kind.withArticle), got \(given.withArticle)")
            }
        }
    }
}
