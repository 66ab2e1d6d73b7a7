// Run-time loading of shared libraries: the CUDA backend links against
// nothing, so the engine builds on machines with no CUDA headers or
// libraries, and a missing library is an error message instead of a crash.
#if canImport(Glibc)
import Glibc
#endif

/// A library opened with dlopen, and typed lookups of its symbols.
final class DynamicLibrary: @unchecked Sendable {
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

    /// The symbol `name` as a C function pointer of type `T`.
    func function<T>(_ name: String, as type: T.Type = T.self) throws -> T {
        _ = lastDynamicLoaderError() // clear any stale message
        guard let symbol = dlsym(handle, name) else {
            throw CUDAError(call: "dlsym(\(name))", code: -1,
                            message: "\(soname) has no symbol \(name): \(lastDynamicLoaderError() ?? "unknown")")
        }
        return unsafeBitCast(symbol, to: T.self)
    }

    /// Like `function`, but `nil` when the library is too old to have it.
    func optionalFunction<T>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: T.self)
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
