import XCTest
@testable import Engine

final class SGDTests: XCTestCase {
    func testPlainStepSubtractsLearningRateTimesGradient() {
        var optimizer = SGD<Double>(learningRate: 0.1)
        var parameters: [Double] = [1.0, -2.0, 0.5]
        let gradients: [Double] = [0.5, -1.0, 4.0]
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradients: g) }
        }
        // 1 - 0.1*0.5, -2 - 0.1*(-1), 0.5 - 0.1*4
        XCTAssertEqual(parameters[0], 0.95, accuracy: 1e-15)
        XCTAssertEqual(parameters[1], -1.9, accuracy: 1e-15)
        XCTAssertEqual(parameters[2], 0.1, accuracy: 1e-15)
    }
}
