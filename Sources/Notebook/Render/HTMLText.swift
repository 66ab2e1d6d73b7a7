// Small helpers for producing HTML text safely.
import Foundation

enum HTMLText {
    /// Escapes text for element content and double-quoted attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Text content of an HTML fragment: tags removed, common entities decoded.
    static func plainText(_ html: String) -> String {
        let text = unescape(html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression))
        return text.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    /// The entities `escape` writes (and cmark), decoded; &amp; last, so
    /// that "&amp;lt;" stays "&lt;".
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = text
        for (entity, value) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            result = result.replacingOccurrences(of: entity, with: value)
        }
        return result
    }

    /// A heading's anchor: lower case, words joined by '-', as GitHub does.
    static func slug(_ text: String) -> String {
        var slug = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || character == "_" || character == "-" {
                slug.append(character)
            } else if character == " " {
                slug.append("-")
            }
        }
        return slug.isEmpty ? "section" : slug
    }

    /// An SVG from a chart, made safe to inline: no scripts, no event handlers,
    /// no XML prolog. Charts are drawn by code, so this is a guard, not a parser.
    static func inlineSVG(_ svg: String) -> String {
        var text = svg
        text = text.replacingOccurrences(of: "<\\?xml[^>]*\\?>", with: "", options: .regularExpression)
        text = text.replacingOccurrences(of: "<!DOCTYPE[^>]*>", with: "", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(
            of: "<script[\\s\\S]*?</script\\s*>", with: "", options: [.regularExpression, .caseInsensitive])
        text = text.replacingOccurrences(
            of: "\\son[a-zA-Z]+\\s*=\\s*(\"[^\"]*\"|'[^']*')", with: "", options: [.regularExpression, .caseInsensitive])
        return text
    }
}
