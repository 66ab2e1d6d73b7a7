// Row-major blocks inside a larger buffer, and matrix products over them.
//
// One attention head reads a `sequence × headWidth` block out of the
// `(batch·sequence) × width` query, key and value matrices: its rows are
// `width` floats apart, not `headWidth`. `BLAS.gemm` assumes the leading
// dimension equals the column count, so attention multiplies through these
// views instead of copying every head into scratch memory first.
import CBLAS

/// `rows × columns` floats starting at `data`, consecutive rows `stride` floats apart.
struct StridedMatrix {
    let data: UnsafeMutablePointer<Float>
    let rows: Int
    let columns: Int
    let stride: Int

    init(data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
        precondition(stride >= columns, "StridedMatrix: stride \(stride) is shorter than a row of \(columns)")
        self.data = data
        self.rows = rows
        self.columns = columns
        self.stride = stride
    }

    /// A contiguous matrix seen as a strided one.
    init(_ matrix: Matrix) {
        self.init(data: matrix.data, rows: matrix.rows, columns: matrix.columns, stride: matrix.columns)
    }

    /// The block of `columns` columns starting at column `firstColumn`, rows
    /// `firstRow ..< firstRow + rows` of a contiguous matrix.
    init(block matrix: Matrix, firstRow: Int, rows: Int, firstColumn: Int, columns: Int) {
        precondition(firstRow + rows <= matrix.rows && firstColumn + columns <= matrix.columns,
                     "StridedMatrix: block outside \(describeShape(matrix.shape))")
        self.init(data: matrix.data + firstRow * matrix.columns + firstColumn,
                  rows: rows, columns: columns, stride: matrix.columns)
    }

    subscript(row: Int, column: Int) -> Float {
        get { data[row * stride + column] }
        nonmutating set { data[row * stride + column] = newValue }
    }
}

enum StridedBLAS {
    /// C = alpha · op(A) · op(B) + beta · C over strided row-major blocks.
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
                     "strided gemm: cannot multiply [\(a.rows), \(a.columns)]\(transposeA ? "ᵀ" : "") by [\(b.rows), \(b.columns)]\(transposeB ? "ᵀ" : "") into [\(c.rows), \(c.columns)]")
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k),
                    alpha, a.data, Int32(a.stride), b.data, Int32(b.stride),
                    beta, c.data, Int32(c.stride))
    }
}
