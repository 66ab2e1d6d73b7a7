// Run-time loading of shared libraries: the CUDA backend links against
// nothing, so the engine builds on machines with no CUDA headers or
// libraries, and a missing library is an error message instead of a crash.
#if canImport(Glibc)
import Glibc
#endif

/// Where the backends' entry points are looked up: a library opened with
/// dlopen, or, in the tests that check each declaration against the C
/// headers, a table that records what was asked for.
protocol SymbolTable {
    var soname: String { get }
    /// The address of `name`, which the caller will use as a `type`; nil when absent.
    func address(of name: String, as type: Any.Type) -> UnsafeMutableRawPointer?
}

extension SymbolTable {
    /// The symbol `name` as a C function pointer of type `T`.
    func function<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let symbol = address(of: name, as: T.self) else {
            throw CUDAError(call: "dlsym(\(name))", code: -1,
                            message: "\(soname) has no symbol \(name): \(lastDynamicLoaderError() ?? "unknown")")
        }
        return unsafeBitCast(symbol, to: T.self)
    }

    /// Like `function`, but `nil` when the library is too old to have it.
    func optionalFunction<T>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let symbol = address(of: name, as: T.self) else { return nil }
        return unsafeBitCast(symbol, to: T.self)
    }
}

/// A library opened with dlopen.
final class DynamicLibrary: SymbolTable, @unchecked Sendable {
    let soname: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `sonames` that dlopen can load; `nil` with every
    /// attempt's dlerror text otherwise.
    static func open(firstOf sonames: [String]) -> Result<DynamicLibrary, LibraryLoadError> {
        var attempts: [String] = []
        for soname in sonames {
            if let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) {
                return .success(DynamicLibrary(soname: soname, handle: handle))
            }
            attempts.append(lastDynamicLoaderError() ?? "\(soname): not found")
        }
        return .failure(LibraryLoadError(sonames: sonames, reasons: attempts))
    }

    private init(soname: String, handle: UnsafeMutableRawPointer) {
        self.soname = soname
        self.handle = handle
    }

    func address(of name: String, as type: Any.Type) -> UnsafeMutableRawPointer? {
        _ = lastDynamicLoaderError() // clear any stale message
        return dlsym(handle, name)
    }
}

/// No soname of a library could be opened.
struct LibraryLoadError: Error, CustomStringConvertible {
    let sonames: [String]
    let reasons: [String]
    var description: String {
        "could not load \(sonames.joined(separator: " / ")): \(reasons.last ?? "not found")"
    }
}

private func lastDynamicLoaderError() -> String? {
    guard let text = dlerror() else { return nil }
    return String(cString: text)
}
