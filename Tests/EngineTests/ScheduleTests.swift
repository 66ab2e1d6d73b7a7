// Learning-rate schedules and their command-line syntax.
import XCTest
@testable import Engine

final class ScheduleTests: XCTestCase {
    func rates(_ schedule: any LearningRateSchedule, _ steps: [Int], base: Double = 1) -> [Double] {
        steps.map { schedule.learningRate(atStep: $0, baseRate: base) }
    }

    func assertRates(_ actual: [Double], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, e, accuracy: 1e-12, "got \(actual), expected \(expected)", file: file, line: line)
        }
    }

    func testEachScheduleByHand() {
        // Step decay: γ^⌊t/2⌋ with γ = 0.5.
        XCTAssertEqual(rates(StepDecay(stepSize: 2, gamma: 0.5), [0, 1, 2, 3, 4]), [1, 1, 0.5, 0.5, 0.25])
        // Exponential: 0.9^t.
        assertRates(rates(ExponentialDecay(gamma: 0.9), [0, 1, 2]), [1, 0.9, 0.81])
        // Cosine over 4 steps from 1 to 0.2: (1 + cos(πt/4))/2 scaled, then held.
        let cosine = rates(CosineAnnealing(length: 4, minimumRate: 0.2), [0, 2, 4, 9])
        assertRates(cosine, [1, 0.6, 0.2, 0.2])
        // 1/t: 1/(1 + 0.5t).
        assertRates(rates(InverseTimeDecay(decay: 0.5), [0, 2, 6]), [1, 0.5, 0.25])
        // Warm-up over 4 steps: (t+1)/4, then the inner schedule from its own step 0.
        let warm = rates(LinearWarmup(steps: 4, then: StepDecay(stepSize: 1, gamma: 0.5)), [0, 1, 3, 4, 5, 6])
        assertRates(warm, [0.25, 0.5, 1, 1, 0.5, 0.25])
        XCTAssertEqual(rates(ConstantSchedule(), [0, 100], base: 0.3), [0.3, 0.3])
    }

    func testTheSyntaxBuildsTheSameSchedulesAndConvertsEpochs() throws {
        let steps = [0, 1, 5, 10, 20, 40]
        XCTAssertEqual(rates(try parseLearningRateSchedule("step:5:0.1"), steps),
                       rates(StepDecay(stepSize: 5, gamma: 0.1), steps))
        // With 10 steps per epoch, "2e" means 20 steps.
        XCTAssertEqual(rates(try parseLearningRateSchedule("cosine:2e", stepsPerEpoch: 10), steps),
                       rates(CosineAnnealing(length: 20), steps))
        XCTAssertEqual(rates(try parseLearningRateSchedule("warmup:5+exponential:0.5"), steps),
                       rates(LinearWarmup(steps: 5, then: ExponentialDecay(gamma: 0.5)), steps))
    }

    func testBadSchedulesAreErrorsThatSayWhatIsAccepted() {
        for text in ["", "sideways:3", "step:0:0.5", "cosine:abc", "cosine:3e"] {
            XCTAssertThrowsError(try parseLearningRateSchedule(text), "'\(text)' should not parse") { error in
                XCTAssertTrue(error is ScheduleSyntaxError, "\(error)")
                XCTAssertFalse(String(describing: error).isEmpty)
            }
        }
    }
}
