// One CUDA device in use: its primary context, a stream, the cuBLAS handle on
// that stream, the compiled kernels, device memory, launches and CUDA graphs.
//
// Every call's status is checked. Kernel launches report configuration errors
// at once; faults inside a kernel surface at the next synchronisation, so with
// `synchronizeAfterLaunch` (the self-test, or TN_CUDA_SYNC=1) each launch is
// followed by a synchronisation that names the kernel that failed.
import Foundation

/// A kernel argument, passed by value as cuLaunchKernel expects.
enum KernelArgument {
    case pointer(CUdeviceptr)
    case int(Int32)
    case uint(UInt32)
    case float(Float)
    case double(Double)
}

/// An instantiated CUDA graph, replayed with one call.
final class CUDAGraph: ReplayableWork {
    private let driver: CUDADriver
    private let graph: CUhandle
    private let executable: CUhandle
    private let stream: CUhandle

    init(driver: CUDADriver, graph: CUhandle, executable: CUhandle, stream: CUhandle) {
        self.driver = driver
        self.graph = graph
        self.executable = executable
        self.stream = stream
    }

    func replay() throws {
        try driver.check(driver.graphLaunch(executable, stream), "cuGraphLaunch")
    }

    deinit {
        _ = driver.graphExecDestroy(executable)
        _ = driver.graphDestroy(graph)
    }
}

final class CUDAContext: KernelDevice {
    let driver: CUDADriver
    let device: DeviceDescription
    let blas: CUBLAS
    let tf32: Bool
    /// Whether the kernels came from the on-disk cache.
    let kernelsWereCached: Bool
    var synchronizeAfterLaunch: Bool
    private let context: CUhandle
    let stream: CUhandle
    private var functions: [String: CUhandle] = [:]
    private var capturing = false
    private let blasWorkspace: DeviceBuffer
    /// Whether a launch asked to overlap the one before it does (programmatic
    /// dependent launch): compute capability 9.0 or later, a driver with
    /// cuLaunchKernelEx, and TN_CUDA_OVERLAP not 0.
    let overlapsLaunches: Bool

    /// Opens device 0: primary context, a non-blocking stream (graphs cannot
    /// capture the legacy default stream), cuBLAS and the kernels.
    init(tf32: Bool = false, synchronizeAfterLaunch: Bool? = nil) throws {
        driver = try CUDADriver.shared()
        let (handle, description) = try Backend.describeDevice(driver: driver, ordinal: 0)
        device = description
        var context: CUhandle?
        try driver.check(driver.primaryContextRetain(&context, handle), "cuDevicePrimaryCtxRetain")
        guard let context else { throw CUDAError(call: "cuDevicePrimaryCtxRetain", code: -1, message: "no context returned") }
        self.context = context
        try driver.check(driver.contextSetCurrent(context), "cuCtxSetCurrent")
        var stream: CUhandle?
        try driver.check(driver.streamCreate(&stream, CUDAConstant.streamNonBlocking), "cuStreamCreate")
        self.stream = stream!
        self.tf32 = tf32
        self.synchronizeAfterLaunch = synchronizeAfterLaunch ?? (ProcessInfo.processInfo.environment["TN_CUDA_SYNC"] == "1")
        overlapsLaunches = try Self.overlapSetting(environment: ProcessInfo.processInfo.environment)
            && description.computeCapability.major >= 9 && driver.launchKernelEx != nil
        blas = try CUBLAS(tf32: tf32)
        try blas.setStream(self.stream)
        blasWorkspace = try Self.allocate(driver: driver, bytes: 32 << 20)
        try blas.setWorkspace(blasWorkspace.address, bytes: blasWorkspace.bytes)

        let driver = self.driver
        let source = try KernelSource.moduleSource(environment: ProcessInfo.processInfo.environment)
        var (binary, cached) = try KernelCompiler.cubin(for: description, source: source)
        var module: CUhandle?
        var status = binary.withUnsafeBytes { driver.moduleLoadData(&module, $0.baseAddress!) }
        if status != CUDAConstant.success && cached {
            // A stale or damaged cache entry: compile afresh once.
            KernelCompiler.evict(for: description, source: source)
            (binary, cached) = try KernelCompiler.cubin(for: description, source: source)
            status = binary.withUnsafeBytes { driver.moduleLoadData(&module, $0.baseAddress!) }
        }
        try driver.check(status, "cuModuleLoadData")
        kernelsWereCached = cached
        for name in KernelSource.kernelNames {
            var function: CUhandle?
            try driver.check(driver.moduleGetFunction(&function, module!, name), "cuModuleGetFunction(\(name))")
            functions[name] = function!
        }
    }

