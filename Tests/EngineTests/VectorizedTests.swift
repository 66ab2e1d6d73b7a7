// The 8-wide elementwise kernels against plain loops, at every length around
// the vector width (the whole vectors, then the tail), 0 included: each
// element's arithmetic is the same, so the results are equal, and the sums
// are those of the vector lanes then the tail, in that order.
import XCTest
@testable import Engine

final class VectorizedTests: XCTestCase {
    func testEveryKernelMatchesAPlainLoopAtEveryLengthAroundTheWidth() {
        var generator = RandomGenerator(seed: 3)
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 31, 33] {
            let x = (0..<count).map { _ in generator.uniform(-2, 2) }
            let y = (0..<count).map { _ in generator.uniform(-2, 2) }
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    let xp = xs.baseAddress ?? UnsafePointer(bitPattern: 8)!, yp = ys.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    // Sums: the lanes' partial sums, then the tail, as the kernel adds them.
                    var lanes = [Float](repeating: 0, count: 8)
                    let whole = count - count % 8
                    for i in 0..<whole { lanes[i % 8] += x[i] }
                    var expected = lanes.reduce(0, +)
                    for i in whole..<count { expected += x[i] }
                    XCTAssertEqual(Vectorized.sum(xp, count), expected, "sum, \(count)")
                    XCTAssertEqual(Vectorized.sum(xp, count), x.reduce(0, +), accuracy: 1e-4, "sum, \(count)")
                    let squares = Vectorized.sumOfSquaredDeviations(xp, count, from: 0.5)
                    XCTAssertEqual(squares, x.reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) }, accuracy: 1e-4, "squares, \(count)")

                    var out = [Float](repeating: .nan, count: count)
                    out.withUnsafeMutableBufferPointer { Vectorized.relu(xp, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count) }
                    XCTAssertEqual(out, x.map { max($0, 0) }, "relu, \(count)")
                    out.withUnsafeMutableBufferPointer {
                        Vectorized.reluBackward(output: xp, gradient: yp, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count)
                    }
                    XCTAssertEqual(out, zip(x, y).map { $0 > 0 ? $1 : 0 }, "relu backward, \(count)")
                    out.withUnsafeMutableBufferPointer {
                        Vectorized.multiply(xp, yp, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count)
                    }
                    XCTAssertEqual(out, zip(x, y).map { $0 * $1 }, "multiply, \(count)")
                    out = y
                    out.withUnsafeMutableBufferPointer { Vectorized.add(xp, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count) }
                    XCTAssertEqual(out, zip(x, y).map { $1 + $0 }, "add, \(count)")
                    out = y
                    out.withUnsafeMutableBufferPointer {
                        Vectorized.addScaled(xp, by: -0.3, into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count)
                    }
                    XCTAssertEqual(out, zip(x, y).map { $1 + -0.3 * $0 }, "add scaled, \(count)")
                }
            }
        }
    }
}
