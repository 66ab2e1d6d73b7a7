// The backend declares the driver, cuBLAS and NVRTC by hand (no CUDA header is
// needed to build), so a wrong declaration would only show on a GPU, as a
// missing symbol or as a call that passes the wrong width. These tests read
// NVIDIA's own headers instead and check, for every entry point the real
// initialisers look up:
//  - the name is the one the header maps the API's name to (cuMemAlloc is
//    cuMemAlloc_v2 in libcuda; cuCtxCreate would be cuCtxCreate_v4);
//  - the Swift function type has the prototype's arity, and each parameter and
//    the result have its width and indirection (int → Int32, size_t → Int,
//    CUdeviceptr → UInt64, CUstream → OpaquePointer, const char ** → a pointer
//    to a pointer to Int8, ...);
//  - the constants the backend uses have the header's values.
// The headers come from PyPI's wheels, which need no GPU: nvidia-cuda-runtime
// (cuda.h), nvidia-cuda-nvrtc (nvrtc.h) and nvidia-cublas (cublas_api.h and
// cublas_v2.h). .ci/run installs the first two; the cuBLAS wheel is 440 MB, so
// its test runs where it is installed and skips, saying so, elsewhere. The
// folder is $TN_CUDA_INCLUDE, or the `include` beside a `lib` folder on
// LD_LIBRARY_PATH (where .ci/run puts NVRTC).
import Foundation
import XCTest
@testable import Engine

final class CUDAHeaderTests: XCTestCase {
    /// Runs a real initialiser against a recording table, checks each entry
    /// point it looks up against `header`, and returns how many there were.
    func checkEntryPoints(against header: CHeader, of initialiser: (SymbolTable) throws -> Void,
                          file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let table = RecordingSymbolTable()
        try initialiser(table)
        for entry in table.requested { header.check(entry, file: file, line: line) }
        return table.requested.count
    }

    func testDriverEntryPointsMatchCudaH() throws {
        let header = try CHeader(named: "cuda.h", wheel: "nvidia-cuda-runtime")
        XCTAssertGreaterThanOrEqual(try checkEntryPoints(against: header) { _ = try CUDADriver(library: $0) }, 27)
        // A name cuda.h has moved on from is the classic mistake; make sure the
        // check sees one (cuda.h maps cuMemAlloc to cuMemAlloc_v2).
        XCTAssertEqual(header.currentName(for: "cuMemAlloc"), "cuMemAlloc_v2")
    }

    func testDriverConstantsMatchCudaH() throws {
        let header = try CHeader(named: "cuda.h", wheel: "nvidia-cuda-runtime")
        let expected: [(String, Int64)] = [
            ("CUDA_SUCCESS", Int64(CUDAConstant.success)),
            ("CUDA_ERROR_OUT_OF_MEMORY", Int64(CUDAConstant.outOfMemory)),
            ("CUDA_ERROR_NO_DEVICE", Int64(CUDAConstant.noDevice)),
            ("CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", Int64(CUDAConstant.attributeMultiprocessorCount)),
            ("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", Int64(CUDAConstant.attributeComputeCapabilityMajor)),
            ("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", Int64(CUDAConstant.attributeComputeCapabilityMinor)),
            ("CU_STREAM_NON_BLOCKING", Int64(CUDAConstant.streamNonBlocking)),
            ("CU_STREAM_CAPTURE_MODE_THREAD_LOCAL", Int64(CUDAConstant.captureModeThreadLocal)),
            ("CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION", Int64(CUDAConstant.launchAttributeProgrammaticStreamSerialization)),
        ]
        for (name, value) in expected {
            XCTAssertEqual(header.enumeratorValue(name), value, "cuda.h gives \(name) another value")
        }
    }

