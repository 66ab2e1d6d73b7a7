// The 2-D surfaces on which the tutorial draws optimizer paths: a value and
// an analytic gradient for each, in any floating-point precision, plus where
// the minima are and a domain that frames them for contour plots.
//
// Value and gradient are computed in the optimizer's own precision (Float or
// Double) so that a Float trajectory rounds like a float32 PyTorch run.

/// A point of the plane, in Double whatever the precision of the run.
public struct Point2D: Equatable, Sendable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    public var description: String { "(\(x), \(y))" }
}

/// A rectangle of the plane to draw contours over.
public struct PlotDomain: Equatable, Sendable {
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>) { self.x = x; self.y = y }
}

/// The five test functions of the optimizer chapter.
public enum TestFunction: String, CaseIterable, Sendable {
    /// f = ½(x² + 10y²): an elongated bowl, condition number 10.
    case quadratic
    /// f = (1 − x)² + 100(y − x²)²: a curved narrow valley.
    case rosenbrock
    /// f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²: flat
    /// plateaus and steep walls.
    case beale
    /// f = (x² + y − 11)² + (x + y² − 7)²: four minima of equal depth.
    case himmelblau
    /// f = x² − y²: a saddle at the origin, unbounded below.
    case saddle

    /// The formula, for legends and table captions.
    public var formula: String {
        switch self {
        case .quadratic: return "0.5·(x² + 10·y²)"
        case .rosenbrock: return "(1 − x)² + 100·(y − x²)²"
        case .beale: return "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"
        case .himmelblau: return "(x² + y − 11)² + (x + y² − 7)²"
        case .saddle: return "x² − y²"
        }
    }

    /// f(x, y), computed in `Scalar`, grouped as PyTorch evaluates the
    /// expression in `formula` (powers are products, y³ is (y·y)·y), so
    /// float32 values agree with torch's to the bit.
    public func value<Scalar: BinaryFloatingPoint>(x: Scalar, y: Scalar) -> Scalar {
        switch self {
        case .quadratic:
            return 0.5 * (x * x + 10 * y * y)
        case .rosenbrock:
            let a = 1 - x, b = y - x * x
            return a * a + 100 * (b * b)
        case .beale:
            let y2 = y * y, y3 = y2 * y
            let a = 1.5 - x + x * y
            let b = 2.25 - x + x * y2
            let c = 2.625 - x + x * y3
            return a * a + b * b + c * c
        case .himmelblau:
            let a = x * x + y - 11, b = x + y * y - 7
            return a * a + b * b
        case .saddle:
            return x * x - y * y
        }
    }

    /// ∇f(x, y), computed analytically in `Scalar`.
    ///
    /// Each gradient is written in the order in which PyTorch's autograd
    /// evaluates the expression in `formula` (nodes run newest first, and a
    /// variable's incoming gradients are summed in arrival order), so the
    /// float32 results are bit-identical to `torch.autograd` on the same
    /// expression. Algebraically tidier forms, such as −400·x·b for
    /// Rosenbrock, round differently in the last place, and an optimizer
    /// that oscillates near a minimum amplifies that ulp into a visibly
    /// different trajectory.
    public func gradient<Scalar: BinaryFloatingPoint>(x: Scalar, y: Scalar) -> (x: Scalar, y: Scalar) {
        switch self {
        case .quadratic:
            return (x, 10 * y)
        case .rosenbrock:
            // 100·(y − x²)² sends 100·(2b) to y, and −(100·2b)·x to x twice
            // (once per factor of x·x); (1 − x)² sends −(2a) last.
            let a = 1 - x, b = y - x * x
            let gb = 100 * (2 * b)
            let m = -gb * x
            return ((m + m) - 2 * a, gb)
        case .beale:
            // The three squares are visited last term first; within each,
            // x receives the product term's share before the −x term's.
            let y2 = y * y, y3 = y2 * y
            let ga = 2 * ((1.5 - x) + x * y)
            let gb = 2 * ((2.25 - x) + x * y2)
            let gc = 2 * ((2.625 - x) + x * y3)
            let dx = ((((gc * y3 - gc) + gb * y2) - gb) + ga * y) - ga
            let dy = ((gc * x) * (3 * y2) + (gb * x) * (2 * y)) + ga * x
            return (dx, dy)
        case .himmelblau:
            // The second square is visited first: x gets 2B, then 2A·x twice;
            // y gets 2B·y twice, then 2A.
            let gA = 2 * ((x * x + y) - 11), gB = 2 * ((x + y * y) - 7)
            let m = gA * x, n = gB * y
            return ((gB + m) + m, (n + n) + gA)
        case .saddle:
            return (2 * x, -2 * y)
        }
    }

    /// The global minima (all four for Himmelblau; none for the saddle,
    /// which is unbounded below — its stationary point is `saddlePoint`).
    public var minima: [Point2D] {
        switch self {
        case .quadratic: return [Point2D(0, 0)]
        case .rosenbrock: return [Point2D(1, 1)]
        case .beale: return [Point2D(3, 0.5)]
        case .himmelblau:
            return [Point2D(3, 2), Point2D(-2.805118, 3.131312),
                    Point2D(-3.779310, -3.283186), Point2D(3.584428, -1.848126)]
        case .saddle: return []
        }
    }

    /// The stationary point that is not a minimum, where there is one.
    public var saddlePoint: Point2D? { self == .saddle ? Point2D(0, 0) : nil }

    /// A domain that shows the interesting part of the surface.
    public var domain: PlotDomain {
        switch self {
        case .quadratic: return PlotDomain(x: -5...5, y: -3...3)
        case .rosenbrock: return PlotDomain(x: -2...2, y: -1...3)
        case .beale: return PlotDomain(x: -4.5...4.5, y: -4.5...4.5)
        case .himmelblau: return PlotDomain(x: -5...5, y: -5...5)
        case .saddle: return PlotDomain(x: -2...2, y: -2...2)
        }
    }

    /// A start that makes the function's difficulty visible.
    public var suggestedStart: Point2D {
        switch self {
        case .quadratic: return Point2D(-4, 2)
        case .rosenbrock: return Point2D(-1.5, 2)
        case .beale: return Point2D(1, 1.5)
        case .himmelblau: return Point2D(-1, 0)
        case .saddle: return Point2D(-1.5, 0.01)
        }
    }
}
