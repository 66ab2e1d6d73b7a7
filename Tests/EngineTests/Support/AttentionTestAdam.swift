// A minimal Adam for the attention learning tests only: the engine's own Adam
// arrives with the optimizer issue, and these tests should not wait for it.
// It goes through the same `Optimizer<Float>` protocol as every optimizer.
@testable import Engine

struct AttentionTestAdam: Optimizer {
    var learningRate: Double
    var name: String { "adam (test)" }
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    private var firstMoment: [Float] = []
    private var secondMoment: [Float] = []
    private var stepCount = 0

    init(learningRate: Double) { self.learningRate = learningRate }

    mutating func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>) {
        if firstMoment.count != parameters.count {
            firstMoment = [Float](repeating: 0, count: parameters.count)
            secondMoment = firstMoment
        }
        stepCount += 1
        // Bias correction folded into the step size, as in the Adam paper's §2.
        let correction1 = 1 - Float(Double(beta1).power(stepCount))
        let correction2 = 1 - Float(Double(beta2).power(stepCount))
        let rate = Float(learningRate) * correction2.squareRoot() / correction1
        for i in 0..<parameters.count {
            let g = gradients[i]
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            parameters[i] -= rate * firstMoment[i] / (secondMoment[i].squareRoot() + epsilon)
        }
    }

    mutating func reset() {
        firstMoment = []
        secondMoment = []
        stepCount = 0
    }
}

private extension Double {
    func power(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= self }
        return result
    }
}
