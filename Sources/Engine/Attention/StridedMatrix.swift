// Row-major blocks inside a larger buffer (BLAS.gemm multiplies them).
//
// One attention head reads a `sequence × headWidth` block out of the
// `(batch·sequence) × width` query, key and value matrices: its rows are
// `width` floats apart, not `headWidth`. `BLAS.gemm` assumes the leading
// dimension equals the column count, so attention multiplies through these
// views instead of copying every head into scratch memory first.

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
