// Turns an executable block and its result into HTML: the code (unless
// echo: false), printed text, figures with numbers, captions and provenance,
// tables, values, and the error when the block failed. Everything a block
// produced is escaped, except chart SVG, which is inlined after sanitising
// so that charts can follow the theme's CSS variables.
import Foundation
import NotebookRuntime

/// A numbered figure, for cross-references (`@fig-ID`).
struct FigureReference {
    var label: String
    var anchor: String
    var page: String
}

struct BlockRenderer {
    var chapterNumber: String
    var quick: Bool
    /// Where CSV files of charts go, relative to the site root.
    var dataFolder: String
    /// Relative path from the page to the site root ("" or "../").
    var rootPrefix: String

    /// A figure-level counter shared across the chapter's blocks.
    final class Counter {
        var figures = 0
        var files: [(path: String, contents: String)] = []
        var references: [String: FigureReference] = [:]
    }

    func render(block: ExecutableBlock, result: BlockResult?, note: String?, page: String, counter: Counter) -> String {
        var html = "<div class=\"block\" id=\"block-\(HTMLText.escape(block.id))\">\n"
        if block.options.echo {
            let kind = block.options.setup ? " setup" : ""
            let code = SyntaxHighlighter.html(block.code, language: "swift") ?? HTMLText.escape(block.code)
            html += "<pre class=\"block-code\(kind)\"><code class=\"language-swift\">\(code)</code></pre>\n"
        }
        if let note {
            html += "<p class=\"block-note\">\(HTMLText.escape(note))</p>\n"
        }
        guard let result else { return html + "</div>\n" }
        if block.options.output {
            html += renderOutputs(block: block, result: result, page: page, counter: counter)
        }
        if !result.succeeded {
            let expected = block.options.errorExpected
            html += "<div class=\"block-error\(expected ? " expected" : "")\">"
            html += "<p class=\"block-error-title\">\(expected ? "This block fails, as expected" : "This block failed")</p>"
            html += "<pre>\(HTMLText.escape(result.message ?? result.status.words))</pre></div>\n"
        }
        return html + "</div>\n"
    }

    private func renderOutputs(block: ExecutableBlock, result: BlockResult, page: String, counter: Counter) -> String {
        var html = ""
        if !result.stdout.isEmpty {
            html += "<pre class=\"block-stdout\">\(HTMLText.escape(result.stdout))</pre>\n"
            if result.stdoutBytes > result.stdout.utf8.count {
                html += "<p class=\"block-notice\">Output truncated: the block printed \(result.stdoutBytes) bytes; the first \(result.stdout.utf8.count) are shown.</p>\n"
            }
        }
        var chartIndex = 0
        for record in result.outputs {
            switch record.kind {
            case .chart:
                counter.figures += 1
                chartIndex += 1
                let label = "Figure \(chapterNumber).\(counter.figures)"
                // The block's id names its first figure; later ones add their number.
                let prefix = block.id.hasPrefix("fig-") ? block.id : "fig-\(block.id)"
                let anchor = chartIndex == 1 && block.id.hasPrefix("fig-") ? block.id : "\(prefix)-\(chartIndex)"
                if counter.references[anchor] == nil {
                    counter.references[anchor] = FigureReference(label: label, anchor: anchor, page: page)
                }
                let csvPath = "\(dataFolder)/\(block.id)-\(chartIndex).csv"
                counter.files.append((csvPath, record.csv ?? ""))
                let caption = record.caption ?? block.options.caption ?? record.title ?? ""
                let panels = record.panels ?? []
                // A figure wider than the text column may use the width beside it.
                let wide = !panels.isEmpty && Self.declaredWidth(of: record.svg ?? "") > Self.textColumnPixels
                html += "<figure class=\"chart\(quick ? " quick" : "")\(wide ? " wide" : "")\" id=\"\(HTMLText.escape(anchor))\">\n"
                if result.scale == "quick" {
                    html += "<p class=\"quick-badge\">Quick run: fewer epochs than the real experiment</p>\n"
                }
                if panels.isEmpty {
                    html += "<div class=\"chart-svg\(record.narrowSVG == nil ? "" : " has-narrow")\">"
                        + Self.chartDrawings(record.svg ?? "", narrow: record.narrowSVG) + "</div>\n"
                } else {
                    // Each panel at most its own width, side by side where they fit.
                    if let title = record.title, !title.isEmpty {
                        html += "<p class=\"chart-title\">\(HTMLText.escape(title))</p>\n"
                    }
                    // Columns no narrower than the narrowest panel needs, so small
                    // panels stay side by side; with the figure's column count,
                    // that many to a row where each gets at least 15rem, so that
                    // the author's rows (a head's time steps, say) stay rows.
                    let narrowest = panels.map(Self.declaredWidth).filter { $0 > 0 }.min()
                    var properties = narrowest.map { ["--panel-min: min(22rem, \(Int($0.rounded(.up)))px)"] } ?? []
                    let count = record.columns.flatMap { $0 > 0 ? $0 : nil }
                    if let count { properties.append("--panel-columns: \(count)") }
                    let style = properties.isEmpty ? "" : " style=\"\(properties.joined(separator: "; "))\""
                    let counted = count != nil ? " counted" : ""
                    html += "<div class=\"chart-panels\(counted)\"\(style)>"
                    for (index, panel) in panels.enumerated() {
                        let width = Self.declaredWidth(of: panel)
                        let style = width > 0 ? " style=\"max-width: \(Int(width.rounded(.up)))px\"" : ""
                        let narrow = record.narrowPanels.flatMap { index < $0.count ? $0[index] : nil }
                        html += "<div class=\"chart-svg chart-panel\(narrow == nil ? "" : " has-narrow")\"\(style)>"
                            + Self.chartDrawings(panel, narrow: narrow) + "</div>"
                    }
                    html += "</div>\n"
                }
                html += "<figcaption><span class=\"figure-label\">\(label)</span> \(HTMLText.escape(caption))</figcaption>\n"
                html += "<p class=\"provenance\">\(provenance(result)) · <a href=\"\(rootPrefix)\(csvPath)\" download>data (CSV)</a></p>\n"
                html += "</figure>\n"
            case .table:
                html += "<div class=\"table-wrap\"><table class=\"output-table\">"
                if let caption = record.caption { html += "<caption>\(HTMLText.escape(caption))</caption>" }
                html += "<thead><tr>" + (record.header ?? []).map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
                for row in record.rows ?? [] {
                    html += "<tr>" + row.map { "<td>\(HTMLText.escape(Self.typesetNumber($0)))</td>" }.joined() + "</tr>"
                }
                html += "</tbody></table></div>\n"
            case .value:
                html += "<p class=\"output-value\"><span class=\"value-name\">\(HTMLText.escape(record.name ?? ""))</span> = <span class=\"value\">\(HTMLText.escape(record.value ?? ""))</span></p>\n"
            case .error:
                break
            }
        }
        if let notice = result.outputNotice {
            html += "<p class=\"block-notice\">\(HTMLText.escape(notice))</p>\n"
        }
        return html
    }

