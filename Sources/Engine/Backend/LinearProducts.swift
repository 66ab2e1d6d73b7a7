// The three matrix products of a Linear layer as cuBLAS calls. cuBLAS is
// column-major and the engine row-major; a row-major [r, c] matrix is a
// column-major [c, r] one, so each product is computed transposed:
//
//   forward  Y = X Wᵀ   → Yᵀ  = W · Xᵀ     (W read as [in, out], transposed)
//   weights  dW = dYᵀ X → dWᵀ = Xᵀ · dY    (dY read as [out, rows], transposed)
//   input    dX = dY W  → dXᵀ = Wᵀ · dYᵀ   (no transposes)
//
// The calls are plain values so that a test can run them through a
// column-major reference product and compare with the CPU layer.

struct GemmCall: Equatable {
    var transposeA: CUBLAS.Operation
    var transposeB: CUBLAS.Operation
    var m: Int, n: Int, k: Int
    var lda: Int, ldb: Int, ldc: Int
}

enum LinearProducts {
    /// Y[rows, out] (+)= X[rows, in] · W[out, in]ᵀ, with A = W, B = X, C = Y.
    static func forward(rows: Int, inputs: Int, outputs: Int) -> GemmCall {
        GemmCall(transposeA: .transpose, transposeB: .none, m: outputs, n: rows, k: inputs,
                 lda: inputs, ldb: inputs, ldc: outputs)
    }

    /// dW[out, in] = dY[rows, out]ᵀ · X[rows, in], with A = X, B = dY, C = dW.
    static func weightGradient(rows: Int, inputs: Int, outputs: Int) -> GemmCall {
        GemmCall(transposeA: .none, transposeB: .transpose, m: inputs, n: outputs, k: rows,
                 lda: inputs, ldb: outputs, ldc: inputs)
    }

    /// dX[rows, in] = dY[rows, out] · W[out, in], with A = W, B = dY, C = dX.
    static func inputGradient(rows: Int, inputs: Int, outputs: Int) -> GemmCall {
        GemmCall(transposeA: .none, transposeB: .none, m: inputs, n: rows, k: outputs,
                 lda: inputs, ldb: outputs, ldc: inputs)
    }
}

extension CUBLAS {
    func sgemm(_ call: GemmCall, a: CUdeviceptr, b: CUdeviceptr, c: CUdeviceptr, beta: Float) throws {
        try sgemm(call.transposeA, call.transposeB, m: call.m, n: call.n, k: call.k, alpha: 1,
                  a: a, lda: call.lda, b: b, ldb: call.ldb, beta: beta, c: c, ldc: call.ldc)
    }
}