    /// The driver keeps a current context per thread; tests and Tasks may hop threads.
    func makeCurrent() throws {
        try driver.check(driver.contextSetCurrent(context), "cuCtxSetCurrent")
    }

    func allocate(bytes: Int) throws -> DeviceBuffer {
        try makeCurrent()
        return try Self.allocate(driver: driver, bytes: bytes)
    }

    private static func allocate(driver: CUDADriver, bytes: Int) throws -> DeviceBuffer {
        var address: CUdeviceptr = 0
        try driver.check(driver.memoryAllocate(&address, max(bytes, 4)), "cuMemAlloc_v2(\(bytes) bytes)")
        return DeviceBuffer(address: address, bytes: bytes) { _ = driver.memoryFree(address) }
    }

    func gemm(_ call: GemmCall, a: CUdeviceptr, b: CUdeviceptr, c: CUdeviceptr, beta: Float) throws {
        try blas.sgemm(call, a: a, b: b, c: c, beta: beta)
    }

    /// (free, total) device memory in bytes.
    func memoryInfo() throws -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0, total = 0
        try driver.check(driver.memoryGetInfo(&free, &total), "cuMemGetInfo_v2")
        return (free, total)
    }

    // MARK: Copies (ordered on the stream)

    func upload<T>(_ values: [T], to address: CUdeviceptr) throws {
        try makeCurrent()
        try values.withUnsafeBytes { bytes in
            try driver.check(driver.copyHostToDevice(address, bytes.baseAddress!, bytes.count, stream),
                             "cuMemcpyHtoDAsync_v2(\(bytes.count) bytes)")
        }
        // Pageable host memory: wait, so the caller may release or reuse `values`.
        try synchronize("cuStreamSynchronize after upload")
    }

    func download<T>(_ type: T.Type, count: Int, from address: CUdeviceptr, zero: T) throws -> [T] {
        try makeCurrent()
        var values = [T](repeating: zero, count: count)
        try values.withUnsafeMutableBytes { bytes in
            try driver.check(driver.copyDeviceToHost(bytes.baseAddress!, address, bytes.count, stream),
                             "cuMemcpyDtoHAsync_v2(\(bytes.count) bytes)")
        }
        try synchronize("cuStreamSynchronize after download")
        return values
    }

    func zero(_ address: CUdeviceptr, bytes: Int) throws {
        try driver.check(driver.memset(address, 0, bytes, stream), "cuMemsetD8Async(\(bytes) bytes)")
    }

    func synchronize(_ call: String = "cuStreamSynchronize") throws {
        try driver.check(driver.streamSynchronize(stream), call)
    }

    // MARK: Launches

    /// TN_CUDA_OVERLAP: unset or 1, launches that may overlap the kernel
    /// before them do where the GPU can; 0, none does (to time both).
    static func overlapSetting(environment: [String: String]) throws -> Bool {
        try SettingError.onOff("TN_CUDA_OVERLAP", environment: environment,
                               on: "a kernel may start while the one before it ends", off: "each waits")
    }

    /// Launches `name` on a 1-D grid, overlapping the kernel before it when
    /// asked and `overlapsLaunches`. Configuration errors throw here; with
    /// `synchronizeAfterLaunch`, faults inside the kernel do too.
    func launch(_ name: String, blocks: Int, threads: Int = KernelSource.blockSize, overlapping: Bool,
                _ arguments: [KernelArgument]) throws {
        guard let function = functions[name] else {
            throw CUDAError(call: "launch(\(name))", code: -1, message: "no such kernel in the module")
        }
        try KernelSignatures.check(name, arguments)
        guard blocks > 0 else { return }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: 8 * max(arguments.count, 1), alignment: 8)
        defer { storage.deallocate() }
        var pointers: [UnsafeMutableRawPointer?] = []
        for (index, argument) in arguments.enumerated() {
            let slot = storage + 8 * index
            switch argument {
            case .pointer(let value): slot.storeBytes(of: value, as: UInt64.self)
            case .int(let value): slot.storeBytes(of: value, as: Int32.self)
            case .uint(let value): slot.storeBytes(of: value, as: UInt32.self)
            case .float(let value): slot.storeBytes(of: value, as: Float.self)
            case .double(let value): slot.storeBytes(of: value, as: Double.self)
            }
            pointers.append(slot)
        }
        let status = pointers.withUnsafeMutableBufferPointer { buffer in
            if overlapping && overlapsLaunches, let launchKernelEx = driver.launchKernelEx {
                return Self.withOverlappingLaunchConfiguration(blocks: blocks, threads: threads, stream: stream) {
                    launchKernelEx($0, function, buffer.baseAddress, nil)
                }
            }
            return driver.launchKernel(function, UInt32(blocks), 1, 1, UInt32(threads), 1, 1, 0, stream, buffer.baseAddress, nil)
        }
        try driver.check(status, "cuLaunchKernel(\(name), \(blocks)×\(threads))")
        if synchronizeAfterLaunch && !capturing {
            try synchronize("kernel \(name) (cuStreamSynchronize)")
        }
    }

    /// A CUlaunchConfig (cuda.h) for a one-dimensional launch on `stream`
    /// with one attribute, programmatic stream serialization: the kernel may
    /// be launched as soon as every block of the kernel before it has called
    /// griddepcontrol.launch_dependents (KernelSource's
    /// let_next_kernel_start), and it waits in griddepcontrol.wait
    /// (wait_for_previous_kernel) until that kernel has finished and its
    /// writes are visible. Captured into a graph, the edge stays programmatic.
    /// Layout: CUlaunchConfig is gridDim x, y, z, blockDim x, y, z and
    /// sharedMemBytes (7 × u32), padding, hStream (8), attrs (8), numAttrs
    /// (u32), padding: 56 bytes; CUlaunchAttribute is id (u32), padding, and a
    /// 64-byte value union whose first int is the setting: 72 bytes.
    static func withOverlappingLaunchConfiguration<R>(blocks: Int, threads: Int, stream: CUhandle,
                                                      _ body: (UnsafeRawPointer) -> R) -> R {
        let attribute = UnsafeMutableRawPointer.allocate(byteCount: 72, alignment: 8)
        let configuration = UnsafeMutableRawPointer.allocate(byteCount: 56, alignment: 8)
        defer { attribute.deallocate(); configuration.deallocate() }
        attribute.initializeMemory(as: UInt8.self, repeating: 0, count: 72)
        attribute.storeBytes(of: CUDAConstant.launchAttributeProgrammaticStreamSerialization, as: UInt32.self)
        attribute.storeBytes(of: Int32(1), toByteOffset: 8, as: Int32.self)
        configuration.initializeMemory(as: UInt8.self, repeating: 0, count: 56)
        for (index, value) in [UInt32(blocks), 1, 1, UInt32(threads), 1, 1, 0].enumerated() {
            configuration.storeBytes(of: value, toByteOffset: 4 * index, as: UInt32.self)
        }
        configuration.storeBytes(of: UnsafeRawPointer(stream), toByteOffset: 32, as: UnsafeRawPointer.self)
        configuration.storeBytes(of: UnsafeRawPointer(attribute), toByteOffset: 40, as: UnsafeRawPointer.self)
        configuration.storeBytes(of: UInt32(1), toByteOffset: 48, as: UInt32.self)
        return body(UnsafeRawPointer(configuration))
    }

    // MARK: Graphs

    /// Records everything `body` enqueues on the stream into a CUDA graph
    /// without running it; replaying the graph runs it with one launch.
    func capture(_ body: () throws -> Void) throws -> ReplayableWork {
        try makeCurrent()
        try driver.check(driver.streamBeginCapture(stream, CUDAConstant.captureModeThreadLocal), "cuStreamBeginCapture_v2")
        capturing = true
        var bodyError: Error?
        do { try body() } catch { bodyError = error }
        capturing = false
        var graph: CUhandle?
        let endStatus = driver.streamEndCapture(stream, &graph)
        if let bodyError {
            if let graph { _ = driver.graphDestroy(graph) }
            throw bodyError
        }
        try driver.check(endStatus, "cuStreamEndCapture")
        guard let graph else { throw CUDAError(call: "cuStreamEndCapture", code: -1, message: "no graph captured") }
        var executable: CUhandle?
        let status = driver.graphInstantiate(&executable, graph, 0)
        if status != CUDAConstant.success { _ = driver.graphDestroy(graph) }
        try driver.check(status, "cuGraphInstantiateWithFlags")
        return CUDAGraph(driver: driver, graph: graph, executable: executable!, stream: stream)
    }
}
