// The API that chapter blocks call to publish figures, tables and values.
// Outputs go to the runner over a side channel (the file named by TN_OUTPUT),
// never through standard output, which the runner captures as plain text.
import Charts
import Foundation

/// A table to publish with `show(_:)`: a header row and rows of cells.
public struct Table: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// Builds a table from any values; each cell is shown with `String(describing:)`.
    public init(header: [String], values: [[Any]]) {
        self.header = header
        self.rows = values.map { row in row.map { String(describing: $0) } }
    }
}

/// Publishes a chart as a numbered figure. The block's `//| caption:` is used
/// unless `caption` is given here. A `Figure` of several charts also sends
/// its panels one by one, which the page lays out in rows of the figure's
/// `columns` where there is room and in fewer, down to one, where there is not.
/// Each chart is also drawn for a narrow screen (`NarrowLayout`), which the
/// page shows on a phone so that its labels stay readable.
public func show(_ chart: Chart, caption: String? = nil) {
    let figure = chart as? Figure
    let (svg, panels) = figure?.render() ?? (chart.svg(), nil)
    OutputChannel.shared.send(OutputRecord(
        kind: .chart, title: chart.title, caption: caption, svg: svg, panels: panels,
        narrowSVG: figure == nil ? NarrowLayout.svg(of: chart) : nil, narrowPanels: figure?.narrowPanels(),
        columns: figure?.columns, csv: chart.csv()))
}

/// Publishes a table.
public func show(_ table: Table, caption: String? = nil) {
    OutputChannel.shared.send(OutputRecord(
        kind: .table, caption: caption, header: table.header, rows: table.rows))
}

/// Publishes one named value, shown as `name = value` in the page.
public func show(_ value: Any, name: String) {
    OutputChannel.shared.send(OutputRecord(
        kind: .value, name: name, value: String(describing: value)))
}

/// What the runner told this block about the run it belongs to.
public enum BlockContext {
    /// The seed for this block's random numbers: `//| seed: N` in the block,
    /// otherwise a default that is the same on every run (so figures are stable).
    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["TN_SEED"].flatMap { UInt64($0) } ?? 42
    }

    /// True in `tn build --quick`; the engine already reduces its own work.
    public static var isQuick: Bool {
        ProcessInfo.processInfo.environment["TN_SCALE"] == "quick"
    }
}
