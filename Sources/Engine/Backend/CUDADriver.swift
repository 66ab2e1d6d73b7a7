// The CUDA driver API, declared by hand and resolved with dlsym from
// libcuda.so.1, so that no CUDA header or library is needed to build.
//
// Only the calls the backend uses are declared. Handles (contexts, modules,
// streams, graphs) are opaque pointers; device pointers are 64-bit integers.
// Every call goes through `check`, which turns a non-zero CUresult into a
// `CUDAError` carrying the call's name and the driver's own message.
import Foundation

typealias CUresult = Int32
typealias CUdevice = Int32
typealias CUdeviceptr = UInt64
typealias CUhandle = OpaquePointer  // CUcontext, CUmodule, CUfunction, CUstream, CUgraph, CUgraphExec

/// The few driver constants the backend needs (values from cuda.h).
enum CUDAConstant {
    static let success: CUresult = 0
    static let outOfMemory: CUresult = 2
    static let noDevice: CUresult = 100
    static let attributeMultiprocessorCount: Int32 = 16
    static let attributeComputeCapabilityMajor: Int32 = 75
    static let attributeComputeCapabilityMinor: Int32 = 76
    static let streamNonBlocking: UInt32 = 1
    /// CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: other threads may keep using CUDA while we capture.
    static let captureModeThreadLocal: Int32 = 1
    /// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the launch may
    /// begin before the kernel ahead of it ends (programmatic dependent launch).
    static let launchAttributeProgrammaticStreamSerialization: UInt32 = 6
}

