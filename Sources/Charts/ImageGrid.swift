// Small multiples of images: a grid of MNIST digits (or any greyscale
// pixel arrays), each with a label under it ("7", or "7 → 1" for mistakes).
import Foundation

/// A greyscale image: `pixels` row by row from the top, 0 black to 1 white.
public struct GrayImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [Double]
    public var label: String

    public init(width: Int, height: Int, pixels: [Double], label: String = "") {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.label = label
    }

    /// From bytes 0...255, as MNIST stores them.
    public init(width: Int, height: Int, bytes: [UInt8], label: String = "") {
        self.init(width: width, height: height, pixels: bytes.map { Double($0) / 255 }, label: label)
    }
}

public struct ImageGrid: Chart, Sendable {
    public var title: String
    public var images: [GrayImage]
    public var columns: Int
    /// Side of each image on the canvas, in pixels.
    public var cellSize: Double
    /// Dark strokes on white instead of MNIST's white on black.
    public var inverted: Bool

    public init(title: String, images: [GrayImage], columns: Int = 8, cellSize: Double = 56, inverted: Bool = false) {
        self.title = title
        self.images = images
        self.columns = max(1, columns)
        self.cellSize = max(8, cellSize)
        self.inverted = inverted
    }

    private var gap: Double { 10 }
    private var labelHeight: Double { images.contains { !$0.label.isEmpty } ? Theme.tickSize + 8 : 0 }
    private var top: Double { 14 + (title.isEmpty ? 0 : Theme.titleSize + 14) }
    private var rowCount: Int { (images.count + columns - 1) / columns }

    public var width: Double {
        let used = Double(min(columns, max(1, images.count)))
        return max(28 + used * cellSize + (used - 1) * gap, title.isEmpty ? 0 : Format.textWidth(title, fontSize: Theme.titleSize) + 28)
    }
    public var height: Double { top + Double(max(1, rowCount)) * (cellSize + labelHeight + gap) + 14 }

    public func svg() -> String {
        var badPixels = 0
        var document = SVGDocument(width: width, height: height, title: title, description: describe(), identity: csv())
        if !title.isEmpty {
            document.add(canvasTitle(title, width: width))
        }
        var body: [String] = []
        for (index, image) in images.enumerated() {
            let x = 14 + Double(index % columns) * (cellSize + gap)
            let y = top + Double(index / columns) * (cellSize + labelHeight + gap)
            let count = max(0, image.width) * max(0, image.height)
            if count > 0 {
                var levels = [UInt8](repeating: 0, count: count)
                for offset in 0..<count {
                    let value = offset < image.pixels.count ? image.pixels[offset] : .nan
                    // Bad pixels become mid-grey, which a digit never is.
                    guard value.isFinite else { badPixels += 1; levels[offset] = 128; continue }
                    let level = min(1, max(0, inverted ? 1 - value : value))
                    levels[offset] = UInt8((level * 255).rounded())
                }
                let png = PNGImage.gray(width: image.width, height: image.height, levels: levels)
                body.append(element("image", [("x", Format.pixel(x)), ("y", Format.pixel(y)), ("width", Format.pixel(cellSize)),
                                              ("height", Format.pixel(cellSize)), ("preserveAspectRatio", "none"),
                                              ("style", "image-rendering:pixelated"), ("href", PNGImage.dataURI(png))]))
            }
            // A frame keeps dark digits visible on a dark page.
            body.append(element("rect", [("class", "tn-grid"), ("x", Format.pixel(x)), ("y", Format.pixel(y)), ("width", Format.pixel(cellSize)),
                                         ("height", Format.pixel(cellSize)), ("fill", "none")]))
            if !image.label.isEmpty {
                body.append(textElement(image.label, x: x + cellSize / 2, y: y + cellSize + Theme.tickSize + 3, anchor: "middle"))
            }
        }
        document.add(element("g", [("class", "tn-images")], content: "\n" + body.joined(separator: "\n") + "\n"))
        if images.isEmpty {
            document.add(textElement("No images", x: 14, y: top + 20, className: "tn-note tn-muted"))
        }
        if badPixels > 0 {
            document.add(textElement("\(badPixels) non-finite pixel\(badPixels == 1 ? "" : "s") shown grey", x: width - 8, y: height - 4,
                                     anchor: "end", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    private func describe() -> String {
        let labels = images.map(\.label).filter { !$0.isEmpty }
        return "Grid of \(images.count) images in \(columns) columns" + (labels.isEmpty ? "." : ", labelled " + labels.joined(separator: ", ") + ".")
    }

    public func csv() -> String {
        // One row per image: its label, size and pixels, so a reader can redraw it.
        var table = CSVTable(header: ["index", "label", "width", "height", "pixels"])
        for (index, image) in images.enumerated() {
            table.append([.integer(index), .text(image.label), .integer(image.width), .integer(image.height),
                          .text(image.pixels.map(Format.shortest).joined(separator: " "))])
        }
        return table.text
    }
}
