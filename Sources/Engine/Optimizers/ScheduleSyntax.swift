// The text form of learning-rate schedules used by `tn train --schedule` and
// `tn optimize --schedule`, parsed into the Engine's schedule values.
//
//     constant
//     step:SIZE:GAMMA              η·γ^⌊t/SIZE⌋
//     exponential:GAMMA[:PERIOD]   η·γ^⌊t/PERIOD⌋   (PERIOD defaults to 1)
//     cosine:LENGTH[:MIN_RATE]     cosine from η to MIN_RATE (default 0)
//     inverse-time:DECAY[:PERIOD]  η / (1 + DECAY·t/PERIOD)
//     warmup:STEPS[+SCHEDULE]      linear warm-up, then SCHEDULE (default constant)
//
// Durations (SIZE, PERIOD, LENGTH, STEPS) count optimizer steps; with an `e`
// suffix (`step:3e:0.5`) they count epochs and are multiplied by the steps
// per epoch, which the caller supplies.

/// Why a schedule's text could not be parsed; the message names the part.
public struct ScheduleSyntaxError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

/// The accepted forms, for help texts and error messages.
public let learningRateScheduleForms =
    "constant, step:SIZE:GAMMA, exponential:GAMMA[:PERIOD], cosine:LENGTH[:MIN_RATE], "
    + "inverse-time:DECAY[:PERIOD], warmup:STEPS[+SCHEDULE]; durations in steps, or epochs with an 'e' suffix"

/// Parses a schedule such as `warmup:500+cosine:10e`. `stepsPerEpoch` is
/// needed only when a duration is given in epochs.
public func parseLearningRateSchedule(
    _ text: String, stepsPerEpoch: Int? = nil
) throws -> any LearningRateSchedule {
    let parser = ScheduleParser(stepsPerEpoch: stepsPerEpoch)
    return try parser.parse(text.trimmingSpaces)
}

private struct ScheduleParser {
    let stepsPerEpoch: Int?

    func parse(_ text: String) throws -> any LearningRateSchedule {
        // Warm-up composes with whatever follows the first '+'.
        if text.hasPrefix("warmup:") {
            let body = text.dropFirst("warmup:".count)
            let pieces = body.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
            let steps = try duration(String(pieces[0]), in: text)
            let rest = pieces.count > 1 ? try parse(String(pieces[1])) : ConstantSchedule()
            if rest is LinearWarmup { throw failure("only one warmup is allowed, in '\(text)'") }
            return LinearWarmup(steps: steps, then: rest)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let arguments = Array(parts.dropFirst())
        switch parts[0] {
        case "constant":
            try expect(arguments, count: 0...0, in: text)
            return ConstantSchedule()
        case "step":
            try expect(arguments, count: 2...2, in: text)
            return StepDecay(stepSize: try duration(arguments[0], in: text),
                             gamma: try positive(arguments[1], "GAMMA", in: text))
        case "exponential":
            try expect(arguments, count: 1...2, in: text)
            return ExponentialDecay(
                gamma: try positive(arguments[0], "GAMMA", in: text),
                period: arguments.count > 1 ? try duration(arguments[1], in: text) : 1)
        case "cosine":
            try expect(arguments, count: 1...2, in: text)
            let minimum = arguments.count > 1 ? try number(arguments[1], "MIN_RATE", in: text) : 0
            if minimum < 0 { throw failure("MIN_RATE must be >= 0, got '\(arguments[1])' in '\(text)'") }
            return CosineAnnealing(length: try duration(arguments[0], in: text), minimumRate: minimum)
        case "inverse-time":
            try expect(arguments, count: 1...2, in: text)
            let decay = try number(arguments[0], "DECAY", in: text)
            if decay < 0 { throw failure("DECAY must be >= 0, got '\(arguments[0])' in '\(text)'") }
            return InverseTimeDecay(
                decay: decay, period: arguments.count > 1 ? try duration(arguments[1], in: text) : 1)
        default:
            throw failure("unknown schedule '\(parts[0])'")
        }
    }

    private func expect(_ arguments: [String], count: ClosedRange<Int>, in text: String) throws {
        if !count.contains(arguments.count) {
            throw failure("wrong number of ':' fields in '\(text)'")
        }
    }

    private func number(_ field: String, _ name: String, in text: String) throws -> Double {
        guard let value = Double(field), value.isFinite else {
            throw failure("\(name) must be a number, got '\(field)' in '\(text)'")
        }
        return value
    }

    private func positive(_ field: String, _ name: String, in text: String) throws -> Double {
        let value = try number(field, name, in: text)
        if value <= 0 { throw failure("\(name) must be > 0, got '\(field)' in '\(text)'") }
        return value
    }

    /// A positive whole number of steps, or of epochs with an `e` suffix.
    private func duration(_ field: String, in text: String) throws -> Int {
        let inEpochs = field.hasSuffix("e")
        let digits = inEpochs ? String(field.dropLast()) : field
        guard let count = Int(digits), count > 0 else {
            throw failure("durations must be positive whole numbers of steps (or epochs, '3e'), got '\(field)' in '\(text)'")
        }
        if !inEpochs { return count }
        guard let stepsPerEpoch, stepsPerEpoch > 0 else {
            throw failure("'\(field)' counts epochs, which this command does not have; give steps")
        }
        return count * stepsPerEpoch
    }

    private func failure(_ message: String) -> ScheduleSyntaxError {
        ScheduleSyntaxError(message: message)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
