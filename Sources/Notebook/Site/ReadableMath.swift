// TeX as a reader would type or read it, for the search index: the index
// shows a matching sentence, and "\mu as one minus the friction" or a search
// for "η" that cannot match "\eta" is no use to a reader. Symbols become
// their Unicode characters, \frac{a}{b} becomes a/b, \text{…} and the like
// keep their text, and spacing and sizing commands go. Not a TeX renderer:
// enough for the prose's inline math.
import Foundation

enum ReadableMath {
    static let symbols: [String: String] = [
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
        "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
        "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
        "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
        "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ",
        "nabla": "∇", "partial": "∂", "cdot": "·", "times": "×", "approx": "≈", "neq": "≠", "ne": "≠",
        "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "pm": "±", "infty": "∞", "in": "∈", "to": "→",
        "leftarrow": "←", "rightarrow": "→", "sum": "Σ", "prod": "Π", "sqrt": "√", "dots": "…", "ldots": "…",
        "cdots": "⋯", "lVert": "‖", "rVert": "‖", "Vert": "‖", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
        "rceil": "⌉", "log": "log", "ln": "ln", "exp": "exp", "min": "min", "max": "max", "cos": "cos",
        "sin": "sin", "arg": "arg",
    ]
    /// Commands whose braced argument is kept as it is (fonts, text, accents).
    static let keepArgument: Set<String> = ["text", "mathrm", "mathbf", "mathit", "mathbb", "mathcal", "operatorname",
                                            "hat", "bar", "tilde", "vec", "boldsymbol", "overline"]
    /// Commands that space or size and say nothing.
    static let silent: Set<String> = ["big", "Big", "bigg", "Bigg", "left", "right", "quad", "qquad", "displaystyle",
                                      "textstyle", "limits", "nolimits"]

    static func text(_ tex: String) -> String {
        var output = ""
        var characters = Array(tex)[...]
        while let character = characters.popFirst() {
            switch character {
            case "\\":
                var name = ""
                while let next = characters.first, next.isLetter { name.append(next); characters.removeFirst() }
                if name.isEmpty {
                    // \, \; \! \  (spaces) and escaped characters such as \{ or \%.
                    guard let next = characters.popFirst() else { break }
                    output += ",;!: ".contains(next) ? " " : String(next)
                } else if name == "frac" || name == "tfrac" || name == "dfrac" {
                    let numerator = argument(&characters), denominator = argument(&characters)
                    output += grouped(text(numerator)) + "/" + grouped(text(denominator))
                } else if keepArgument.contains(name) {
                    output += text(argument(&characters))
                } else if name == "begin" || name == "end" {
                    _ = argument(&characters)
                } else if let symbol = symbols[name] {
                    output += symbol
                    if symbol.count > 1 { output += " " }  // "log x", not "logx"
                } else if !silent.contains(name) {
                    output += name  // an unknown command: its name is still better than a backslash
                }
            case "{", "}":
                continue
            case "&":
                output += " "
            default:
                output.append(character)
            }
        }
        return output.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    /// The next argument: a braced group (its inside) or a single character.
    private static func argument(_ characters: inout ArraySlice<Character>) -> String {
        while characters.first == " " { characters.removeFirst() }
        guard let first = characters.popFirst() else { return "" }
        guard first == "{" else { return String(first) }
        var depth = 1, inside = ""
        while let next = characters.popFirst() {
            if next == "{" { depth += 1 } else if next == "}" { depth -= 1; if depth == 0 { break } }
            inside.append(next)
        }
        return inside
    }

    /// A fraction's part in parentheses when it is more than one symbol.
    private static func grouped(_ part: String) -> String {
        part.count > 1 && part.contains(where: { " +-−·×/".contains($0) }) ? "(\(part))" : part
    }
}
