// A tiny SVG writer: elements as strings with attributes in a fixed order,
// so output is deterministic, plus the document shell every chart shares
// (viewBox, <title>, <desc>, the themed stylesheet and the background).

/// Builds one SVG document line by line.
struct SVGDocument {
    let width: Double
    let height: Double
    let title: String
    let description: String
    /// Prefix for ids inside this document, unique per chart content and
    /// size, so several charts inlined in one page never share an id (nor a
    /// chart and its narrow layout, both inlined).
    let idPrefix: String
    var extraStyle = ""
    private var lines: [String] = []

    init(width: Double, height: Double, title: String, description: String, identity: String) {
        self.width = width
        self.height = height
        self.title = title
        self.description = description
        self.idPrefix = "tn" + Hash.hex(identity + "|" + title + "|" + Format.pixel(width) + "x" + Format.pixel(height))
    }

    mutating func add(_ line: String) { lines.append(line) }

    mutating func add(contentsOf other: [String]) { lines.append(contentsOf: other) }

    /// A unique id for `name` inside this document.
    func id(_ name: String) -> String { idPrefix + "-" + name }

    func render() -> String {
        var output = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tn-chart\""
        output += " width=\"\(Format.pixel(width))\" height=\"\(Format.pixel(height))\""
        output += " viewBox=\"0 0 \(Format.pixel(width)) \(Format.pixel(height))\""
        output += " role=\"img\" aria-labelledby=\"\(id("title")) \(id("desc"))\">\n"
        output += "<title id=\"\(id("title"))\">\(Format.escape(title))</title>\n"
        output += "<desc id=\"\(id("desc"))\">\(Format.escape(description))</desc>\n"
        output += "<style>\n\(Theme.stylesheet(extra: extraStyle))\n</style>\n"
        output += "<rect class=\"tn-bg\" width=\"100%\" height=\"100%\"/>\n"
        for line in lines {
            output += line
            output += "\n"
        }
        output += "</svg>\n"
        return output
    }
}

/// One element with attributes in the order given.
func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) -> String {
    var text = "<" + name
    for (key, value) in attributes {
        text += " \(key)=\"\(Format.escape(value))\""
    }
    if let content {
        text += ">" + content + "</" + name + ">"
    } else {
        text += "/>"
    }
    return text
}

/// A <text> element; `anchor` is start, middle or end.
func textElement(
    _ string: String, x: Double, y: Double, anchor: String = "start",
    className: String? = nil, extra: [(String, String)] = []
) -> String {
    var attributes: [(String, String)] = [("x", Format.pixel(x)), ("y", Format.pixel(y))]
    if anchor != "start" { attributes.append(("text-anchor", anchor)) }
    if let className { attributes.append(("class", className)) }
    attributes.append(contentsOf: extra)
    return element("text", attributes, content: Format.escape(string))
}

/// `textElement` in a smaller type when its estimated width at `fontSize` is
/// more than `maxWidth`: a long title, axis title or legend entry in a narrow
/// chart stays whole and inside the canvas, down to 60% of its size. Text
/// that fits is unchanged. `bold` widens the estimate for a bold face.
func fittedTextElement(
    _ string: String, x: Double, y: Double, maxWidth: Double, fontSize: Double, bold: Bool = false,
    anchor: String = "start", className: String? = nil, extra: [(String, String)] = []
) -> String {
    let estimate = fittedTextWidth(string, fontSize: fontSize, bold: bold)
    var extra = extra
    if maxWidth > 0, estimate > maxWidth {
        let size = max(0.6 * fontSize, fontSize * maxWidth / estimate)
        extra.append(("style", "font-size:\((size * 10).rounded(.down) / 10)px"))
    }
    return textElement(string, x: x, y: y, anchor: anchor, className: className, extra: extra)
}

/// A chart's title at the canvas's top left, set smaller if it is too long
/// for a canvas `width` wide.
func canvasTitle(_ title: String, width: Double) -> String {
    fittedTextElement(title, x: 14, y: 14 + Theme.titleSize, maxWidth: width - 24, fontSize: Theme.titleSize, bold: true,
                      className: "tn-title")
}

/// `Format.textWidth`, 10% wider for a bold face.
func fittedTextWidth(_ string: String, fontSize: Double, bold: Bool) -> Double {
    Format.textWidth(string, fontSize: fontSize) * (bold ? 1.1 : 1)
}

/// Path data for a polyline through `points`.
/// `decimals` can drop to 1 for dense lines where a tenth of a pixel is plenty.
func polylinePath(_ points: [(x: Double, y: Double)], decimals: Int = 2) -> String {
    var data = ""
    data.reserveCapacity(points.count * 14)
    for (index, point) in points.enumerated() {
        data += (index == 0 ? "M" : "L") + Format.fixed(point.x, decimals: decimals) + "," + Format.fixed(point.y, decimals: decimals)
    }
    return data
}

/// FNV-1a, a small stable hash: Swift's own `Hasher` is seeded per process
/// and would break byte-identical output.
enum Hash {
    static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(String(repeating: "0", count: max(0, 16 - digits.count)) + digits).prefix(8).description
    }
}
