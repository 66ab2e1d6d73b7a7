// Runs a DeviceOptimizer's update twin over a few steps, the way the kernel
// is run on the device; shared by the twin and kernel-emulator tests.
@testable import Engine

/// Runs the update twin as the kernel runs: state buffers one after another,
/// the step scalars (learning rates per step when `rates` is given) and the
/// counters, step k being step k of the epoch.
func twinSteps(_ optimizer: DeviceOptimizer, parameters: [Float], gradients: [[Float]], rates: [Double]? = nil,
               divergedAt: Int? = nil) -> [Float] {
    var parameters = parameters
    var state = [Float](repeating: optimizer.initialStateValue, count: max(parameters.count * optimizer.stateBuffers, 1))
    var scalars = optimizer.initialScalars(rates: rates)
    for (step, gradient) in gradients.enumerated() {
        let diverged: UInt32 = divergedAt.map { step + 1 >= $0 ? UInt32($0) : 0 } ?? 0
        let counters: [UInt32] = [UInt32(step), UInt32(step), diverged, 0]
        optimizer.twinUpdate(parameters: &parameters, gradients: gradient, state: &state, count: parameters.count,
                             scalars: &scalars, rateCount: rates?.count ?? 1, counters: counters)
    }
    return parameters
}
