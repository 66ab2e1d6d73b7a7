// A network diagram from a layer description such as [784, 512, 512, 512, 10]:
// neurons as columns (elided with a vertical ellipsis when large), the
// connections between neighbouring layers, and each layer's name and size.
import Foundation

public enum LayerKind: String, Sendable, CaseIterable {
    case input, dense, convolution, pooling, dropout, output

    var color: String {
        switch self {
        case .input: return Palette.okabeIto[4]
        case .dense: return Palette.okabeIto[0]
        case .convolution: return Palette.okabeIto[2]
        case .pooling: return Palette.okabeIto[3]
        case .dropout: return "#999999"
        case .output: return Palette.okabeIto[1]
        }
    }
}

public struct NetworkLayer: Sendable {
    public var size: Int
    public var kind: LayerKind
    /// Shown under the column; defaults to the kind ("Dense").
    public var name: String?
    /// Shown under the size, e.g. "ReLU".
    public var activation: String?

    public init(size: Int, kind: LayerKind, name: String? = nil, activation: String? = nil) {
        self.size = size
        self.kind = kind
        self.name = name
        self.activation = activation
    }

    var displayName: String { name ?? kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst() }
}

public struct NetworkDiagram: Chart, Sendable {
    public var title: String
    public var layers: [NetworkLayer]
    /// Columns with more neurons than this show the first and last few and an ellipsis.
    public var maxNeuronsShown: Int
    public var width: Double
    public var height: Double

    public init(title: String, layers: [NetworkLayer], maxNeuronsShown: Int = 10, width: Double = 640, height: Double = 400) {
        self.title = title
        self.layers = layers
        self.maxNeuronsShown = max(3, maxNeuronsShown)
        self.width = width
        self.height = height
    }

    /// First layer input, last output, the rest dense with ReLU.
    public init(title: String, sizes: [Int]) {
        let layers = sizes.enumerated().map { index, size -> NetworkLayer in
            if index == 0 { return NetworkLayer(size: size, kind: .input) }
            if index == sizes.count - 1 { return NetworkLayer(size: size, kind: .output, activation: "softmax") }
            return NetworkLayer(size: size, kind: .dense, name: "Hidden \(index)", activation: "ReLU")
        }
        self.init(title: title, layers: layers)
    }

    /// Neuron slots drawn for a layer: indices into the column, nil for the ellipsis.
    private func slots(_ size: Int) -> [Int?] {
        let count = max(0, size)
        guard count > maxNeuronsShown else { return (0..<count).map { $0 } }
        let head = (maxNeuronsShown - 1) / 2 + (maxNeuronsShown - 1) % 2
        let tail = maxNeuronsShown - 1 - head
        return (0..<head).map { $0 } + [nil] + ((count - tail)..<count).map { $0 }
    }

    public func svg() -> String {
        var document = SVGDocument(width: width, height: height, title: title, description: describe(), identity: csv())
        let top = 14 + (title.isEmpty ? 0 : Theme.titleSize + 14) + 10
        let bottom = height - 14 - 3 * (Theme.tickSize + 5)
        let columnSpacing = (width - 100) / Double(max(1, layers.count - 1))
        let rowsShown = layers.map { slots($0.size).count }.max() ?? 1
        let spacing = min(34, (bottom - top) / Double(max(1, rowsShown)))
        let radius = max(3, min(11, spacing * 0.36))

        func centres(_ layerIndex: Int) -> [(slot: Int?, x: Double, y: Double)] {
            let x = layers.count == 1 ? width / 2 : 50 + columnSpacing * Double(layerIndex)
            let column = slots(layers[layerIndex].size)
            let middle = (top + bottom) / 2
            return column.enumerated().map { index, slot in
                (slot, x, middle + (Double(index) - Double(column.count - 1) / 2) * spacing)
            }
        }

        // Connections first, faint, so neurons sit on top of them.
        var connections = ""
        for index in layers.indices.dropLast() {
            let from = centres(index).filter { $0.slot != nil }, to = centres(index + 1).filter { $0.slot != nil }
            for a in from {
                for b in to {
                    connections += "M\(Format.pixel(a.x + radius)),\(Format.pixel(a.y))L\(Format.pixel(b.x - radius)),\(Format.pixel(b.y))"
                }
            }
        }
        if !connections.isEmpty {
            document.add(element("path", [("d", connections), ("stroke", "currentColor"), ("stroke-opacity", "0.16"), ("stroke-width", "0.7"), ("fill", "none")]))
        }
        for (index, layer) in layers.enumerated() {
            var neurons: [String] = []
            for centre in centres(index) {
                if centre.slot == nil {
                    // A vertical ellipsis drawn as dots, independent of fonts.
                    for offset in [-1.0, 0, 1] {
                        neurons.append(element("circle", [("cx", Format.pixel(centre.x)), ("cy", Format.pixel(centre.y + offset * spacing * 0.25)),
                                                          ("r", "1.8"), ("fill", "currentColor")]))
                    }
                } else {
                    neurons.append(element("circle", [("cx", Format.pixel(centre.x)), ("cy", Format.pixel(centre.y)), ("r", Format.pixel(radius)),
                                                      ("fill", layer.kind.color), ("class", "tn-halo"), ("stroke-width", "1.5")]))
                }
            }
            document.add(element("g", [("class", "tn-layer")], content: "\n" + neurons.joined(separator: "\n") + "\n"))
            let x = centres(index).first?.x ?? width / 2
            let labelTop = bottom + 8
            document.add(textElement(layer.displayName, x: x, y: labelTop + Theme.tickSize, anchor: "middle", className: "tn-label"))
            document.add(textElement(layer.size.formatted, x: x, y: labelTop + 2 * Theme.tickSize + 5, anchor: "middle", className: "tn-muted"))
            if let activation = layer.activation {
                document.add(textElement(activation, x: x, y: labelTop + 3 * Theme.tickSize + 10, anchor: "middle", className: "tn-muted"))
            }
        }
        if !title.isEmpty {
            document.add(canvasTitle(title, width: width))
        }
        if layers.isEmpty {
            document.add(textElement("No layers", x: width / 2, y: height / 2, anchor: "middle", className: "tn-note tn-muted"))
        }
        return document.render()
    }

    private func describe() -> String {
        "Network diagram with \(layers.count) layers: "
            + layers.map { "\($0.displayName) (\($0.kind.rawValue), \($0.size) units\($0.activation.map { ", " + $0 } ?? ""))" }.joined(separator: ", ") + "."
    }

    public func csv() -> String {
        var table = CSVTable(header: ["layer", "name", "kind", "size", "activation"])
        for (index, layer) in layers.enumerated() {
            table.append([.integer(index), .text(layer.displayName), .text(layer.kind.rawValue), .integer(layer.size), .text(layer.activation ?? "")])
        }
        return table.text
    }
}

extension Int {
    /// "1,024": thousands separated, without a locale.
    var formatted: String {
        let digits = String(abs(self))
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return (self < 0 ? "−" : "") + result
    }
}
