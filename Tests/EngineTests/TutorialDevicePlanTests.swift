// Which chapter runs go to the GPU under `tn build --backend cuda`: every run
// whose optimizer the engine defines; a run with any other optimizer stays on
// the CPU with a reason that the run prints on stderr.
import XCTest
@testable import Engine

final class TutorialDevicePlanTests: XCTestCase {
    func testEveryEngineOptimizerGetsItsDeviceOptimizer() throws {
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: SGD<Float>(learningRate: 0.1)).get(), .sgd(learningRate: 0.1))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: SGD<Float>(learningRate: 0.01, momentum: 0.9, nesterov: true)).get(),
                       .sgd(learningRate: 0.01, momentum: 0.9, nesterov: true))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: Adam<Float>(learningRate: 1e-3, amsgrad: true)).get(),
                       .adam(learningRate: 1e-3, amsgrad: true))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: AdamW<Float>(learningRate: 1e-3, weightDecay: 0.05)).get(),
                       .adam(learningRate: 1e-3, weightDecay: 0.05, decoupled: true))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: RMSprop<Float>(learningRate: 1e-3, momentum: 0.9, centered: true)).get(),
                       .rmsprop(learningRate: 1e-3, momentum: 0.9, centered: true))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: Adagrad<Float>(learningRateDecay: 0.1, initialAccumulatorValue: 0.5)).get(),
                       .adagrad(learningRateDecay: 0.1, initialAccumulatorValue: 0.5))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: Adadelta<Float>(rho: 0.5)).get(), .adadelta(rho: 0.5))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: Adamax<Float>(beta2: 0.99)).get(), .adamax(beta2: 0.99))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: NAdam<Float>(momentumDecay: 0.01)).get(), .nadam(momentumDecay: 0.01))
        XCTAssertEqual(try Tutorial.devicePlan(optimizer: RAdam<Float>(beta1: 0.5)).get(), .radam(beta1: 0.5))
    }

    /// Each device optimizer maps back to an engine optimizer with the same
    /// settings (the self-test compares the two), and round-trips.
    func testDeviceOptimizersRoundTripThroughTheEngine() throws {
        for optimizer in BackendSelfTest.optimizers {
            XCTAssertEqual(try DeviceOptimizer.matching(optimizer.engineOptimizer()), optimizer, optimizer.description)
        }
    }

    func testDescriptionsReadLikeTorchOptim() {
        XCTAssertEqual(DeviceOptimizer.adam(learningRate: 1e-3, weightDecay: 0.01, decoupled: true, amsgrad: true).description,
                       "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=True)")
        XCTAssertEqual(DeviceOptimizer.sgd(learningRate: 0.1, momentum: 0.9, nesterov: true).description,
                       "SGD(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)")
    }

    func testAnotherOptimizerSaysWhyItStaysOnTheCPU() {
        struct Halving: Optimizer {
            var learningRate = 0.1
            var name: String { "halving" }
            mutating func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>) {
                for i in parameters.indices { parameters[i] *= 0.5 }
            }
            mutating func reset() {}
        }
        guard case .failure(let reason) = Tutorial.devicePlan(optimizer: Halving()) else {
            return XCTFail("an optimizer with no kernel was sent to the GPU")
        }
        XCTAssertTrue(reason.description.contains("'halving'"), reason.description)
        XCTAssertTrue(reason.description.contains("Halving"), reason.description)
    }
}
