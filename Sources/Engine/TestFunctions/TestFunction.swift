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

    /// f(x, y), computed in `Scalar`.
    public func value<Scalar: BinaryFloatingPoint>(x: Scalar, y: Scalar) -> Scalar {
        switch self {
        case .quadratic:
            return 0.5 * (x * x + 10 * y * y)
        case .rosenbrock:
            let a = 1 - x, b = y - x * x
            return a * a + 100 * b * b
        case .beale:
            let a = 1.5 - x + x * y
            let b = 2.25 - x + x * y * y
            let c = 2.625 - x + x * y * y * y
            return a * a + b * b + c * c
        case .himmelblau:
            let a = x * x + y - 11, b = x + y * y - 7
            return a * a + b * b
        case .saddle:
            return x * x - y * y
        }
    }

    /// ∇f(x, y), computed analytically in `Scalar`.
    public func gradient<Scalar: BinaryFloatingPoint>(x: Scalar, y: Scalar) -> (x: Scalar, y: Scalar) {
        switch self {
        case .quadratic:
            return (x, 10 * y)
        case .rosenbrock:
            let b = y - x * x
            return (-2 * (1 - x) - 400 * x * b, 200 * b)
        case .beale:
            let y2 = y * y, y3 = y2 * y
            let a = 1.5 - x + x * y
            let b = 2.25 - x + x * y2
            let c = 2.625 - x + x * y3
            let dx = 2 * a * (y - 1) + 2 * b * (y2 - 1) + 2 * c * (y3 - 1)
            let dy = 2 * a * x + 2 * b * (2 * x * y) + 2 * c * (3 * x * y2)
            return (dx, dy)
        case .himmelblau:
            let a = x * x + y - 11, b = x + y * y - 7
            return (4 * x * a + 2 * b, 2 * a + 4 * y * b)
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
