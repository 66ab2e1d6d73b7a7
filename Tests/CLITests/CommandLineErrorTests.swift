// Runs the built `tn` executable as a user would and checks how it answers
// bad input: a non-zero exit status, and one line on standard error that names
// the flag and the values it accepts. Also checks that a diverging run is
// reported as a result, at its step, with a zero exit status.
import Foundation
import XCTest

final class CommandLineErrorTests: XCTestCase {
    private var executable: URL { BuiltExecutable.tn }

    private struct Outcome {
        var status: Int32
        var output: String
        var error: String
        var errorLines: [Substring] { error.split(separator: "\n") }
    }

    private func tn(_ arguments: [String]) throws -> Outcome {
        var environment = ProcessInfo.processInfo.environment
        environment["TN_DATA"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("tn-cli-tests-no-data-\(getpid())").path
        let result = try BuiltExecutable.run(arguments, environment: environment)
        return Outcome(status: result.status, output: result.output, error: result.error)
    }

    /// Runs `arguments`, expects failure with a single line that mentions each of `mentions`.
    private func assertRejected(_ arguments: [String], mentions: [String],
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try tn(arguments)
        let command = "tn " + arguments.joined(separator: " ")
        XCTAssertNotEqual(outcome.status, 0, "\(command) should fail", file: file, line: line)
        XCTAssertEqual(outcome.errorLines.count, 1, "\(command): expected one line, got:\n\(outcome.error)",
                       file: file, line: line)
        XCTAssertTrue(outcome.output.isEmpty, "\(command) printed a result: \(outcome.output)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(outcome.error.contains(text), "\(command): '\(text)' missing from: \(outcome.error)",
                          file: file, line: line)
        }
    }

    func testTheBinaryIsThere() {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: executable.path), "no tn at \(executable.path)")
    }

    func testNegativeLearningRate() throws {
        try assertRejected(["optimize", "--function", "rosenbrock", "--lr", "-1"],
                           mentions: ["--lr", ">= 0", "-1"])
        try assertRejected(["train", "--lr", "-0.5", "--epochs", "1"], mentions: ["--lr", ">= 0"])
    }

    func testBetasOutsideTheUnitInterval() throws {
        try assertRejected(["optimize", "--function", "beale", "--optimizer", "adam", "--beta1", "1"],
                           mentions: ["--beta1", "[0, 1)"])
        try assertRejected(["optimize", "--function", "beale", "--optimizer", "nadam", "--beta2", "-0.1"],
                           mentions: ["--beta2", "[0, 1)"])
    }

    func testNesterovNeedsMomentumAndNoDampening() throws {
        try assertRejected(["optimize", "--function", "quadratic", "--momentum", "0.9", "--dampening", "0.5", "--nesterov"],
                           mentions: ["--nesterov", "--dampening 0"])
        try assertRejected(["optimize", "--function", "quadratic", "--nesterov"],
                           mentions: ["--nesterov", "--momentum > 0"])
    }

    func testUnknownNamesListWhatIsAccepted() throws {
        try assertRejected(["optimize", "--function", "banana"],
                           mentions: ["--function", "banana", "rosenbrock", "himmelblau", "saddle"])
        try assertRejected(["optimize", "--function", "beale", "--optimizer", "lion"],
                           mentions: ["--optimizer", "lion", "sgd", "radam"])
        try assertRejected(["train", "--optimizer", "lion", "--epochs", "1"],
                           mentions: ["--optimizer", "lion", "adamw"])
        try assertRejected(["train", "--schedule", "sometimes", "--epochs", "1"],
                           mentions: ["--schedule", "sometimes", "cosine"])
    }

    func testAStartThatIsNotTwoNumbers() throws {
        for start in ["1", "a,b", "1,2,3", "1,nan"] {
            try assertRejected(["optimize", "--function", "beale", "--start", start],
                               mentions: ["--start", "X,Y", "'\(start)'"])
        }
    }

    func testAFlagGivenToAnOptimizerItDoesNotApplyTo() throws {
        try assertRejected(["optimize", "--function", "beale", "--optimizer", "adam", "--momentum", "0.9"],
                           mentions: ["--momentum", "adam", "sgd, rmsprop"])
    }

    func testOtherBadValues() throws {
        try assertRejected(["optimize", "--function", "beale", "--dtype", "half"], mentions: ["--dtype", "float, double"])
        try assertRejected(["train", "--clip-norm", "0", "--epochs", "1"], mentions: ["--clip-norm", "> 0"])
        try assertRejected(["optimize", "--function", "beale", "--optimizer", "adadelta", "--rho", "1.5"],
                           mentions: ["--rho", "[0, 1]"])
    }

    func testDivergenceIsAResultAtItsStep() throws {
        // Plain gradient descent with lr 0.01 overflows on Rosenbrock at step 7
        // (the torch reference in Tests/Reference diverges at the same step).
        let outcome = try tn(["optimize", "--function", "rosenbrock", "--lr", "0.01", "--steps", "100", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.error)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        XCTAssertEqual(object["diverged_at_step"] as? Int, 7)
        let trajectory = try XCTUnwrap(object["trajectory"] as? [Any])
        XCTAssertEqual(trajectory.count, 8, "the start and seven steps")
        let table = try tn(["optimize", "--function", "rosenbrock", "--lr", "0.01", "--steps", "100"])
        XCTAssertEqual(table.status, 0, table.error)
        XCTAssertTrue(table.output.contains("diverged at step 7"), table.output)
    }
}
