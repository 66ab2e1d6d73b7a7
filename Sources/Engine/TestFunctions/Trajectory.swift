// Running an optimizer on a test function and recording its path: the
// helper behind `tn optimize` and the tutorial's trajectory figures.
//
// The optimizer works on a two-element buffer of its own precision; the path
// is reported in Double. A non-finite coordinate or value ends the run and is
// reported as the step of divergence instead of trapping.

/// One recorded point: where the optimizer is and the function value there.
public struct TrajectoryPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var value: Double
    public var isFinite: Bool { x.isFinite && y.isFinite && value.isFinite }
}

/// The path of an optimizer on a test function.
public struct Trajectory: Sendable {
    public var function: TestFunction
    /// Point 0 is the start, point k the position after k steps. A run that
    /// diverges ends with the first non-finite point.
    public var points: [TrajectoryPoint]
    /// The step after which a coordinate or the value was first inf or NaN.
    public var divergedAtStep: Int?

    /// The points as `[x, y, f]` rows, as `tn optimize --json` prints them.
    public var rows: [[Double]] { points.map { [$0.x, $0.y, $0.value] } }
    public var final: TrajectoryPoint { points[points.count - 1] }
    public var diverged: Bool { divergedAtStep != nil }
}

extension TestFunction {
    /// Runs `optimizer` (a copy; the argument is left untouched) from `start`
    /// for `steps` steps. Each step evaluates the analytic gradient at the
    /// current point; `schedule` (if any) sets the learning rate of step k
    /// from the optimizer's initial rate, and `clipNorm` clips the gradient
    /// by its global norm first, in the order a training loop uses.
    public func trajectory<O: Optimizer>(
        optimizer: O, start: (Double, Double), steps: Int,
        schedule: (any LearningRateSchedule)? = nil, clipNorm: Double? = nil
    ) -> Trajectory {
        precondition(steps >= 0, "trajectory: steps must be >= 0, got \(steps)")
        var optimizer = optimizer
        let baseRate = optimizer.learningRate
        var position: [O.Scalar] = [O.Scalar(start.0), O.Scalar(start.1)]
        var gradientBuffer: [O.Scalar] = [0, 0]
        var points: [TrajectoryPoint] = []
        points.reserveCapacity(steps + 1)

        func record() -> TrajectoryPoint {
            let point = TrajectoryPoint(
                x: Double(position[0]), y: Double(position[1]),
                value: Double(value(x: position[0], y: position[1])))
            points.append(point)
            return point
        }

        if !record().isFinite {
            return Trajectory(function: self, points: points, divergedAtStep: 0)
        }
        for step in 0..<steps {
            let slope = gradient(x: position[0], y: position[1])
            gradientBuffer[0] = slope.x
            gradientBuffer[1] = slope.y
            if let schedule {
                optimizer.learningRate = schedule.learningRate(atStep: step, baseRate: baseRate)
            }
            if let clipNorm {
                _ = gradientBuffer.withUnsafeMutableBufferPointer { clipGlobalNorm($0, maxNorm: clipNorm) }
            }
            position.withUnsafeMutableBufferPointer { p in
                gradientBuffer.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradients: g) }
            }
            if !record().isFinite {
                return Trajectory(function: self, points: points, divergedAtStep: step + 1)
            }
        }
        return Trajectory(function: self, points: points, divergedAtStep: nil)
    }

    /// The same, with the start given as a point.
    public func trajectory<O: Optimizer>(
        optimizer: O, start: Point2D, steps: Int,
        schedule: (any LearningRateSchedule)? = nil, clipNorm: Double? = nil
    ) -> Trajectory {
        trajectory(optimizer: optimizer, start: (start.x, start.y), steps: steps,
                   schedule: schedule, clipNorm: clipNorm)
    }
}
