// Sequential colour maps for values (heatmaps, contour shading, surfaces).
// Viridis is perceptually uniform and readable by colour-blind readers and in
// greyscale; the others suit confusion matrices and images.
import Foundation

public enum ColorMap: String, Sendable, CaseIterable {
    /// Dark purple through teal to yellow (after matplotlib's viridis).
    case viridis
    /// White to deep blue: counts, where zero should look empty.
    case blues
    /// Black to white: images.
    case grays

    /// Anchor colours, evenly spaced from 0 to 1, interpolated linearly.
    /// Nine viridis anchors keep the error under what the eye notices.
    private var anchors: [(Double, Double, Double)] {
        switch self {
        case .viridis:
            return [(68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142),
                    (31, 158, 137), (53, 183, 121), (110, 206, 88), (253, 231, 37)]
        case .blues:
            return [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        case .grays:
            return [(0, 0, 0), (255, 255, 255)]
        }
    }

    /// Red, green and blue in 0...255 at `fraction` (clamped to 0...1).
    func rgb(_ fraction: Double) -> (red: Int, green: Int, blue: Int) {
        let stops = anchors
        let t = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let position = t * Double(stops.count - 1)
        let index = min(stops.count - 2, Int(position))
        let local = position - Double(index)
        let a = stops[index], b = stops[index + 1]
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * local).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// "#rrggbb" at `fraction`.
    public func color(_ fraction: Double) -> String {
        let (red, green, blue) = rgb(fraction)
        return ColorMap.hex(red, green, blue)
    }

    /// Whether dark text reads better than light text on the colour at `fraction`.
    func prefersDarkText(_ fraction: Double) -> Bool {
        let (red, green, blue) = rgb(fraction)
        // Relative luminance with the sRGB weights, without gamma: good
        // enough to choose between black and white text.
        return 0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue) > 140
    }

    static func hex(_ red: Int, _ green: Int, _ blue: Int) -> String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            let value = max(0, min(255, channel))
            text.append(digits[value / 16])
            text.append(digits[value % 16])
        }
        return text
    }

    /// A vertical colour bar with ticks, for values from `scale.lower` (bottom)
    /// to `scale.upper` (top); `scale` must already be mapped to pixels.
    func colorBar(x: Double, top: Double, bottom: Double, scale: Scale, gradientID: String, label: String) -> [String] {
        var stops = ""
        for step in 0...10 {
            let fraction = Double(step) / 10
            stops += element("stop", [("offset", Format.fixed(fraction, decimals: 2)), ("stop-color", color(fraction))])
        }
        var lines = [element("linearGradient", [("id", gradientID), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")], content: stops)]
        lines.append(element("rect", [("x", Format.pixel(x)), ("y", Format.pixel(top)), ("width", "12"),
                                      ("height", Format.pixel(bottom - top)), ("fill", "url(#\(gradientID))")]))
        var marks = ""
        var labels: [String] = []
        for tick in scale.ticks where tick.isMajor {
            guard let y = scale.position(tick.value), y >= top - 0.5, y <= bottom + 0.5 else { continue }
            marks += "M\(Format.pixel(x + 12)),\(Format.pixel(y))h4"
            labels.append(textElement(tick.label, x: x + 19, y: y + 4, className: "tn-muted"))
        }
        if !marks.isEmpty {
            lines.append(element("path", [("d", marks), ("stroke", "currentColor"), ("fill", "none")]))
        }
        lines.append(contentsOf: labels)
        if !label.isEmpty {
            lines.append(textElement(label, x: x, y: top - 8, className: "tn-muted"))
        }
        return lines
    }
}
