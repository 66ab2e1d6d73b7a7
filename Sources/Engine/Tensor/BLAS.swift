// Matrix products through OpenBLAS's CBLAS interface, for row-major views.
import CBLAS

/// Thin, shape-checked wrappers over cblas_sgemm / cblas_sgemv.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, all row-major.
    /// `op` transposes when the flag is set; shapes are checked before the call.
    @inline(__always)
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        into c: Matrix, alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kB && c.rows == m && c.columns == n,
                     "gemm: cannot multiply \(describeShape(a.shape))\(transposeA ? "ᵀ" : "") by \(describeShape(b.shape))\(transposeB ? "ᵀ" : "") into \(describeShape(c.shape))")
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k),
                    alpha, a.data, Int32(a.columns), b.data, Int32(b.columns),
                    beta, c.data, Int32(c.columns))
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

    /// The number of threads OpenBLAS uses for large products.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
