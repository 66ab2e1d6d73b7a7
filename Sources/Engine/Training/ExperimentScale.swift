// Full or quick scale. Quick builds cut epochs and steps inside the engine, so
// the code a chapter shows stays the real code while a whole-tutorial build
// fits in CI.
import Foundation

public enum ExperimentScale: String, Sendable {
    case full
    case quick

    /// From `TN_SCALE` (`quick` or `full`); full when unset.
    public static var current: ExperimentScale {
        ExperimentScale(rawValue: ProcessInfo.processInfo.environment["TN_SCALE"]?.lowercased() ?? "") ?? .full
    }

    public var isQuick: Bool { self == .quick }

    /// Epochs actually run for `requested` epochs.
    public func epochs(_ requested: Int) -> Int {
        isQuick ? min(requested, 5) : requested
    }

    /// The most optimizer steps per epoch (nil: every batch of the epoch).
    public var maxStepsPerEpoch: Int? { isQuick ? 50 : nil }
}
