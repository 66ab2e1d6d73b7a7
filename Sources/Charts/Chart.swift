// The one interface every chart kind shares, so the runner can publish any of
// them with `show(chart)` without knowing its kind.

/// A chart that renders to a standalone, deterministic SVG document.
public protocol Chart {
    /// Short title, also used as the SVG's `<title>`.
    var title: String { get }
    /// The complete SVG document. The same data gives byte-identical output.
    func svg() -> String
    /// The data behind the chart, as CSV with a header row.
    func csv() -> String
}

/// A chart drawn at whatever size it is given: its layout (ticks, labels,
/// legend, margins) follows the size while its type stays the same size.
public protocol ResizableChart: Chart {
    var width: Double { get set }
    var height: Double { get set }
    /// The height to draw at when drawn `width` wide for a narrow screen.
    func narrowHeight(width: Double) -> Double
}

extension ResizableChart {
    public func narrowHeight(width narrow: Double) -> Double { NarrowLayout.height(height, from: width, to: narrow) }
}

/// The layout of a chart for a narrow screen. A page scales a chart's SVG to
/// its column, type and all, so a 640-pixel chart in a phone's 320-pixel
/// column would show 11.5-pixel tick labels at under 6. Drawn again at about
/// the column's width, its labels keep close to their size, with fewer ticks
/// where fewer fit.
public enum NarrowLayout {
    /// The width a chart is drawn at for a narrow screen, in its own pixels.
    public static let width = 380.0

    /// The chart drawn `width` pixels wide (and as tall as its
    /// `narrowHeight`); nil when it is at most 15% wider than that already
    /// or cannot be drawn again.
    public static func svg(of chart: any Chart) -> String? {
        guard let resizable = chart as? any ResizableChart else { return nil }
        return resized(resizable)?.svg()
    }

    /// A chart's height drawn `narrow` wide instead of `width`: less tall by
    /// a smaller factor than less wide, since a plot needs its height more
    /// than its width.
    public static func height(_ height: Double, from width: Double, to narrow: Double) -> Double {
        min(height, (height * narrow / width * 1.35).rounded())
    }

    static func resized<C: ResizableChart>(_ chart: C) -> C? {
        guard chart.width > width * 1.15 else { return nil }
        var narrow = chart
        narrow.height = chart.narrowHeight(width: width)
        narrow.width = width
        return narrow
    }
}

// LineChart: in LineChart.swift, where its legend is known.
extension BarChart: ResizableChart {}
extension ContourChart: ResizableChart {}
extension Heatmap: ResizableChart {
    /// A heatmap's cells keep their shape.
    public func narrowHeight(width narrow: Double) -> Double { (height * narrow / width).rounded() }
}
extension SurfaceChart: ResizableChart {}
extension AnimatedContourChart: ResizableChart {
    public var width: Double {
        get { contour.width }
        set { contour.width = newValue }
    }
    public var height: Double {
        get { contour.height }
        set { contour.height = newValue }
    }
}
// NetworkDiagram keeps its one drawing: its layer captions need the width.
