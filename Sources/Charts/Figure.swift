// Small multiples: several charts laid out in a grid as one SVG, for
// side-by-side comparisons (a heatmap per attention head and time step).
import Foundation

public struct Figure: Chart {
    public var title: String
    public var charts: [any Chart]
    public var columns: Int
    /// Each chart is scaled to this width (its viewBox keeps its proportions).
    public var cellWidth: Double?

    public init(title: String, charts: [any Chart], columns: Int = 2, cellWidth: Double? = nil) {
        self.title = title
        self.charts = charts
        self.columns = max(1, columns)
        self.cellWidth = cellWidth
    }

    /// The width and height a chart's SVG declares.
    static func size(of svg: String) -> (width: Double, height: Double) {
        func attribute(_ name: String) -> Double {
            guard let range = svg.range(of: " \(name)=\"") else { return 0 }
            let rest = svg[range.upperBound...]
            return Double(rest.prefix { $0 != "\"" }) ?? 0
        }
        return (attribute("width"), attribute("height"))
    }

    /// Each chart's size in the figure: its own, or scaled to `cellWidth`.
    private func sizes(of rendered: [String]) -> [(width: Double, height: Double)] {
        rendered.map { svg -> (width: Double, height: Double) in
            let natural = Figure.size(of: svg)
            guard let cellWidth, natural.width > 0 else { return natural }
            return (cellWidth, natural.height * cellWidth / natural.width)
        }
    }

    /// The whole figure as one SVG, and each chart's SVG on its own at its
    /// size in the figure (viewBox, and so drawing, unchanged): the panels a
    /// page can lay out itself, side by side or one above the other as the
    /// width allows. Each chart is rendered once for both.
    public func render() -> (svg: String, panels: [String]) {
        let rendered = charts.map { $0.svg() }
        let sizes = sizes(of: rendered)
        let panels = zip(rendered, sizes).map { svg, size in
            let natural = Figure.size(of: svg)
            return svg.replacingFirst("width=\"\(Format.pixel(natural.width))\" height=\"\(Format.pixel(natural.height))\"",
                                      with: "width=\"\(Format.pixel(size.width))\" height=\"\(Format.pixel(size.height))\"")
        }
        return (svg(panels: panels, sizes: sizes), panels)
    }

    public func svg() -> String { render().svg }

    /// Each panel drawn again for a narrow screen (`NarrowLayout`), nil for
    /// one that is narrow already or cannot be; nil when none can.
    public func narrowPanels() -> [String?]? {
        let narrow = charts.map(NarrowLayout.svg(of:))
        return narrow.contains { $0 != nil } ? narrow : nil
    }

    /// The panels placed in a grid in one SVG.
    private func svg(panels: [String], sizes: [(width: Double, height: Double)]) -> String {
        let gap = 12.0
        let rows = (panels.count + columns - 1) / columns
        var columnWidths = [Double](repeating: 0, count: columns)
        var rowHeights = [Double](repeating: 0, count: max(1, rows))
        for (index, size) in sizes.enumerated() {
            columnWidths[index % columns] = max(columnWidths[index % columns], size.width)
            rowHeights[index / columns] = max(rowHeights[index / columns], size.height)
        }
        let top = title.isEmpty ? 0 : 14 + Theme.titleSize + 8
        let width = max(columnWidths.reduce(0, +) + gap * Double(max(0, min(columns, panels.count) - 1)), 200)
        let height = top + rowHeights.reduce(0, +) + gap * Double(max(0, rows - 1))
        var document = SVGDocument(width: width, height: height, title: title,
                                   description: "Figure of \(charts.count) charts: " + charts.map(\.title).joined(separator: "; ") + ".",
                                   identity: panels.joined())
        if !title.isEmpty {
            document.add(canvasTitle(title, width: width))
        }
        for (index, panel) in panels.enumerated() {
            let column = index % columns, row = index / columns
            let x = columnWidths[..<column].reduce(0, +) + gap * Double(column)
            let y = top + rowHeights[..<row].reduce(0, +) + gap * Double(row)
            // Nest the chart's own <svg>: it keeps its viewBox, title and
            // description, so it scales and stays accessible on its own.
            let nested = panel.replacingFirst("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tn-chart\"",
                                              with: "<svg class=\"tn-chart\" x=\"\(Format.pixel(x))\" y=\"\(Format.pixel(y))\"")
            document.add(nested.trimmingCharacters(in: .newlines))
        }
        return document.render()
    }

    /// Each chart's CSV in turn, each block introduced by a "# title" line.
    public func csv() -> String {
        charts.map { "# " + $0.title + "\n" + $0.csv() }.joined(separator: "\n")
    }
}

extension String {
    /// Only the first match: the root element's attributes come first.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
