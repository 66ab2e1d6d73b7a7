// The look of every chart: fonts, sizes and colours, as CSS embedded in each
// SVG so the same file follows the page's light or dark theme.
//
// A page themes the charts by setting these CSS custom properties on any
// ancestor of an inline <svg> (for example on `body` in dark mode):
//
//   --tn-chart-bg      chart background            (light #ffffff, dark #16181d)
//   --tn-chart-fg      text, axes and tick marks   (light #222222, dark #e6e6e6)
//   --tn-chart-muted   tick labels, notes, legends (light #555555, dark #a8adb5)
//   --tn-chart-grid    grid lines and frames       (light #e6e6e6, dark #33373f)
//   --tn-chart-halo    outline behind text and markers drawn over data
//                                                  (light #ffffff, dark #16181d)
//   --tn-chart-font    font-family list            (system sans-serif)
//
// Every rule falls back to the light value, and to the dark value under
// `prefers-color-scheme: dark`, so a chart opened on its own looks right too.
// Variables set by the page always win over both fallbacks.
// Series colours are Okabe–Ito (see Palette) in both themes: they were chosen
// to stay distinguishable on white and on near-black.

enum Theme {
    static let titleSize = 15.0
    static let labelSize = 13.0
    static let tickSize = 11.5
    static let noteSize = 11.0

    static let light = Colors(bg: "#ffffff", fg: "#222222", muted: "#555555", grid: "#e6e6e6")
    static let dark = Colors(bg: "#16181d", fg: "#e6e6e6", muted: "#a8adb5", grid: "#33373f")

    struct Colors {
        let bg: String, fg: String, muted: String, grid: String
    }

    /// The stylesheet embedded in every chart. `extra` carries rules a chart
    /// kind needs (animation keyframes), already scoped by the caller.
    static func stylesheet(extra: String = "") -> String {
        let font = "var(--tn-chart-font, system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif)"
        // Every selector starts with .tn-chart: an inline SVG's <style> applies
        // to the whole page, so the rules must not reach anything else.
        let base = """
        .tn-chart{font-family:\(font);font-size:\(Format.pixel(tickSize))px}
        .tn-chart text{font-variant-numeric:tabular-nums}
        \(colorRules(light))
        @media (prefers-color-scheme:dark){\(colorRules(dark))}
        .tn-chart .tn-title{font-size:\(Format.pixel(titleSize))px;font-weight:600}
        .tn-chart .tn-label{font-size:\(Format.pixel(labelSize))px}
        .tn-chart .tn-note{font-size:\(Format.pixel(noteSize))px;font-style:italic}
        .tn-chart .tn-halo{paint-order:stroke;stroke-width:3px;stroke-linejoin:round}
        .tn-chart .tn-line{fill:none;stroke-width:2px;stroke-linejoin:round;stroke-linecap:round}
        """
        return extra.isEmpty ? base : base + "\n" + extra
    }

    private static func colorRules(_ colors: Colors) -> String {
        // color drives currentColor, which most strokes and text use.
        ".tn-chart{color:var(--tn-chart-fg,\(colors.fg))}"
            + ".tn-chart .tn-bg{fill:var(--tn-chart-bg,\(colors.bg))}"
            + ".tn-chart text{fill:currentColor}"
            + ".tn-chart .tn-muted{fill:var(--tn-chart-muted,\(colors.muted))}"
            + ".tn-chart .tn-grid{stroke:var(--tn-chart-grid,\(colors.grid))}"
            + ".tn-chart .tn-halo{stroke:var(--tn-chart-halo,var(--tn-chart-bg,\(colors.bg)))}"
            + ".tn-chart .tn-halo-fill{fill:var(--tn-chart-halo,var(--tn-chart-bg,\(colors.bg)))}"
    }
}
