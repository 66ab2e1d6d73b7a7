// Training progress for people: a progress bar with epoch, step, loss and ETA
// on a terminal, one line per epoch when stderr is a pipe that someone relays
// (the notebook runner), nothing otherwise.
import Foundation

public final class TrainingProgress {
    public enum Style: String, Sendable {
        case bar, lines, off

        /// `TN_PROGRESS` when set, else a bar on a terminal and nothing elsewhere.
        public static var automatic: Style {
            if let value = ProcessInfo.processInfo.environment["TN_PROGRESS"], let style = Style(rawValue: value) {
                return style
            }
            return isatty(2) == 1 ? .bar : .off
        }
    }

    public let style: Style
    public let totalEpochs: Int
    public let label: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var stepsDone = 0

    public init(style: Style = .automatic, totalEpochs: Int, label: String = "train") {
        self.style = style
        self.totalEpochs = totalEpochs
        self.label = label
    }

    /// Feed this to `Trainer.fit(observer:)`.
    public func handle(_ event: TrainingEvent) {
        switch (style, event) {
        case (.off, _):
            return
        case let (.bar, .step(epoch, step, stepsInEpoch, loss)):
            stepsDone += 1
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 || step == stepsInEpoch else { return }
            lastDraw = now
            let done = Double(epoch - 1) + Double(step) / Double(stepsInEpoch)
            let elapsed = now.timeIntervalSince(start)
            let remaining = done > 0 ? elapsed / done * (Double(totalEpochs) - done) : 0
            let width = 24
            let filled = min(width, Int(done / Double(max(totalEpochs, 1)) * Double(width)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r\(label) \(bar) epoch \(epoch)/\(totalEpochs) step \(step)/\(stepsInEpoch) loss \(String(format: "%.4f", loss)) ETA \(Self.duration(remaining))\u{1B}[K")
        case let (.bar, .epochEnded(metrics)) where metrics.epoch == totalEpochs:
            write("\r\(label) done: \(totalEpochs) epochs in \(Self.duration(Date().timeIntervalSince(start))), train loss \(String(format: "%.4f", metrics.trainLoss))\u{1B}[K\n")
        case let (.lines, .epochEnded(metrics)):
            var line = "\(label) epoch \(metrics.epoch)/\(totalEpochs) train_loss \(String(format: "%.4f", metrics.trainLoss))"
            if let testLoss = metrics.testLoss { line += " test_loss \(String(format: "%.4f", testLoss))" }
            line += " (\(String(format: "%.2f", metrics.seconds)) s)\n"
            write(line)
        case let (_, .diverged(divergence)):
            write(style == .bar ? "\r\(label) \(divergence)\u{1B}[K\n" : "\(label) \(divergence)\n")
        default:
            return
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
