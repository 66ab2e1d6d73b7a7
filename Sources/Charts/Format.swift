// Deterministic, locale-free number formatting and text escaping.
// Every number written into an SVG or CSV goes through here, so the same data
// always gives byte-identical files on every machine.
import Foundation

enum Format {
    /// A pixel coordinate: at most two decimals, trailing zeros dropped.
    /// Two decimals is far below a device pixel at any sensible zoom, and
    /// shorter numbers keep files small.
    static func pixel(_ value: Double) -> String {
        fixed(value, decimals: 2)
    }

    /// `value` rounded to `decimals` places, without "-0" and, unless
    /// `keepsTrailingZeros`, without trailing zeros.
    /// Done with integer arithmetic rather than `String(format:)`, which
    /// depends on the C library and locale.
    static func fixed(_ value: Double, decimals: Int, keepsTrailingZeros: Bool = false) -> String {
        guard value.isFinite else { return "0" }
        let places = max(0, min(decimals, 12))
        var scale: Double = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        // Past 2^53 the integer path loses meaning; fall back to Swift's
        // shortest round-trip description, which is also locale-free.
        guard scaled < 9.0e15 else { return shortest(value) }
        let integer = UInt64(scaled)
        if integer == 0 {
            return keepsTrailingZeros && places > 0 ? "0." + String(repeating: "0", count: places) : "0"
        }
        var digits = String(integer)
        if places > 0 {
            if digits.count <= places {
                digits = String(repeating: "0", count: places - digits.count + 1) + digits
            }
            let split = digits.index(digits.endIndex, offsetBy: -places)
            var fraction = String(digits[split...])
            while !keepsTrailingZeros, fraction.hasSuffix("0") { fraction.removeLast() }
            digits = String(digits[..<split]) + (fraction.isEmpty ? "" : "." + fraction)
        }
        return (value < 0 ? "-" : "") + digits
    }

    /// Swift's shortest representation that reads back to the same Double,
    /// for CSV, where readers want the exact value.
    static func shortest(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A value for people to read (bar labels, cell labels, descriptions):
    /// four significant digits, trailing zeros dropped, and a power of ten
    /// only when very large or very small, as in "0.2011" or "1.5·10⁻⁷".
    static func readable(_ value: Double, significantDigits: Int = 4) -> String {
        rounded(value, significantDigits: significantDigits, keepsTrailingZeros: false)
    }

    /// `value` to exactly `digits` significant digits, trailing zeros kept,
    /// so values side by side (legend final values) show the same precision:
    /// "0.160" next to "0.176", "0.0827" next to "0.0862".
    static func significant(_ value: Double, digits: Int = 3) -> String {
        rounded(value, significantDigits: digits, keepsTrailingZeros: true)
    }

    private static func rounded(_ value: Double, significantDigits: Int, keepsTrailingZeros: Bool) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        if value == 0 { return "0" }
        let digits = max(1, significantDigits)
        var magnitude = Int(floor(log10(abs(value))))
        // Rounding can carry into the next power of ten (0.09996 -> 0.1000).
        if abs((value / pow(10, Double(magnitude - digits + 1))).rounded()) >= pow(10, Double(digits)) { magnitude += 1 }
        if magnitude >= 6 || magnitude <= -5 {
            return scientific(value, significantDigits: digits, keepsTrailingZeros: keepsTrailingZeros)
        }
        let decimals = max(0, digits - 1 - magnitude)
        return minus(fixed(value, decimals: decimals, keepsTrailingZeros: keepsTrailingZeros))
    }

    /// "1.5·10⁻⁷" style (never "1.5e-7"), with the mantissa trimmed unless
    /// `keepsTrailingZeros`; a mantissa of exactly 1 is left out ("10⁻⁷").
    static func scientific(_ value: Double, significantDigits: Int = 3, keepsTrailingZeros: Bool = false) -> String {
        guard value.isFinite, value != 0 else { return readable(value) }
        var exponent = Int(floor(log10(abs(value))))
        var mantissa = value / pow(10, Double(exponent))
        // Rounding can carry the mantissa to 10 (9.9996 -> 10.00).
        let rounded = Double(fixed(mantissa, decimals: significantDigits - 1)) ?? mantissa
        if abs(rounded) >= 10 { mantissa = rounded / 10; exponent += 1 } else { mantissa = rounded }
        let text = fixed(mantissa, decimals: significantDigits - 1, keepsTrailingZeros: keepsTrailingZeros)
        switch text {
        case "1": return powerOfTen(exponent)
        case "-1": return "−" + powerOfTen(exponent)
        default: return minus(text) + "·" + powerOfTen(exponent)
        }
    }

    /// Labels for the ticks of a linear axis `step` apart, in one style for
    /// the whole axis: plain numbers with just enough decimals to tell
    /// neighbours apart, or, when the axis reaches a million or stays below
    /// 10⁻⁴, multiples of one shared power of ten ("0.5·10⁶", "1·10⁶").
    static func linearTicks(_ values: [Double], step: Double) -> [String] {
        let largest = values.map(abs).max() ?? 0
        guard largest >= 1e6 || (largest > 0 && largest < 1e-4) else {
            return values.map { tick($0, step: step) }
        }
        let exponent = Int(floor(log10(largest)))
        let power = pow(10, Double(exponent))
        let decimals = step > 0 ? max(0, -Int(floor(log10(step / power) + 1e-9))) : 2
        return values.map { value in
            value == 0 ? "0" : minus(fixed(value / power, decimals: decimals)) + "·" + powerOfTen(exponent)
        }
    }

    /// One plain tick label on an axis whose ticks are `step` apart: just
    /// enough decimals to tell neighbouring ticks apart.
    static func tick(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let decimals = step > 0 ? max(0, -Int(floor(log10(step) + 1e-9))) : 2
        return minus(fixed(value, decimals: decimals))
    }

    /// A power of ten in superscript digits: "10⁻⁵", "10⁰", "10⁸".
    static func powerOfTen(_ exponent: Int) -> String {
        let superscripts: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
            "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
    }

    /// Typographic minus sign, which lines up with digits where "-" does not.
    static func minus(_ text: String) -> String {
        text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }

    /// Text made safe for XML character data and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                // Control characters other than tab and newline are not
                // allowed in XML 1.0 at all; drop them.
                if let scalar = character.unicodeScalars.first,
                   scalar.value < 0x20, scalar != "\t", scalar != "\n" {
                    continue
                }
                result.append(character)
            }
        }
        return result
    }

    /// A rough width of `text` in pixels at `fontSize`, for layout only.
    /// Average glyph width of the sans-serif fonts we name is about 0.6 em;
    /// over-estimating a little keeps labels from colliding.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        var width = 0.0
        for character in text {
            switch character {
            case "i", "l", "j", "t", "f", "I", ".", ",", ":", ";", "'", "|", "!", " ":
                width += 0.33
            case "m", "w", "M", "W", "—", "…":
                width += 0.9
            default:
                width += character.isUppercase ? 0.7 : 0.6
            }
        }
        return width * fontSize
    }
}