    /// The overlapping launch's CUlaunchConfig and CUlaunchAttribute are laid
    /// out by hand; clang++ fills the same two structs from cuda.h itself, and
    /// every byte must agree (the attribute list pointer aside, which each
    /// side allocates: it is followed instead).
    func testOverlappingLaunchConfigurationHasCudaHsLayout() throws {
        _ = try CHeader(named: "cuda.h", wheel: "nvidia-cuda-runtime")
        let include = try XCTUnwrap(CHeader.folder(holding: "cuda.h"))
        let compiler = try KernelEmulator.clangPlusPlus()
        let directory = try scratchDirectory("tn-launch-layout")
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = #"""
        #include <cuda.h>
        #include <stdio.h>
        #include <string.h>
        int main(int argc, char** argv) {
            CUlaunchAttribute attribute;
            memset(&attribute, 0, sizeof attribute);
            attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
            attribute.value.programmaticStreamSerializationAllowed = 1;
            CUlaunchConfig config;
            memset(&config, 0, sizeof config);
            config.gridDimX = 7; config.gridDimY = 1; config.gridDimZ = 1;
            config.blockDimX = 256; config.blockDimY = 1; config.blockDimZ = 1;
            config.sharedMemBytes = 0;
            config.hStream = (CUstream)0x123450;
            config.attrs = 0;
            config.numAttrs = 1;
            FILE* file = fopen(argv[1], "wb");
            fwrite(&config, sizeof config, 1, file);
            fwrite(&attribute, sizeof attribute, 1, file);
            fclose(file);
            return 0;
        }
        """#
        let source = directory.appendingPathComponent("layout.cpp"), binary = directory.appendingPathComponent("layout")
        let output = directory.appendingPathComponent("layout.bin")
        try program.write(to: source, atomically: true, encoding: .utf8)
        for (executable, arguments) in [(compiler, ["-I", include.path, source.path, "-o", binary.path]), (binary.path, [output.path])] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(executable) failed")
        }
        let bytes = [UInt8](try Data(contentsOf: output))
        XCTAssertEqual(bytes.count, 56 + 72, "sizeof(CUlaunchConfig) + sizeof(CUlaunchAttribute)")
        let stream = OpaquePointer(bitPattern: 0x123450)!
        CUDAContext.withOverlappingLaunchConfiguration(blocks: 7, threads: 256, stream: stream) { configuration in
            var ours = [UInt8](UnsafeRawBufferPointer(start: configuration, count: 56))
            let attribute = configuration.load(fromByteOffset: 40, as: UnsafeRawPointer.self)
            ours.replaceSubrange(40..<48, with: [UInt8](repeating: 0, count: 8))
            ours += [UInt8](UnsafeRawBufferPointer(start: attribute, count: 72))
            XCTAssertEqual(ours, bytes)
        }
    }

    func testNVRTCEntryPointsMatchNvrtcH() throws {
        let header = try CHeader(named: "nvrtc.h", wheel: "nvidia-cuda-nvrtc")
        XCTAssertEqual(try checkEntryPoints(against: header) { _ = try NVRTC(library: $0) }, 9)
    }

    func testCUBLASEntryPointsAndConstantsMatchItsHeaders() throws {
        let api = try CHeader(named: "cublas_api.h", wheel: "nvidia-cublas")
        let macros = try CHeader(named: "cublas_v2.h", wheel: "nvidia-cublas")
        let header = api.adding(macrosOf: macros)
        XCTAssertEqual(try checkEntryPoints(against: header) { _ = try CUBLAS.Functions(library: $0) }, 6)
        XCTAssertEqual(header.enumeratorValue("CUBLAS_OP_N"), Int64(CUBLAS.Operation.none.rawValue))
        XCTAssertEqual(header.enumeratorValue("CUBLAS_OP_T"), Int64(CUBLAS.Operation.transpose.rawValue))
        XCTAssertEqual(header.enumeratorValue("CUBLAS_DEFAULT_MATH"), Int64(CUBLAS.defaultMath))
        XCTAssertEqual(header.enumeratorValue("CUBLAS_TF32_TENSOR_OP_MATH"), Int64(CUBLAS.tf32Math))
    }

    /// The checker itself: declarations that are wrong must be reported.
    func testTheCheckerReportsWrongDeclarations() {
        let header = CHeader(text: """
            #define cuThing cuThing_v2
            typedef enum cudaError_enum { CUDA_SUCCESS = 0 } CUresult;
            typedef struct CUstream_st *CUstream;
            typedef enum CUmode_enum { CU_MODE_A = 0x1, CU_MODE_B = 7 } CUmode;
            CUresult CUDAAPI cuThing(CUstream stream, size_t bytes, const char **text, CUmode mode);
            """, file: "test.h")
        typealias Right = @convention(c) (OpaquePointer?, Int, UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32) -> Int32
        typealias NarrowSize = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32) -> Int32
        typealias OneStarShort = @convention(c) (OpaquePointer?, Int, UnsafePointer<CChar>, Int32) -> Int32
        typealias TooFew = @convention(c) (OpaquePointer?, Int) -> Int32
        XCTAssertEqual(header.problems(("cuThing_v2", String(describing: Right.self as Any.Type))), [])
        XCTAssertEqual(header.problems(("cuThing", String(describing: Right.self as Any.Type))),
                       ["test.h maps cuThing to cuThing_v2, but the backend looks up cuThing"])
        XCTAssertEqual(header.problems(("cuThing_v2", String(describing: NarrowSize.self as Any.Type))),
                       ["cuThing_v2: parameter 2 is size_t bytes in test.h, declared as Int32"])
        XCTAssertEqual(header.problems(("cuThing_v2", String(describing: OneStarShort.self as Any.Type))),
                       ["cuThing_v2: parameter 3 is const char **text in test.h, declared as UnsafePointer<Int8>"])
        XCTAssertEqual(header.problems(("cuThing_v2", String(describing: TooFew.self as Any.Type))),
                       ["cuThing_v2: test.h declares 4 parameters, the backend 2"])
        XCTAssertEqual(header.problems(("cuOther", String(describing: TooFew.self as Any.Type))),
                       ["test.h declares no function cuOther"])
        XCTAssertEqual(header.enumeratorValue("CU_MODE_A"), 1)
        XCTAssertEqual(header.enumeratorValue("CU_MODE_B"), 7)
    }
}

/// Records each symbol an initialiser looks up, with the Swift type it will be
/// called as, and hands back an address that is never called.
private final class RecordingSymbolTable: SymbolTable {
    let soname = "a recording symbol table"
    private(set) var requested: [(name: String, type: String)] = []

    func address(of name: String, as type: Any.Type) -> UnsafeMutableRawPointer? {
        requested.append((name, String(describing: type)))
        return UnsafeMutableRawPointer(bitPattern: 0x1000)
    }
}

/// Just enough of a C header to read macros, enumerators, typedefs and prototypes.
struct CHeader {
    let file: String
    /// The header without comments.
    let text: String
    /// `#define NAME TARGET` and `#define NAME __CUDA_API_PTSZ(TARGET)` (the
    /// per-thread-stream wrappers are the plain name in a default build).
    private(set) var macros: [String: Set<String>] = [:]
    let enumTypes: Set<String>
    let handleTypes: Set<String>

    init(text: String, file: String) {
        self.file = file
        self.text = text.replacing(#/\/\*[\s\S]*?\*\//#, with: " ").replacing(#/\/\/[^\n]*/#, with: "")
        for match in self.text.matches(of: #/#\s*define\s+(\w+)\s+(?:__CUDA_API_PT(?:SZ|DS)\((\w+)\)|(\w+))[ \t]*(?:\n|$)/#) {
            macros[String(match.1), default: []].insert(String(match.2 ?? match.3!))
        }
        enumTypes = Set(self.text.matches(of: #/typedef\s+enum\s*\w*\s*\{[^}]*\}\s*(\w+)\s*;/#).map { String($0.1) })
        // Opaque handles: pointers to incomplete structs. cudaStream_t comes from
        // the runtime's driver_types.h, which cuBLAS's header includes.
        handleTypes = Set(self.text.matches(of: #/typedef\s+struct\s+\w+\s*\*\s*(\w+)\s*;/#).map { String($0.1) })
            .union(["cudaStream_t"])
    }

    init(named name: String, wheel: String) throws {
        for folder in Self.includeFolders() {
            let url = folder.appendingPathComponent(name)
            if let data = FileManager.default.contents(atPath: url.path) {
                self.init(text: String(decoding: data, as: UTF8.self), file: name)
                return
            }
        }
        throw XCTSkip("\(name) is not here: pip install \(wheel) and set TN_CUDA_INCLUDE to its nvidia/cu13/include "
            + "folder (.ci/run installs nvidia-cuda-runtime and nvidia-cuda-nvrtc; nvidia-cublas is 440 MB and left out)")
    }

    /// The include folder that holds `name`, if any.
    static func folder(holding name: String) -> URL? {
        includeFolders().first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(name).path) }
    }

    private static func includeFolders() -> [URL] {
        let environment = ProcessInfo.processInfo.environment
        var folders: [URL] = []
        if let include = environment["TN_CUDA_INCLUDE"], !include.isEmpty {
            folders += include.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        }
        for entry in (environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":") {
            let lib = URL(fileURLWithPath: String(entry))
            if lib.lastPathComponent == "lib" {
                folders.append(lib.deletingLastPathComponent().appendingPathComponent("include"))
            }
        }
        return folders
    }

    func adding(macrosOf other: CHeader) -> CHeader {
        var merged = self
        merged.macros.merge(other.macros) { $0.union($1) }
        return merged
    }

    /// The name the header makes `api` stand for, when it renames it.
    func currentName(for api: String) -> String? {
        guard let targets = macros[api], targets.count == 1 else { return nil }
        return targets.first
    }

    func enumeratorValue(_ name: String) -> Int64? {
        let pattern = try! Regex<(Substring, Substring)>("\\b\(name)\\s*=\\s*(-?(?:0[xX][0-9a-fA-F]+|\\d+))\\b")
        guard let match = text.firstMatch(of: pattern) else { return nil }
        let literal = String(match.1)
        if literal.lowercased().hasPrefix("0x") { return Int64(literal.dropFirst(2), radix: 16) }
        return Int64(literal)
    }

    /// Return type and parameters of the first prototype of any of `names`.
    func prototype(of names: [String]) -> (result: String, parameters: [String])? {
        var best: (position: String.Index, result: String, parameters: [String])?
        for name in names {
            let pattern = try! Regex<(Substring, Substring, Substring)>(
                "(?m)^[ \\t]*((?:const\\s+)?\\w+[\\s\\*]*?)(?:\\s+(?:CUDAAPI|CUBLASWINAPI))?\\s*\\b\(name)\\s*\\(([^)]*)\\)\\s*;")
            guard let match = text.firstMatch(of: pattern) else { continue }
            if let best, best.position < match.range.lowerBound { continue }
            let parameters = match.2.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            best = (match.range.lowerBound, String(match.1).trimmingCharacters(in: .whitespacesAndNewlines),
                    parameters == ["void"] ? [] : parameters)
        }
        return best.map { ($0.result, $0.parameters) }
    }

    func check(_ entry: (name: String, type: String), file: StaticString = #filePath, line: UInt = #line) {
        for problem in problems(entry) { XCTFail(problem, file: file, line: line) }
    }

    /// What is wrong with looking `entry.name` up and calling it as `entry.type`.
    func problems(_ entry: (name: String, type: String)) -> [String] {
        var problems: [String] = []
        // The API's name: the symbol without a _vN suffix.
        let api = entry.name.replacing(#/_v\d+$/#, with: "")
        if let current = currentName(for: api), current != entry.name {
            problems.append("\(file) maps \(api) to \(current), but the backend looks up \(entry.name)")
        } else if currentName(for: api) == nil, api != entry.name {
            problems.append("\(file) has no macro naming \(entry.name) for \(api)")
        }
        // Names the header declares it under: its own, the API's, and any
        // other the header renames to it (cuGraphInstantiate is
        // cuGraphInstantiateWithFlags since CUDA 12).
        let aliases = macros.filter { $0.value == [entry.name] }.keys.sorted()
        guard let prototype = prototype(of: [entry.name, api] + aliases) else {
            return problems + ["\(file) declares no function \(entry.name)"]
        }
        guard let swift = SwiftFunctionType(entry.type) else {
            return problems + ["\(entry.name): cannot read the Swift type \(entry.type)"]
        }
        guard swift.parameters.count == prototype.parameters.count else {
            return problems + ["\(entry.name): \(file) declares \(prototype.parameters.count) parameters, "
                + "the backend \(swift.parameters.count)"]
        }
        for (index, (c, declared)) in zip(prototype.parameters, swift.parameters).enumerated() {
            let type = CType(declaration: c, named: true)
            if !matches(type, declared) {
                problems.append("\(entry.name): parameter \(index + 1) is \(c) in \(file), declared as \(declared)")
            }
        }
        if !matches(CType(declaration: prototype.result, named: false), swift.result) {
            problems.append("\(entry.name): returns \(prototype.result) in \(file), declared as \(swift.result)")
        }
        return problems
    }

    /// Whether a Swift type passes the same bits as the C type: the same width
    /// for scalars, a pointer for a pointer, recursively for what it points to.
    private func matches(_ c: CType, _ swift: SwiftType) -> Bool {
        if swift.name == "Optional", swift.arguments.count == 1 {
            // Only pointers may be nil.
            guard c.pointers > 0 || handleTypes.contains(c.base) else { return false }
            return matches(c, swift.arguments[0])
        }
        if c.pointers == 0 {
            if handleTypes.contains(c.base) { return swift.name == "OpaquePointer" }
            if enumTypes.contains(c.base) { return ["Int32", "UInt32"].contains(swift.name) }
            switch c.base {
            case "int", "CUdevice": return swift.name == "Int32"
            case "unsigned int", "cuuint32_t": return swift.name == "UInt32"
            case "size_t": return ["Int", "UInt"].contains(swift.name)
            case "CUdeviceptr", "unsigned long long", "cuuint64_t": return swift.name == "UInt64"
            case "unsigned char": return swift.name == "UInt8"
            case "char": return ["Int8", "CChar"].contains(swift.name)
            case "float": return swift.name == "Float"
            default: return false
            }
        }
        // A pointer: raw pointers stand for any pointer; typed ones must point
        // to the same thing.
        switch swift.name {
        case "UnsafeRawPointer", "UnsafeMutableRawPointer":
            return true
        case "UnsafePointer", "UnsafeMutablePointer":
            guard swift.arguments.count == 1 else { return false }
            var pointee = c
            pointee.pointers -= 1
            return matches(pointee, swift.arguments[0])
        default:
            return false
        }
    }
}

/// A C parameter or result type reduced to what sets its bits: the base type
/// and how many pointers lead to it (qualifiers and the parameter's name dropped).
struct CType {
    var base: String
    var pointers: Int

    init(declaration: String, named: Bool) {
        pointers = declaration.filter { $0 == "*" }.count
        let qualifiers: Set<String> = ["const", "volatile", "struct"]
        let spaced: String = declaration.replacingOccurrences(of: "*", with: " ")
        var words: [String] = spaced.split(separator: " ").map { String($0) }
        words.removeAll { qualifiers.contains($0) }
        if named, words.count > 1 { words.removeLast() }
        base = words.joined(separator: " ")
    }
}

/// `@convention(c) (A, B) -> R` as Swift prints a function type.
struct SwiftFunctionType {
    let parameters: [SwiftType]
    let result: SwiftType

    init?(_ description: String) {
        let start = description.range(of: "@convention(c) ")?.upperBound ?? description.startIndex
        guard let open = description[start...].firstIndex(of: "("), let arrow = description.range(of: ") -> ", options: .backwards)
        else { return nil }
        let list = description[description.index(after: open)..<arrow.lowerBound]
        parameters = SwiftType.splitTopLevel(Substring(list)).compactMap(SwiftType.init)
        guard let result = SwiftType(description[arrow.upperBound...]) else { return nil }
        self.result = result
    }
}

/// `Name` or `Name<Arguments>`, with any `Swift.` prefix dropped.
struct SwiftType: CustomStringConvertible {
    let name: String
    let arguments: [SwiftType]

    init?(_ text: Substring) {
        let text = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "Swift.", with: "")
        guard !text.isEmpty else { return nil }
        if let open = text.firstIndex(of: "<"), text.hasSuffix(">") {
            name = String(text[..<open])
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            arguments = Self.splitTopLevel(inner).compactMap(SwiftType.init)
        } else {
            name = text
            arguments = []
        }
    }

    static func splitTopLevel(_ text: Substring) -> [Substring] {
        var parts: [Substring] = [], depth = 0, start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "<", "(": depth += 1
            case ">", ")": depth -= 1
            case "," where depth == 0:
                parts.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        if start < text.endIndex { parts.append(text[start...]) }
        return parts
    }

    var description: String { arguments.isEmpty ? name : "\(name)<\(arguments.map(\.description).joined(separator: ", "))>" }
}
