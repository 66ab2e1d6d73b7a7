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
            Sample(name: "bar-training-time", chart: SampleData.trainingTimes()),
            Sample(name: "contour-rosenbrock", chart: SampleData.rosenbrock()),
            Sample(name: "contour-rosenbrock-animated", chart: AnimatedContourChart(SampleData.rosenbrock(), duration: 6)),
            Sample(name: "heatmap-confusion", chart: SampleData.confusionMatrix()),
            Sample(name: "heatmap-attention", chart: SampleData.attention()),
            Sample(name: "surface-loss-landscape", chart: SampleData.surface()),
            Sample(name: "images-mnist-digits", chart: SampleData.digits()),
            Sample(name: "network-mlp", chart: NetworkDiagram(title: "The 784-512-512-512-10 network", sizes: [784, 512, 512, 512, 10])),
            Sample(name: "figure-attention-heads", chart: SampleData.attentionHeads()),
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
        figcaption{font-size:13px;opacity:.75;margin-top:4px}
        .light a{color:#0b5cad}
        .dark a{color:#8cb8ff}
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

    static func trainingTimes() -> BarChart {
        BarChart(
            title: "Training time per run", yLabel: "Seconds (log scale)",
            categories: ["Logistic", "MLP 1×128", "MLP 3×512", "CNN small", "CNN wide"],
            series: [
                BarSeries(name: "1 core", values: [1.2, 14.5, 212, 640, 1_400]),
                BarSeries(name: "8 cores", values: [0.9, 4.1, 38.6, 121, 260]),
            ],
            yScale: .log, valueSuffix: " s")
    }

    static func rosenbrockFunction(_ x: Double, _ y: Double) -> Double {
        (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    }

    static func rosenbrockGradient(_ x: Double, _ y: Double) -> (Double, Double) {
        (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))
    }

    /// Three optimizers from the same start, as the optimizer chapter runs them.
    static func rosenbrockTrajectories() -> [ContourPath] {
        let start = (x: -1.5, y: 2.0)
        var sgd = [start], momentum = [start], adam = [start]
        var velocity = (0.0, 0.0)
        var firstMoment = (0.0, 0.0), secondMoment = (0.0, 0.0)
        for step in 1...300 {
            var p = sgd.last!
            var g = rosenbrockGradient(p.x, p.y)
            sgd.append((p.x - 0.001 * g.0, p.y - 0.001 * g.1))

            p = momentum.last!
            g = rosenbrockGradient(p.x, p.y)
            velocity = (0.9 * velocity.0 - 0.0005 * g.0, 0.9 * velocity.1 - 0.0005 * g.1)
            momentum.append((p.x + velocity.0, p.y + velocity.1))

            p = adam.last!
            g = rosenbrockGradient(p.x, p.y)
            firstMoment = (0.9 * firstMoment.0 + 0.1 * g.0, 0.9 * firstMoment.1 + 0.1 * g.1)
            secondMoment = (0.999 * secondMoment.0 + 0.001 * g.0 * g.0, 0.999 * secondMoment.1 + 0.001 * g.1 * g.1)
            let correction1 = 1 - pow(0.9, Double(step)), correction2 = 1 - pow(0.999, Double(step))
            adam.append((p.x - 0.1 * (firstMoment.0 / correction1) / (sqrt(secondMoment.0 / correction2) + 1e-8),
                         p.y - 0.1 * (firstMoment.1 / correction1) / (sqrt(secondMoment.1 / correction2) + 1e-8)))
        }
        return [
            ContourPath(name: "SGD (lr 0.001)", points: sgd),
            ContourPath(name: "Momentum (lr 5e-4, β 0.9)", points: momentum),
            ContourPath(name: "Adam (lr 0.1)", points: adam),
        ]
    }

    static func rosenbrock() -> ContourChart {
        ContourChart(
            title: "Three optimizers on the Rosenbrock function",
            x: -2...2, y: -1...3, resolution: 72, function: rosenbrockFunction,
            trajectories: rosenbrockTrajectories(), minimum: (1, 1))
    }

    static func confusionMatrix() -> Heatmap {
        var noise = Noise(state: 3)
        let digits = (0...9).map(String.init)
        let counts = (0..<10).map { truth in
            (0..<10).map { guess -> Double in
                truth == guess ? Double(Int(960 + 30 * noise.next())) : Double(Int(max(0, 6 + 14 * noise.next())))
            }
        }
        return Heatmap(title: "Confusion matrix, test set", values: counts, rowLabels: digits, columnLabels: digits,
                       xLabel: "Predicted digit", yLabel: "True digit", colorMap: .blues, showsValues: true)
    }

    static func attention() -> Heatmap {
        let tokens = ["The", "cat", "sat", "on", "the", "mat", "."]
        let weights = tokens.indices.map { query -> [Double] in
            let raw = tokens.indices.map { key -> Double in
                key > query ? 0 : exp(-Double(query - key) * 0.6 + (key == 1 ? 1.2 : 0))
            }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
        return Heatmap(title: "Attention weights, head 1", values: weights, rowLabels: tokens, columnLabels: tokens,
                       xLabel: "Key", yLabel: "Query", range: 0...1, showsValues: true)
    }

    static func surface() -> SurfaceChart {
        // Two valleys and a ridge: the kind of landscape the loss chapter shows.
        let grid = ValueGrid(x: -3...3, y: -3...3, resolution: 36) { x, y in
            0.6 * (x * x + y * y) / 4 - 1.4 * exp(-((x - 1) * (x - 1) + (y - 0.8) * (y - 0.8))) - 0.9 * exp(-((x + 1.4) * (x + 1.4) + (y + 1) * (y + 1)) / 0.7) + 2
        }
        return SurfaceChart(title: "A loss landscape with two minima", grid: grid, xLabel: "w₁", yLabel: "w₂", zLabel: "loss")
    }

    /// Digit-like images drawn from seven-segment strokes, blurred: no
    /// dataset is needed to show what the real grid looks like.
    static func digits() -> ImageGrid {
        // Segments: top, upper right, lower right, bottom, lower left, upper left, middle.
        let segments: [[Int]] = [[0, 1, 2, 3, 4, 5], [1, 2], [0, 1, 6, 4, 3], [0, 1, 6, 2, 3], [5, 6, 1, 2],
                                 [0, 5, 6, 2, 3], [0, 5, 4, 3, 2, 6], [0, 1, 2], [0, 1, 2, 3, 4, 5, 6], [6, 5, 0, 1, 2, 3]]
        let ends: [((Double, Double), (Double, Double))] = [
            ((9, 5), (19, 5)), ((19, 5), (19, 14)), ((19, 14), (19, 23)), ((9, 23), (19, 23)),
            ((9, 14), (9, 23)), ((9, 5), (9, 14)), ((9, 14), (19, 14)),
        ]
        var noise = Noise(state: 5)
        let labels = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5]
        let images = labels.enumerated().map { index, digit -> GrayImage in
            let slant = 0.25 * noise.next()
            var pixels = [Double](repeating: 0, count: 28 * 28)
            for row in 0..<28 {
                for column in 0..<28 {
                    var nearest = Double.infinity
                    for segment in segments[digit] {
                        let ((x0, y0), (x1, y1)) = ends[segment]
                        let px = Double(column) + slant * (Double(row) - 14), py = Double(row)
                        let dx = x1 - x0, dy = y1 - y0
                        let t = max(0, min(1, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
                        nearest = min(nearest, hypot(px - (x0 + t * dx), py - (y0 + t * dy)))
                    }
                    pixels[row * 28 + column] = max(0, min(1, 1.6 - nearest * 0.75))
                }
            }
            let predicted = index == 8 ? "6" : String(digit)
            return GrayImage(width: 28, height: 28, pixels: pixels, label: predicted == String(digit) ? predicted : "\(digit) → \(predicted)")
        }
        return ImageGrid(title: "Test digits and predictions", images: images, columns: 8)
    }

    static func attentionHeads() -> Figure {
        let tokens = ["I", "saw", "a", "cat"]
        var charts: [any Chart] = []
        for head in 0..<2 {
            for layer in 0..<3 {
                let weights = tokens.indices.map { query -> [Double] in
                    let raw = tokens.indices.map { key -> Double in
                        key > query ? 0 : exp(-abs(Double(query - key - head)) * Double(layer + 1) * 0.7)
                    }
                    let sum = raw.reduce(0, +)
                    return raw.map { $0 / sum }
                }
                charts.append(Heatmap(title: "Head \(head + 1), layer \(layer + 1)", values: weights, rowLabels: tokens,
                                      columnLabels: tokens, range: 0...1, width: 260, height: 220))
            }
        }
        return Figure(title: "Attention by head (rows) and layer (columns)", charts: charts, columns: 3)
    }
}