/// The driver's entry points, loaded once per process.
final class CUDADriver: @unchecked Sendable {
    typealias Init = @convention(c) (UInt32) -> CUresult
    typealias GetErrorString = @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult
    typealias DriverGetVersion = @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    typealias DeviceGetCount = @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    typealias DeviceGet = @convention(c) (UnsafeMutablePointer<CUdevice>, Int32) -> CUresult
    typealias DeviceGetName = @convention(c) (UnsafeMutablePointer<CChar>, Int32, CUdevice) -> CUresult
    typealias DeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>, Int32, CUdevice) -> CUresult
    typealias DeviceTotalMem = @convention(c) (UnsafeMutablePointer<Int>, CUdevice) -> CUresult
    typealias PrimaryContextRetain = @convention(c) (UnsafeMutablePointer<CUhandle?>, CUdevice) -> CUresult
    typealias ContextSetCurrent = @convention(c) (CUhandle?) -> CUresult
    typealias MemAlloc = @convention(c) (UnsafeMutablePointer<CUdeviceptr>, Int) -> CUresult
    typealias MemFree = @convention(c) (CUdeviceptr) -> CUresult
    typealias MemGetInfo = @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> CUresult
    typealias MemcpyHtoDAsync = @convention(c) (CUdeviceptr, UnsafeRawPointer, Int, CUhandle?) -> CUresult
    typealias MemcpyDtoHAsync = @convention(c) (UnsafeMutableRawPointer, CUdeviceptr, Int, CUhandle?) -> CUresult
    typealias MemsetD8Async = @convention(c) (CUdeviceptr, UInt8, Int, CUhandle?) -> CUresult
    typealias ModuleLoadData = @convention(c) (UnsafeMutablePointer<CUhandle?>, UnsafeRawPointer) -> CUresult
    typealias ModuleGetFunction = @convention(c) (UnsafeMutablePointer<CUhandle?>, CUhandle, UnsafePointer<CChar>) -> CUresult
    typealias LaunchKernel = @convention(c) (
        CUhandle, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUhandle?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> CUresult
    /// cuLaunchKernelEx(const CUlaunchConfig*, CUfunction, void** kernelParams, void** extra); the
    /// configuration is laid out by hand (CUDAContext.launchOverlapping).
    typealias LaunchKernelEx = @convention(c) (
        UnsafeRawPointer, CUhandle, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> CUresult
    typealias StreamCreate = @convention(c) (UnsafeMutablePointer<CUhandle?>, UInt32) -> CUresult
    typealias StreamSynchronize = @convention(c) (CUhandle?) -> CUresult
    typealias StreamBeginCapture = @convention(c) (CUhandle, Int32) -> CUresult
    typealias StreamEndCapture = @convention(c) (CUhandle, UnsafeMutablePointer<CUhandle?>) -> CUresult
    typealias GraphInstantiate = @convention(c) (UnsafeMutablePointer<CUhandle?>, CUhandle, UInt64) -> CUresult
    typealias GraphLaunch = @convention(c) (CUhandle, CUhandle?) -> CUresult
    typealias GraphDestroy = @convention(c) (CUhandle) -> CUresult

    /// libcuda's soname: the driver ships only the versioned name.
    static let sonames = ["libcuda.so.1", "libcuda.so"]

    let library: SymbolTable
    let initialize: Init
    let getErrorString: GetErrorString
    let driverGetVersion: DriverGetVersion
    let deviceGetCount: DeviceGetCount
    let deviceGet: DeviceGet
    let deviceGetName: DeviceGetName
    let deviceGetAttribute: DeviceGetAttribute
    let deviceTotalMemory: DeviceTotalMem
    let primaryContextRetain: PrimaryContextRetain
    let contextSetCurrent: ContextSetCurrent
    let memoryAllocate: MemAlloc
    let memoryFree: MemFree
    let memoryGetInfo: MemGetInfo
    let copyHostToDevice: MemcpyHtoDAsync
    let copyDeviceToHost: MemcpyDtoHAsync
    let memset: MemsetD8Async
    let moduleLoadData: ModuleLoadData
    let moduleGetFunction: ModuleGetFunction
    let launchKernel: LaunchKernel
    /// Absent from drivers before CUDA 11.8; then no launch overlaps the one before it.
    let launchKernelEx: LaunchKernelEx?
    let streamCreate: StreamCreate
    let streamSynchronize: StreamSynchronize
    let streamBeginCapture: StreamBeginCapture
    let streamEndCapture: StreamEndCapture
    let graphInstantiate: GraphInstantiate
    let graphLaunch: GraphLaunch
    let graphDestroy: GraphDestroy
    let graphExecDestroy: GraphDestroy

    /// Looks up every entry point by its name in libcuda: the versioned name
    /// (`_v2`) wherever cuda.h maps the API's name to one.
    init(library: SymbolTable) throws {
        self.library = library
        initialize = try library.function("cuInit")
        getErrorString = try library.function("cuGetErrorString")
        driverGetVersion = try library.function("cuDriverGetVersion")
        deviceGetCount = try library.function("cuDeviceGetCount")
        deviceGet = try library.function("cuDeviceGet")
        deviceGetName = try library.function("cuDeviceGetName")
        deviceGetAttribute = try library.function("cuDeviceGetAttribute")
        deviceTotalMemory = try library.function("cuDeviceTotalMem_v2")
        primaryContextRetain = try library.function("cuDevicePrimaryCtxRetain")
        contextSetCurrent = try library.function("cuCtxSetCurrent")
        memoryAllocate = try library.function("cuMemAlloc_v2")
        memoryFree = try library.function("cuMemFree_v2")
        memoryGetInfo = try library.function("cuMemGetInfo_v2")
        copyHostToDevice = try library.function("cuMemcpyHtoDAsync_v2")
        copyDeviceToHost = try library.function("cuMemcpyDtoHAsync_v2")
        memset = try library.function("cuMemsetD8Async")
        moduleLoadData = try library.function("cuModuleLoadData")
        moduleGetFunction = try library.function("cuModuleGetFunction")
        launchKernel = try library.function("cuLaunchKernel")
        launchKernelEx = library.optionalFunction("cuLaunchKernelEx")
        streamCreate = try library.function("cuStreamCreate")
        streamSynchronize = try library.function("cuStreamSynchronize")
        streamBeginCapture = try library.function("cuStreamBeginCapture_v2")
        streamEndCapture = try library.function("cuStreamEndCapture")
        graphInstantiate = try library.function("cuGraphInstantiateWithFlags")
        graphLaunch = try library.function("cuGraphLaunch")
        graphDestroy = try library.function("cuGraphDestroy")
        graphExecDestroy = try library.function("cuGraphExecDestroy")
    }

    /// The driver's text for a status, e.g. "out of memory".
    func message(for status: CUresult) -> String {
        var text: UnsafePointer<CChar>?
        guard getErrorString(status, &text) == CUDAConstant.success, let text else {
            return "unknown CUDA error \(status)"
        }
        return String(cString: text)
    }

    /// Throws a `CUDAError` naming `call` unless `status` is CUDA_SUCCESS.
    @inline(__always)
    func check(_ status: CUresult, _ call: @autoclosure () -> String) throws {
        if status != CUDAConstant.success {
            throw CUDAError(call: call(), code: status, message: message(for: status))
        }
    }

    // Loading happens once per process; the outcome, success or failure, is kept.
    private static let loadLock = NSLock()
    nonisolated(unsafe) private static var loaded: Result<CUDADriver, CUDAUnavailable>?

    /// The driver, loaded and initialised (cuInit), or why it cannot be.
    static func shared() throws -> CUDADriver {
        loadLock.lock(); defer { loadLock.unlock() }
        if let loaded { return try loaded.get() }
        let outcome = load()
        loaded = outcome
        return try outcome.get()
    }

    private static func load() -> Result<CUDADriver, CUDAUnavailable> {
        let library: DynamicLibrary
        switch DynamicLibrary.open(firstOf: sonames) {
        case .success(let opened): library = opened
        case .failure(let error):
            return .failure(.libraryMissing(library: "libcuda.so.1 (the NVIDIA driver)", sonames: sonames,
                                            detail: error.reasons.first ?? error.description))
        }
        let driver: CUDADriver
        do { driver = try CUDADriver(library: library) } catch {
            return .failure(.noDriver(message: "\(error)"))
        }
        let status = driver.initialize(0)
        if status == CUDAConstant.noDevice { return .failure(.noDevice) }
        if status != CUDAConstant.success { return .failure(.noDriver(message: driver.message(for: status))) }
        var count: Int32 = 0
        if driver.deviceGetCount(&count) != CUDAConstant.success || count == 0 { return .failure(.noDevice) }
        return .success(driver)
    }
}
