// The one record format that travels from a running block to the runner: one
// JSON object per line in the file named by TN_OUTPUT. The runner decodes the
// same type, so the two sides cannot drift apart.

/// One output that a block published, in the order it was published.
public struct OutputRecord: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case chart, table, value, error
    }

    public var kind: Kind
    /// Chart title, or the caption that `show` was given.
    public var title: String?
    public var caption: String?
    public var svg: String?
    /// A figure of several charts (`Figure`): each chart's SVG at its size in
    /// the figure, for the page to lay out so that the panels reflow on a
    /// narrow screen; `svg` still holds the whole figure as one image.
    public var panels: [String]?
    /// The chart drawn again for a narrow screen (Charts' `NarrowLayout`),
    /// which a page shows in place of `svg` on a phone; nil when the chart is
    /// narrow already or cannot be drawn again.
    public var narrowSVG: String?
    /// The same for each of a figure's panels, in order (nil for a panel
    /// that keeps its one drawing).
    public var narrowPanels: [String?]?
    /// The most panels a row of the page holds: the figure's `columns`
    /// (fewer where the page is too narrow for them).
    public var columns: Int?
    public var csv: String?
    /// `show(value, name:)`
    public var name: String?
    public var value: String?
    /// `show(table)`
    public var header: [String]?
    public var rows: [[String]]?
    /// The description of an error a block threw.
    public var message: String?

    public init(
        kind: Kind, title: String? = nil, caption: String? = nil, svg: String? = nil,
        panels: [String]? = nil, narrowSVG: String? = nil, narrowPanels: [String?]? = nil, columns: Int? = nil, csv: String? = nil, name: String? = nil, value: String? = nil,
        header: [String]? = nil, rows: [[String]]? = nil, message: String? = nil
    ) {
        self.kind = kind
        self.title = title
        self.caption = caption
        self.svg = svg
        self.panels = panels
        self.narrowSVG = narrowSVG
        self.narrowPanels = narrowPanels
        self.columns = columns
        self.csv = csv
        self.name = name
        self.value = value
        self.header = header
        self.rows = rows
        self.message = message
    }
}