    /// A table cell as the prose writes numbers: a negative number with a
    /// minus sign (U+2212) instead of a hyphen, and a value that rounded to
    /// zero without its sign ("-0.0000" is 0.0000). Other cells are unchanged.
    static func typesetNumber(_ cell: String) -> String {
        // A list of numbers ("0.85, -1.32, -0.00"): each of them.
        let items = cell.components(separatedBy: ", ")
        if items.count > 1, items.allSatisfy({ Double($0.trimmingCharacters(in: .whitespaces)) != nil }) {
            return items.map(typesetNumber).joined(separator: ", ")
        }
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("-"), let value = Double(trimmed), value.isFinite else { return cell }
        return value == 0 ? String(trimmed.dropFirst()) : "\u{2212}" + trimmed.dropFirst()
    }

    /// The text column's width in CSS pixels (SiteStyle's --content-width).
    static let textColumnPixels = Double(16 * SiteStyle.contentWidthRem)

    /// The width an SVG's root element declares, 0 if none.
    /// A chart's drawing, inlined; with a narrow layout, both, each in its
    /// own box, and the site's stylesheet shows the one that suits the
    /// screen (`.has-narrow`).
    static func chartDrawings(_ svg: String, narrow: String?) -> String {
        guard let narrow else { return HTMLText.inlineSVG(svg) }
        return "<div class=\"chart-wide\">\(HTMLText.inlineSVG(svg))</div><div class=\"chart-narrow\">\(HTMLText.inlineSVG(narrow))</div>"
    }

    static func declaredWidth(of svg: String) -> Double {
        guard let root = svg.range(of: "<svg"),
              let attribute = svg[root.upperBound...].range(of: " width=\"") else { return 0 }
        return Double(svg[attribute.upperBound...].prefix { $0 != "\"" }) ?? 0
    }

    /// Backend and device, seed, time taken, quick or full.
    func provenance(_ result: BlockResult) -> String {
        let time = result.seconds < 10 ? String(format: "%.2f s", result.seconds) : String(format: "%.0f s", result.seconds)
        let scale = result.scale == "quick" ? "<strong>quick run</strong>" : "full scale"
        return "\(HTMLText.escape(result.backend)) on \(HTMLText.escape(result.device)) · seed \(result.seed) · \(time) · \(scale)"
    }
}
