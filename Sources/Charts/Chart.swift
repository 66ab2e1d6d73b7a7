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
