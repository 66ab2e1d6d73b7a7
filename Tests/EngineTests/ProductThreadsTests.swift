// Matrix products shared between our own threads (BLAS.productThreads) must
// agree with a product summed in Double to rounding, repeat to the bit for a
// given thread count, and survive two callers at once. Checked for both
// slicing directions, transposes, strided views, α and β.
import Foundation
import XCTest
@testable import Engine

final class ProductThreadsTests: XCTestCase {
    override func tearDown() {
        BLAS.productThreads = 1
        super.tearDown()
    }

    private func filled(_ count: Int, seed: UInt64) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        return (0..<count).map { _ in generator.uniform(-1, 1) }
    }

    /// The inputs and the expected C = α·op(A)·op(B) + β·C0, summed in Double.
    private struct Case {
        let m, n, k: Int
        let transposeA, transposeB: Bool
        let lda, ldb, ldc: Int
        let alpha, beta: Float
        let a, b, c0: [Float]

        init(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, padding: Int, alpha: Float, beta: Float,
             filled: (Int, UInt64) -> [Float]) {
            (self.m, self.n, self.k, self.transposeA, self.transposeB) = (m, n, k, transposeA, transposeB)
            (lda, ldb, ldc) = ((transposeA ? m : k) + padding, (transposeB ? k : n) + padding, n + padding)
            (self.alpha, self.beta) = (alpha, beta)
            a = filled((transposeA ? k : m) * lda, 1)
            b = filled((transposeB ? n : k) * ldb, 2)
            c0 = filled(m * ldc, 3)
        }

        func expected(_ i: Int, _ j: Int) -> Double {
            var sum = 0.0
            for p in 0..<k {
                let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(x) * Double(y)
            }
            return Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
        }

        func product(threads: Int) -> [Float] {
            BLAS.productThreads = threads
            if threads == 1 { BLAS.threadCount = 1 }
            var a = self.a, b = self.b, c = c0
            a.withUnsafeMutableBufferPointer { a in
                b.withUnsafeMutableBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        BLAS.gemm(StridedMatrix(data: a.baseAddress!, rows: transposeA ? k : m, columns: transposeA ? m : k, stride: lda),
                                  transposeA: transposeA,
                                  StridedMatrix(data: b.baseAddress!, rows: transposeB ? n : k, columns: transposeB ? k : n, stride: ldb),
                                  transposeB: transposeB,
                                  into: StridedMatrix(data: c.baseAddress!, rows: m, columns: n, stride: ldc),
                                  alpha: alpha, beta: beta)
                    }
                }
            }
            return c
        }
    }

    func testSharedProductsAreRightAndRepeatToTheBit() {
        // (m, n, k): wide C (columns sliced), tall C (rows sliced), one too
        // small to share, and sizes that are not multiples of 16.
        let shapes = [(32, 512, 784), (512, 40, 300), (8, 8, 8), (33, 129, 257), (300, 200, 70)]
        for (m, n, k) in shapes {
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                for (padding, alpha, beta) in [(0, Float(1), Float(0)), (3, Float(-0.25), Float(1))] {
                    let test = Case(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                    padding: padding, alpha: alpha, beta: beta, filled: filled)
                    let label = "\(m)×\(n)×\(k) Aᵀ \(transposeA) Bᵀ \(transposeB) padding \(padding)"
                    var expected = [Double](repeating: 0, count: m * n)
                    for i in 0..<m { for j in 0..<n { expected[i * n + j] = test.expected(i, j) } }
                    for threads in [1, 2, 3] {
                        let c = test.product(threads: threads)
                        var worst = 0.0
                        for i in 0..<m {
                            for j in 0..<n {
                                let e = expected[i * n + j]
                                worst = max(worst, abs(Double(c[i * test.ldc + j]) - e) / max(abs(e), 1))
                            }
                            // The padding between rows is never written.
                            for j in n..<test.ldc { XCTAssertEqual(c[i * test.ldc + j], test.c0[i * test.ldc + j], label) }
                        }
                        XCTAssertLessThan(worst, 1e-5 * Double(k).squareRoot(), "\(label) on \(threads) threads")
                        XCTAssertEqual(test.product(threads: threads), c, "\(label) on \(threads) threads does not repeat")
                    }
                }
            }
        }
    }

    func testTwoCallersAtOnceBothGetTheirProducts() {
        BLAS.productThreads = 2
        let m = 64, n = 256, k = 128
        let expected: [[Float]] = (0..<2).map { caller in
            let a = filled(m * k, seed: UInt64(10 + caller)), b = filled(k * n, seed: UInt64(20 + caller))
            var c = [Float](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Double = 0
                    for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                    c[i * n + j] = Float(sum)
                }
            }
            return c
        }
        let results = UnsafeMutablePointer<[Float]>.allocate(capacity: 2)
        results.initialize(repeating: [], count: 2)
        defer { results.deinitialize(count: 2); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            let a = Tensor(shape: [m, k]), b = Tensor(shape: [k, n]), c = Tensor(shape: [m, n])
            a.data.update(from: filled(m * k, seed: UInt64(10 + caller)), count: m * k)
            b.data.update(from: filled(k * n, seed: UInt64(20 + caller)), count: k * n)
            for _ in 0..<200 { BLAS.gemm(a.matrix(), b.matrix(), into: c.matrix()) }
            results[caller] = c.array
        }
        for caller in 0..<2 {
            for (ours, sum) in zip(results[caller], expected[caller]) {
                XCTAssertEqual(ours, sum, accuracy: 1e-3, "caller \(caller)")
            }
        }
    }

    func testTrainingOnTwoThreadsRepeatsAndAgreesWithOneThread() {
        var generator = RandomGenerator(seed: 4)
        let count = 256, features = 64
        let inputs = Tensor(shape: [count, features])
        for i in 0..<inputs.count { inputs.data[i] = generator.uniform(0, 1) }
        let labels = (0..<count).map { Int32($0 % 10) }
        let data = Dataset(inputs: inputs, labels: labels)
        // The settings in force during each run's steps.
        var during: [(openBLAS: Int, products: Int)] = []
        func losses(threads: Int) -> [Double] {
            let model = Sequential.perceptron(sizes: [features, 128, 96, 10], dropout: [0.2], seed: 3)
            let trainer = Trainer(model: model, optimizer: SGD<Float>(learningRate: 0.05))
            let configuration = TrainingConfiguration(batchSize: 48, epochs: 2, seed: 9, scale: .full, threads: threads)
            var seen: (openBLAS: Int, products: Int)?
            let result = trainer.fit(train: data, configuration: configuration) { _ in
                seen = seen ?? (BLAS.threadCount, BLAS.productThreads)
            }
            during.append(seen!)
            return result.trainLosses
        }
        let two = losses(threads: 2), one = losses(threads: 1)
        // Our threads share the products, OpenBLAS runs single-threaded.
        XCTAssertEqual(during[0].openBLAS, 1)
        XCTAssertEqual(during[0].products, 2)
        XCTAssertEqual(during[1].openBLAS, 1)
        XCTAssertEqual(during[1].products, 1)
        XCTAssertEqual(losses(threads: 2), two, "the same seed and thread count repeat to the bit")
        XCTAssertEqual(two.count, one.count)
        for (a, b) in zip(two, one) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
        XCTAssertEqual(BLAS.productThreads, 1, "the trainer restores the setting")
    }
}
