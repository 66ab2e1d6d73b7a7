// CSV output shared by every chart's `csv()`: RFC 4180 quoting, a header row,
// and numbers in their shortest exact form.
import Foundation


struct CSVTable {
    private var lines: [String]

    init(header: [String]) {
        lines = [CSVTable.row(header)]
    }

    mutating func append(_ fields: [String]) {
        lines.append(CSVTable.row(fields))
    }

    mutating func append(_ fields: [CSVField]) {
        lines.append(CSVTable.row(fields.map(\.text)))
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    private static func row(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",")
    }

    /// Quotes a field only when it needs it, doubling inner quotes.
    private static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One CSV cell, so rows can mix text and numbers without converting by hand.
enum CSVField {
    case text(String)
    case number(Double)
    case integer(Int)

    var text: String {
        switch self {
        case .text(let value): return value
        case .number(let value): return Format.shortest(value)
        case .integer(let value): return String(value)
        }
    }
}
