// Matrix products through OpenBLAS's CBLAS interface, for row-major views.
import CBLAS

/// Thin, shape-checked wrappers over cblas_sgemm / cblas_sgemv.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, all row-major and contiguous.
    @inline(__always)
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        into c: Matrix, alpha: Float = 1, beta: Float = 0
    ) {
        gemm(StridedMatrix(a), transposeA: transposeA, StridedMatrix(b), transposeB: transposeB,
             into: StridedMatrix(c), alpha: alpha, beta: beta)
    }

    /// The same over row-major blocks whose rows are `stride` floats apart
    /// (one attention head's columns inside a wider matrix); shapes are
    /// checked before the call.
    @inline(__always)
    static func gemm(
        _ a: StridedMatrix, transposeA: Bool = false,
        _ b: StridedMatrix, transposeB: Bool = false,
        into c: StridedMatrix, alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kB && c.rows == m && c.columns == n,
                     "gemm: cannot multiply \(describeShape([a.rows, a.columns]))\(transposeA ? "ᵀ" : "") by \(describeShape([b.rows, b.columns]))\(transposeB ? "ᵀ" : "") into \(describeShape([c.rows, c.columns]))")
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k),
                    alpha, a.data, Int32(a.stride), b.data, Int32(b.stride),
                    beta, c.data, Int32(c.stride))
    }

    /// y = alpha · op(A) · x + beta · y, with x and y contiguous vectors.
    @inline(__always)
    public static func gemv(
        _ a: Matrix, transpose: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                    Int32(a.rows), Int32(a.columns), alpha, a.data, Int32(a.columns),
                    x, 1, beta, y, 1)
    }

    /// The same over a row-major block whose rows are `stride` floats apart.
    @inline(__always)
    static func gemv(
        _ a: StridedMatrix, transpose: Bool = false,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                    Int32(a.rows), Int32(a.columns), alpha, a.data, Int32(a.stride),
                    x, 1, beta, y, 1)
    }

    /// The kernel family OpenBLAS runs on this CPU ("Haswell", "SkylakeX",
    /// "Cooperlake", ...): its own detection, or the OPENBLAS_CORETYPE
    /// environment variable where that is set. Benchmarks report it, since
    /// the same machine can differ by 1.5× between kernel families.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses for large products.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
