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
        var job = ProductJob(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                             alpha: alpha, beta: beta, a: a.data, lda: a.stride, b: b.data, ldb: b.stride,
                             c: c.data, ldc: c.stride)
        let parts = productThreads
        if parts > 1 && m * n * k >= minimumSplitWork && openblas_get_num_threads() == 1 {
            // Slice the longer side of C, if it gives every part 16 or more.
            job.splitsColumns = n >= m
            if (job.splitsColumns ? n : m) >= 16 * parts {
                job.parts = parts
                ProductThreads.shared.run(job)
                return
            }
        }
        job.run(part: 0)
    }

    /// Threads of our own that share each matrix product (ProductThreads);
    /// 1 leaves products to OpenBLAS, with its own `threadCount` threads.
    /// Setting it above 1 also makes OpenBLAS single-threaded: its threaded
    /// products are not safe to run from two threads at once.
    public static var productThreads: Int = 1 {
        didSet {
            productThreads = max(1, productThreads)
            if productThreads > 1 {
                threadCount = 1
                ProductThreads.shared.ensureHelpers(productThreads - 1)
            }
        }
    }

    /// Products below this many multiply-adds stay on the calling thread:
    /// about 5 µs of work, less than waking a helper is worth.
    static let minimumSplitWork = 32 * 128 * 128

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
