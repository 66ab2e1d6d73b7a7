// NVRTC, the run-time CUDA C compiler, loaded with dlopen. The kernels are
// CUDA C source in the repository (KernelSource.swift); NVRTC compiles them
// for the device's exact compute capability on first use.

/// NVRTC's entry points.
final class NVRTC: @unchecked Sendable {
    typealias Version = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
    typealias GetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias CreateProgram = @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Int32
    typealias CompileProgram = @convention(c) (OpaquePointer, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias GetSize = @convention(c) (OpaquePointer, UnsafeMutablePointer<Int>) -> Int32
    typealias GetBytes = @convention(c) (OpaquePointer, UnsafeMutablePointer<CChar>) -> Int32
    typealias DestroyProgram = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32

    /// Newest first: CUDA 13, 12 and 11 toolkits, then an unversioned development link.
    static let sonames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11", "libnvrtc.so"]

    let library: SymbolTable
    let version: Version
    let getErrorString: GetErrorString
    let createProgram: CreateProgram
    let compileProgram: CompileProgram
    let getLogSize: GetSize
    let getLog: GetBytes
    let getCUBINSize: GetSize
    let getCUBIN: GetBytes
    let destroyProgram: DestroyProgram

    convenience init() throws {
        let library: DynamicLibrary
        switch DynamicLibrary.open(firstOf: Self.sonames) {
        case .success(let opened): library = opened
        case .failure(let error):
            throw CUDAUnavailable.libraryMissing(library: "libnvrtc (the CUDA run-time compiler)", sonames: Self.sonames,
                                                 detail: error.reasons.first ?? error.description)
        }
        try self.init(library: library)
    }

    init(library: SymbolTable) throws {
        self.library = library
        version = try library.function("nvrtcVersion")
        getErrorString = try library.function("nvrtcGetErrorString")
        createProgram = try library.function("nvrtcCreateProgram")
        compileProgram = try library.function("nvrtcCompileProgram")
        getLogSize = try library.function("nvrtcGetProgramLogSize")
        getLog = try library.function("nvrtcGetProgramLog")
        getCUBINSize = try library.function("nvrtcGetCUBINSize")
        getCUBIN = try library.function("nvrtcGetCUBIN")
        destroyProgram = try library.function("nvrtcDestroyProgram")
    }

    /// "12.4": part of the cache key, since another compiler may emit other code.
    var versionString: String {
        var major: Int32 = 0, minor: Int32 = 0
        _ = version(&major, &minor)
        return "\(major).\(minor)"
    }

    private func check(_ status: Int32, _ call: String, log: String? = nil) throws {
        guard status != 0 else { return }
        var message = getErrorString(status).map { String(cString: $0) } ?? "NVRTC error \(status)"
        if let log, !log.isEmpty { message += "\n" + log }
        throw CUDAError(call: call, code: status, message: message)
    }

    /// Compiles `source` to a CUBIN for `sm_<architecture>` (e.g. 90 for an H100).
    /// A compile error throws with NVRTC's log, which names the line.
    func compile(source: String, name: String, architecture: Int, options extraOptions: [String]) throws -> [UInt8] {
        try compileWithLog(source: source, name: name, architecture: architecture, options: extraOptions).binary
    }

    /// Compiles as `compile` does and also returns NVRTC's log (with
    /// `-Xptxas -v` among the options, ptxas's register and spill report).
    func compileWithLog(source: String, name: String, architecture: Int, options extraOptions: [String]) throws
        -> (binary: [UInt8], log: String) {
        var program: OpaquePointer?
        try check(createProgram(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
        guard let program else { throw CUDAError(call: "nvrtcCreateProgram", code: -1, message: "no program returned") }
        defer { var handle: OpaquePointer? = program; _ = destroyProgram(&handle) }

        let options = ["--gpu-architecture=sm_\(architecture)", "--std=c++14"] + extraOptions
        let cStrings = options.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let status = cStrings.map { UnsafePointer<CChar>($0) }.withUnsafeBufferPointer { pointers in
            compileProgram(program, Int32(pointers.count), pointers.baseAddress)
        }
        try check(status, "nvrtcCompileProgram(\(options.joined(separator: " ")))", log: programLog(program))

        var size = 0
        try check(getCUBINSize(program, &size), "nvrtcGetCUBINSize")
        var binary = [UInt8](repeating: 0, count: size)
        try binary.withUnsafeMutableBytes { bytes in
            try check(getCUBIN(program, bytes.baseAddress!.assumingMemoryBound(to: CChar.self)), "nvrtcGetCUBIN")
        }
        return (binary, programLog(program))
    }

    private func programLog(_ program: OpaquePointer) -> String {
        var size = 0
        guard getLogSize(program, &size) == 0, size > 1 else { return "" }
        var text = [CChar](repeating: 0, count: size)
        guard getLog(program, &text) == 0 else { return "" }
        return String(cString: text)
    }
}

#if canImport(Glibc)
import Glibc
#endif
