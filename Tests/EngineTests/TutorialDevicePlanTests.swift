// Which chapter runs go to the GPU under `tn build --backend cuda`: the ones
// the CUDA trainer supports; the rest stay on the CPU with a reason that the
// run prints on stderr.
import XCTest
@testable import Engine

final class TutorialDevicePlanTests: XCTestCase {
    private func plan(_ optimizer: any Optimizer<Float>, schedule: (any LearningRateSchedule)? = nil,
                      clipNorm: Double? = nil, divergenceLoss: Double? = nil, snapshots: Bool = false)
        -> Result<DeviceOptimizer, Tutorial.CPUOnlyReason> {
        Tutorial.devicePlan(optimizer: optimizer, schedule: schedule, clipNorm: clipNorm,
                            divergenceLoss: divergenceLoss, snapshots: snapshots)
    }

    private func reason(_ result: Result<DeviceOptimizer, Tutorial.CPUOnlyReason>) -> String? {
        if case .failure(let reason) = result { return reason.description }
        return nil
    }

    func testSupportedRunsGetTheirDeviceOptimizer() {
        XCTAssertEqual(try plan(SGD<Float>(learningRate: 0.1)).get(), .sgd(learningRate: 0.1))
        XCTAssertEqual(try plan(SGD<Float>(learningRate: 0.01, momentum: 0.9, nesterov: true)).get(),
                       .sgd(learningRate: 0.01, momentum: 0.9, nesterov: true))
        XCTAssertEqual(try plan(Adam<Float>(learningRate: 1e-3)).get(),
                       .adam(learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false))
        XCTAssertEqual(try plan(AdamW<Float>(learningRate: 1e-3, weightDecay: 0.05)).get(),
                       .adam(learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05, decoupled: true))
    }

    func testEverythingElseSaysWhyItStaysOnTheCPU() {
        XCTAssertEqual(reason(plan(RMSprop<Float>())), "rmsprop is not supported on the CUDA backend yet")
        XCTAssertEqual(reason(plan(Adam<Float>(amsgrad: true))), "adam is not supported on the CUDA backend yet")
        XCTAssertEqual(reason(plan(SGD<Float>(learningRate: 0.1), schedule: ConstantSchedule())),
                       "learning-rate schedules are not supported on the CUDA backend yet")
        XCTAssertEqual(reason(plan(SGD<Float>(learningRate: 0.1), clipNorm: 1)),
                       "gradient clipping is not supported on the CUDA backend yet")
        XCTAssertEqual(reason(plan(SGD<Float>(learningRate: 0.1), divergenceLoss: 100)),
                       "a divergence limit is not supported on the CUDA backend yet")
        XCTAssertEqual(reason(plan(SGD<Float>(learningRate: 0.1), snapshots: true)),
                       "parameter snapshots are not supported on the CUDA backend yet")
    }
}
