// The chart gallery: every chart kind drawn from sample data, and an HTML
// page showing them in light and dark themes. `tn charts-gallery` writes it,
// and the rendering tests draw the same samples in headless Chromium.
import Foundation

public enum ChartGallery {
    /// One sample chart with a file-friendly name.
    public struct Sample {
        public let name: String
        public let chart: any Chart
    }

    /// Every chart kind, with data shaped like the tutorial's.
    public static func samples() -> [Sample] {
        [
            Sample(name: "line-training-loss", chart: SampleData.trainingLoss()),
            Sample(name: "line-log-divergence", chart: SampleData.learningRates()),
        ]
    }

    /// Writes each sample as SVG and CSV, plus index.html, into `directory`.
    /// Returns the files written, relative to `directory`.
    @discardableResult
    public static func write(to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [String] = []
        let all = samples()
        for sample in all {
            try sample.chart.svg().write(to: directory.appendingPathComponent(sample.name + ".svg"), atomically: true, encoding: .utf8)
            try sample.chart.csv().write(to: directory.appendingPathComponent(sample.name + ".csv"), atomically: true, encoding: .utf8)
            written += [sample.name + ".svg", sample.name + ".csv"]
        }
        try html(all).write(to: directory.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        written.append("index.html")
        return written
    }

    /// A page with every sample inline twice: once in the light theme and
    /// once with the dark theme's custom properties set by the page.
    public static func html(_ samples: [Sample]) -> String {
        let dark = Theme.dark
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Teaching Networks: chart gallery</title>
        <style>
        body{margin:0;font-family:system-ui,sans-serif}
        section{padding:24px 32px}
        section h2{margin:0 0 16px;font-weight:600}
        .light{background:#ffffff;color:#222}
        .dark{background:\(dark.bg);color:\(dark.fg);--tn-chart-bg:\(dark.bg);--tn-chart-fg:\(dark.fg);--tn-chart-muted:\(dark.muted);--tn-chart-grid:\(dark.grid)}
        figure{display:inline-block;margin:0 24px 24px 0;vertical-align:top}
        figcaption{font-size:13px;opacity:.7;margin-top:4px}
        figure svg{max-width:100%;height:auto}
        </style></head><body>

        """
        for (theme, heading) in [("light", "Light theme"), ("dark", "Dark theme")] {
            page += "<section class=\"\(theme)\"><h2>\(heading)</h2>\n"
            for sample in samples {
                page += "<figure id=\"\(theme)-\(sample.name)\">\n\(sample.chart.svg())<figcaption><a href=\"\(sample.name).svg\">\(sample.name).svg</a> · <a href=\"\(sample.name).csv\">CSV</a></figcaption></figure>\n"
            }
            page += "</section>\n"
        }
        page += "</body></html>\n"
        return page
    }
}

/// Sample data for the gallery, synthetic but shaped like the real thing.
enum SampleData {
    /// A small deterministic generator (an LCG), so samples never change.
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    static func trainingLoss() -> LineChart {
        var noise = Noise(state: 7)
        let epochs = Array(1...100).map(Double.init)
        let training = epochs.map { 2.2 * exp(-$0 / 18) + 0.19 + 0.02 * noise.next() }
        let validation = epochs.map { 2.2 * exp(-$0 / 20) + 0.24 + 0.0006 * max(0, $0 - 55) + 0.03 * noise.next() }
        return LineChart(
            title: "Training a 784-512-512-512-10 network on MNIST",
            xLabel: "Epoch", yLabel: "Cross-entropy loss",
            series: [
                LineSeries(name: "Training Loss", x: epochs, y: training),
                LineSeries(name: "Validation Loss", x: epochs, y: validation, dash: .dashed),
            ],
            legendShowsFinalValue: true)
    }

    static func learningRates() -> LineChart {
        var noise = Noise(state: 11)
        let rates = [0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0]
        let epochs = Array(1...100).map(Double.init)
        let series = rates.enumerated().map { index, rate -> LineSeries in
            let values = epochs.map { epoch -> Double in
                if rate >= 2 && epoch > (rate == 2 ? 34 : 12) { return .nan }
                let speed = min(rate, 0.5) * 40
                let floor = rate >= 1 ? 0.4 : 0.05
                return (2.3 * exp(-epoch * speed / 100) + floor) * (1 + 0.08 * noise.next())
            }
            return LineSeries(name: "lr = \(Format.readable(rate))", x: epochs, y: values,
                              dash: DashStyle.allCases[index % DashStyle.allCases.count])
        }
        return LineChart(
            title: "Loss for seven learning rates", xLabel: "Epoch", yLabel: "Loss (log scale)",
            series: series, yScale: .log,
            events: [ChartEvent(x: 12, label: "lr = 5 diverged here", series: "lr = 5")],
            legendShowsFinalValue: true)
    }
}
