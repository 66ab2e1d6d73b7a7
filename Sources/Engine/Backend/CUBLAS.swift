// cuBLAS, loaded with dlopen, for the matrix products. FP32 by default;
// TF32 tensor cores only when the caller asks for them explicitly, since
// TF32 keeps 10 mantissa bits and the self-test's 1e-4 bound assumes 23.

/// cuBLAS's entry points and one handle bound to the backend's stream.
final class CUBLAS: @unchecked Sendable {
    typealias Create = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    typealias SetStream = @convention(c) (OpaquePointer, OpaquePointer?) -> Int32
    typealias SetMathMode = @convention(c) (OpaquePointer, Int32) -> Int32
    typealias SetWorkspace = @convention(c) (OpaquePointer, UnsafeMutableRawPointer?, Int) -> Int32
    typealias GetStatusString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias Sgemm = @convention(c) (
        OpaquePointer, Int32, Int32, Int32, Int32, Int32,
        UnsafePointer<Float>, UnsafeRawPointer?, Int32, UnsafeRawPointer?, Int32,
        UnsafePointer<Float>, UnsafeMutableRawPointer?, Int32
    ) -> Int32

    static let sonames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"]

    /// cublasOperation_t
    enum Operation: Int32 { case none = 0, transpose = 1 }
    /// cublasMath_t: CUBLAS_DEFAULT_MATH (pure FP32 since cuBLAS 11) and CUBLAS_TF32_TENSOR_OP_MATH.
    static let defaultMath: Int32 = 0
    static let tf32Math: Int32 = 3

    let library: DynamicLibrary
    private let functions: Functions
    let handle: OpaquePointer

    /// The entry points, looked up by their names in libcublas (the `_v2`
    /// names that cublas_v2.h maps the API's names to).
    struct Functions {
        let create: Create
        let setStream: SetStream
        let setMathMode: SetMathMode
        let setWorkspace: SetWorkspace?
        let getStatusString: GetStatusString?
        let sgemm: Sgemm

        init(library: SymbolTable) throws {
            create = try library.function("cublasCreate_v2")
            setStream = try library.function("cublasSetStream_v2")
            setMathMode = try library.function("cublasSetMathMode")
            setWorkspace = library.optionalFunction("cublasSetWorkspace_v2")
            getStatusString = library.optionalFunction("cublasGetStatusString")
            sgemm = try library.function("cublasSgemm_v2")
        }
    }

    init(tf32: Bool) throws {
        switch DynamicLibrary.open(firstOf: Self.sonames) {
        case .success(let opened): library = opened
        case .failure(let error):
            throw CUDAUnavailable.libraryMissing(library: "libcublas (CUDA's BLAS)", sonames: Self.sonames,
                                                 detail: error.reasons.first ?? error.description)
        }
        functions = try Functions(library: library)
        var created: OpaquePointer?
        let status = functions.create(&created)
        guard status == 0, let created else {
            throw CUDAError(call: "cublasCreate_v2", code: status, message: "could not create a cuBLAS handle")
        }
        handle = created
        try check(functions.setMathMode(handle, tf32 ? Self.tf32Math : Self.defaultMath), "cublasSetMathMode")
    }

    private func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
        guard status != 0 else { return }
        let message = functions.getStatusString?(status).map { String(cString: $0) } ?? "cuBLAS status \(status)"
        throw CUDAError(call: call(), code: status, message: message)
    }

    func setStream(_ stream: OpaquePointer?) throws {
        try check(functions.setStream(handle, stream), "cublasSetStream_v2")
    }

    /// A fixed workspace, so that cuBLAS allocates nothing while a CUDA graph is captured.
    func setWorkspace(_ pointer: CUdeviceptr, bytes: Int) throws {
        guard let setWorkspace = functions.setWorkspace else { return }
        try check(setWorkspace(handle, UnsafeMutableRawPointer(bitPattern: UInt(pointer)), bytes),
                  "cublasSetWorkspace_v2")
    }

    /// Column-major C[m,n] = alpha·op(A)·op(B) + beta·C, as cuBLAS defines it.
    func sgemm(_ transposeA: Operation, _ transposeB: Operation, m: Int, n: Int, k: Int,
               alpha: Float, a: CUdeviceptr, lda: Int, b: CUdeviceptr, ldb: Int,
               beta: Float, c: CUdeviceptr, ldc: Int) throws {
        var alpha = alpha, beta = beta
        let status = functions.sgemm(handle, transposeA.rawValue, transposeB.rawValue, Int32(m), Int32(n), Int32(k),
                                   &alpha, UnsafeRawPointer(bitPattern: UInt(a)), Int32(lda),
                                   UnsafeRawPointer(bitPattern: UInt(b)), Int32(ldb),
                                   &beta, UnsafeMutableRawPointer(bitPattern: UInt(c)), Int32(ldc))
        try check(status, "cublasSgemm_v2(m: \(m), n: \(n), k: \(k))")
    }
}
