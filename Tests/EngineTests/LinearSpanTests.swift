// Linear skips the input columns that are zero in every row of a batch (the
// blank border of MNIST digits). These tests check that the shortcut is exact:
// forward, backward and the fused descent step agree with products written
// out here in Double over all columns, for one example and for a batch, and
// for inputs whose zero columns lie at the left, the right, both, or all.
import XCTest
@testable import Engine

final class LinearSpanTests: XCTestCase {
    let inputs = 9, outputs = 4

    /// A batch whose columns outside `live` are zero (and one all-zero row).
    func input(rows: Int, live: Range<Int>, seed: UInt64) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        var values = [Float](repeating: 0, count: rows * inputs)
        for r in 0..<rows where r != 1 {
            for j in live { values[r * inputs + j] = generator.uniform(-2, 2) }
        }
        return values
    }

    func testTheSpanIsTheNarrowestRangeHoldingEveryNonzero() throws {
        func span(_ values: [Float], rows: Int) throws -> Range<Int> {
            let tensor = try Tensor(shape: [rows, inputs], values: values)
            return Linear.nonzeroColumnSpan(tensor.matrix())
        }
        XCTAssertEqual(try span(input(rows: 3, live: 2..<6, seed: 1), rows: 3), 2..<6)
        XCTAssertEqual(try span(input(rows: 3, live: 0..<9, seed: 1), rows: 3), 0..<9)
        XCTAssertEqual(try span([Float](repeating: 0, count: 18), rows: 2), 0..<0)
        // Different rows reach out to different sides.
        var values = [Float](repeating: 0, count: 18)
        values[3] = 1           // row 0, column 3
        values[9 + 7] = -1      // row 1, column 7
        XCTAssertEqual(try span(values, rows: 2), 3..<8)
        // A NaN is not zero: it stays inside the span and propagates.
        values[9 + 8] = .nan
        XCTAssertEqual(try span(values, rows: 2), 3..<9)
    }

    /// Forward, backward (dW, db, dX) and the fused step against Double sums over every column.
    func check(rows: Int, live: Range<Int>, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = Sequential([Linear(inputs, outputs)], seed: 5)
        model.reserve(batchCapacity: rows)
        let linear = try XCTUnwrap(model.layers[0] as? Linear)
        let x = input(rows: rows, live: live, seed: 9)
        let w = Array(model.parameters.array[0..<(inputs * outputs)])
        let b = Array(model.parameters.array[(inputs * outputs)...])
        var generator = RandomGenerator(seed: 11)
        let dy = (0..<(rows * outputs)).map { _ in generator.uniform(-1, 1) }
        // Stale gradients from an earlier step, which backward must overwrite everywhere.
        for i in 0..<model.gradients.count { model.gradients.data[i] = 7 }

        let xTensor = try Tensor(shape: [rows, inputs], values: x)
        let y = linear.forward(xTensor.matrix(), mode: .training).array
        let dyTensor = try Tensor(shape: [rows, outputs], values: dy)
        let dx = try XCTUnwrap(linear.backward(dyTensor.matrix(), needsInputGradient: true)).array
        let gradients = model.gradients.array

        for r in 0..<rows {
            for i in 0..<outputs {
                var sum = Double(b[i])
                for j in 0..<inputs { sum += Double(x[r * inputs + j]) * Double(w[i * inputs + j]) }
                XCTAssertEqual(Double(y[r * outputs + i]), sum, accuracy: 1e-5, "y[\(r), \(i)]", file: file, line: line)
            }
            for j in 0..<inputs {
                var sum = 0.0
                for i in 0..<outputs { sum += Double(dy[r * outputs + i]) * Double(w[i * inputs + j]) }
                XCTAssertEqual(Double(dx[r * inputs + j]), sum, accuracy: 1e-5, "dx[\(r), \(j)]", file: file, line: line)
            }
        }
        var dW = [Double](repeating: 0, count: inputs * outputs)
        for i in 0..<outputs {
            for j in 0..<inputs {
                var sum = 0.0
                for r in 0..<rows { sum += Double(dy[r * outputs + i]) * Double(x[r * inputs + j]) }
                dW[i * inputs + j] = sum
                XCTAssertEqual(Double(gradients[i * inputs + j]), sum, accuracy: 1e-5, "dW[\(i), \(j)]", file: file, line: line)
            }
            let db = (0..<rows).reduce(0.0) { $0 + Double(dy[$1 * outputs + i]) }
            XCTAssertEqual(Double(gradients[inputs * outputs + i]), db, accuracy: 1e-5, "db[\(i)]", file: file, line: line)
        }

        // The fused step from the same start: θ − η·∇ everywhere, including
        // the weights of zero columns, which must not move.
        let eta: Float = 0.25
        _ = linear.forward(xTensor.matrix(), mode: .training)
        _ = linear.backwardDescending(dyTensor.matrix(), needsInputGradient: false, learningRate: eta)
        let after = model.parameters.array
        for k in 0..<(inputs * outputs) {
            XCTAssertEqual(Double(after[k]), Double(w[k]) - Double(eta) * dW[k], accuracy: 1e-5, "W[\(k)] after the step",
                           file: file, line: line)
            if !live.contains(k % inputs) { XCTAssertEqual(after[k], w[k], "a zero column's weight moved", file: file, line: line) }
        }
    }

    func testOneExample() throws {
        for live in [2..<6, 0..<5, 4..<9, 0..<9, 3..<3] { try check(rows: 1, live: live) }
    }

    func testABatch() throws {
        for live in [2..<6, 0..<5, 4..<9, 0..<9, 3..<3] { try check(rows: 5, live: live) }
    }
}
