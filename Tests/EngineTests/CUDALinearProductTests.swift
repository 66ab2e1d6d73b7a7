// The cuBLAS calls of a Linear layer, run through a column-major reference
// product with cuBLAS's exact argument semantics, against the CPU Linear
// layer: a transposition or leading-dimension mistake fails here, not only
// on a GPU.
import XCTest
@testable import Engine

final class CUDALinearProductTests: XCTestCase {
    /// cublasSgemm's definition: column-major C[m, n] = op(A)·op(B) + beta·C.
    func referenceSgemm(_ call: GemmCall, a: [Float], b: [Float], c: inout [Float], beta: Float) {
        for j in 0..<call.n {
            for i in 0..<call.m {
                var sum: Float = 0
                for l in 0..<call.k {
                    let left = call.transposeA == .none ? a[i + l * call.lda] : a[l + i * call.lda]
                    let right = call.transposeB == .none ? b[l + j * call.ldb] : b[j + l * call.ldb]
                    sum += left * right
                }
                c[i + j * call.ldc] = sum + beta * c[i + j * call.ldc]
            }
        }
    }

    func testCUBLASCallsReproduceTheLinearLayer() {
        for (rows, inputs, outputs) in [(1, 5, 3), (7, 4, 9), (16, 33, 10)] {
            var generator = RandomGenerator(seed: UInt64(rows * 100 + inputs))
            let layer = Linear(inputs, outputs)
            let parameterCount = layer.parameterCount
            let parameters = UnsafeMutablePointer<Float>.allocate(capacity: parameterCount)
            let gradients = UnsafeMutablePointer<Float>.allocate(capacity: parameterCount)
            defer { parameters.deallocate(); gradients.deallocate() }
            layer.bind(parameters: parameters, gradients: gradients)
            layer.initializeParameters(using: &generator)
            layer.reserve(batchCapacity: rows)
            let x = Tensor(shape: [rows, inputs]), dy = Tensor(shape: [rows, outputs])
            for i in 0..<x.count { x[i] = generator.uniform(-1, 1) }
            for i in 0..<dy.count { dy[i] = generator.uniform(-1, 1) }
            let y = layer.forward(x.matrix(), mode: .training).array
            let dx = layer.backward(dy.matrix(), needsInputGradient: true)!.array
            let weight = Array(UnsafeBufferPointer(start: parameters, count: outputs * inputs))
            let bias = Array(UnsafeBufferPointer(start: parameters + outputs * inputs, count: outputs))
            let weightGradient = Array(UnsafeBufferPointer(start: gradients, count: outputs * inputs))

            // Forward: Y filled with the bias, then the product with beta = 1.
            var gpuY = [Float](repeating: 0, count: rows * outputs)
            KernelTwins.fillRowsWithBias(&gpuY, bias: bias, rows: rows, columns: outputs)
            referenceSgemm(LinearProducts.forward(rows: rows, inputs: inputs, outputs: outputs), a: weight, b: x.array, c: &gpuY, beta: 1)
            var gpuDW = [Float](repeating: 0, count: outputs * inputs)
            referenceSgemm(LinearProducts.weightGradient(rows: rows, inputs: inputs, outputs: outputs), a: x.array, b: dy.array, c: &gpuDW, beta: 0)
            var gpuDX = [Float](repeating: 0, count: rows * inputs)
            referenceSgemm(LinearProducts.inputGradient(rows: rows, inputs: inputs, outputs: outputs), a: weight, b: dy.array, c: &gpuDX, beta: 0)

            XCTAssertLessThan(BackendSelfTest.relativeError(gpuY, y), 1e-6, "forward \(rows)×\(inputs)→\(outputs)")
            XCTAssertLessThan(BackendSelfTest.relativeError(gpuDW, weightGradient), 1e-6, "weight gradient \(rows)×\(inputs)→\(outputs)")
            XCTAssertLessThan(BackendSelfTest.relativeError(gpuDX, dx), 1e-6, "input gradient \(rows)×\(inputs)→\(outputs)")
            withExtendedLifetime(x) {}
            withExtendedLifetime(dy) {}
        }
    }
}
