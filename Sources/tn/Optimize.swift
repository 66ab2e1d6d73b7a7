// `tn optimize`: runs one optimizer on one 2-D test function and prints the
// path, as a short table or as JSON for the charts and the reference checks.
import ArgumentParser
import Engine

struct Optimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an optimizer on a 2-D test function and print its trajectory.",
        discussion: """
            With --json, prints {"function", "optimizer", "dtype", "params", "trajectory": [[x, y, f], ...], \
            "diverged_at_step"}: row 0 is the start and row k the point after k steps. A run whose \
            coordinates or value become inf or NaN stops there and reports the step (inf and NaN print as null).
            """)

    @Option(help: ArgumentHelp(
        "The test function: \(TestFunction.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "name"))
    var function: String

    @OptionGroup var optimizerOptions: OptimizerOptions

    // Unconditional, so that a negative start such as -1.5,2 is not read as a flag.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "The start point X,Y (default: the function's suggested start).", valueName: "x,y"))
    var start: String?

    @Option(help: "Number of optimizer steps.")
    var steps: Int = 100

    @Option(help: "Precision of the run: float or double.")
    var dtype: String = "double"

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard TestFunction(rawValue: function) != nil else {
            throw OptionError("--function: unknown function '\(function)'; accepted: \(TestFunction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let start { _ = try parseStart(start) }
        if steps < 0 { throw OptionError("--steps must be a whole number >= 0, got \(steps)") }
        if dtype != "float" && dtype != "double" {
            throw OptionError("--dtype: unknown precision '\(dtype)'; accepted: float, double")
        }
    }

    func run() throws {
        let testFunction = TestFunction(rawValue: function)!
        let origin = try start.map(parseStart) ?? testFunction.suggestedStart
        let schedule = try optimizerOptions.makeSchedule(stepsPerEpoch: nil)
        let isConstant = schedule is ConstantSchedule
        let trajectory: Trajectory
        if dtype == "float" {
            let optimizer: any Optimizer<Float> = try optimizerOptions.makeOptimizer()
            trajectory = testFunction.trajectory(
                optimizer: optimizer, start: origin, steps: steps,
                schedule: isConstant ? nil : schedule, clipNorm: optimizerOptions.clipNorm)
        } else {
            let optimizer: any Optimizer<Double> = try optimizerOptions.makeOptimizer()
            trajectory = testFunction.trajectory(
                optimizer: optimizer, start: origin, steps: steps,
                schedule: isConstant ? nil : schedule, clipNorm: optimizerOptions.clipNorm)
        }
        if json {
            print(jsonReport(trajectory))
        } else {
            printTable(trajectory)
        }
    }

    private func parseStart(_ text: String) throws -> Point2D {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 2,
              let x = Double(fields[0].trimmingCharacters(in: " ")), x.isFinite,
              let y = Double(fields[1].trimmingCharacters(in: " ")), y.isFinite
        else {
            throw OptionError("--start expects two finite numbers X,Y (e.g. --start -1.5,2), got '\(text)'")
        }
        return Point2D(x, y)
    }

    private func jsonReport(_ trajectory: Trajectory) -> String {
        var params = optimizerOptions.resolvedParameters.map { "\"\($0.name)\":\(jsonNumber($0.value))" }
        params += optimizerOptions.resolvedFlags.map { "\"\($0.name)\":\($0.value)" }
        params.append("\"schedule\":\"\(optimizerOptions.schedule)\"")
        if let clip = optimizerOptions.clipNorm { params.append("\"clip_norm\":\(jsonNumber(clip))") }
        let rows = trajectory.rows.map { "[" + $0.map(jsonNumber).joined(separator: ",") + "]" }
        let diverged = trajectory.divergedAtStep.map(String.init) ?? "null"
        return "{\"function\":\"\(function)\",\"optimizer\":\"\(optimizerOptions.optimizer)\","
            + "\"dtype\":\"\(dtype)\",\"params\":{\(params.joined(separator: ","))},"
            + "\"diverged_at_step\":\(diverged),\"trajectory\":[\(rows.joined(separator: ","))]}"
    }

    private func printTable(_ trajectory: Trajectory) {
        let parameters = optimizerOptions.resolvedParameters.map { "\($0.name)=\($0.value)" }
            + optimizerOptions.resolvedFlags.filter(\.value).map(\.name)
        print("\(optimizerOptions.optimizer) (\(parameters.joined(separator: ", "))) on \(function), \(dtype)")
        print(pad("step", 6) + pad("x", 24) + pad("y", 24) + "f")
        let last = trajectory.points.count - 1
        // The first few steps, about ten in between, and the last.
        let stride = max(1, last / 10)
        for (step, point) in trajectory.points.enumerated()
        where step < 3 || step % stride == 0 || step == last {
            print(pad("\(step)", 6) + pad("\(point.x)", 24) + pad("\(point.y)", 24) + "\(point.value)")
        }
        if let step = trajectory.divergedAtStep {
            print("diverged at step \(step): the point or the value became inf or NaN")
        } else {
            let end = trajectory.final
            print("final point after \(steps) steps: (\(end.x), \(end.y)), f = \(end.value)")
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

/// A Double as JSON: the shortest text that reads back exactly; null for inf and NaN.
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
