// Axis scales: mapping data values to pixels, and choosing "nice" ticks.
// Linear axes use steps of 1, 2 or 5 × 10^k; log axes use decades, with
// 2 and 5 labelled in between when the range is short.
import Foundation

/// How an axis maps values to positions.
public enum AxisScale: Equatable, Sendable {
    case linear
    /// Base-10 logarithmic; values ≤ 0 cannot be shown and are skipped.
    case log
}

/// One tick on an axis.
struct Tick: Equatable {
    let value: Double
    /// Empty for minor ticks, which get a mark but no label.
    let label: String
    var isMajor: Bool { !label.isEmpty }
}

/// A scale fitted to data, with its ticks, mapping to a pixel range.
struct Scale {
    let kind: AxisScale
    /// The domain after rounding out to ticks.
    let lower: Double
    let upper: Double
    let ticks: [Tick]
    /// Pixel positions of `lower` and `upper` (upper may be smaller: y axes).
    var rangeStart: Double = 0
    var rangeEnd: Double = 1

    /// Fits a scale to `values`, ignoring those the scale cannot show.
    /// `include` forces values into the domain (bars start at zero).
    init(fitting values: [Double], kind: AxisScale, include: [Double] = [], targetTickCount: Int = 6, nice: Bool = true) {
        self.kind = kind
        let usable = (values + include).filter { $0.isFinite && (kind == .linear || $0 > 0) }
        switch kind {
        case .linear:
            var low = usable.min() ?? 0
            var high = usable.max() ?? 1
            if low == high {
                // All-equal data: open a window around the value so the line
                // sits in the middle instead of on the frame.
                let pad = low == 0 ? 1 : abs(low) * 0.5
                low -= pad
                high += pad
            }
            let step = Scale.niceStep((high - low) / Double(max(1, targetTickCount - 1)))
            if nice {
                low = (low / step).rounded(.down) * step
                high = (high / step).rounded(.up) * step
            }
            self.lower = low
            self.upper = high
            self.ticks = Scale.linearTicks(lower: low, upper: high, step: step)
        case .log:
            var lowExponent = floor(log10(usable.min() ?? 1) + 1e-9)
            var highExponent = ceil(log10(usable.max() ?? 10) - 1e-9)
            if lowExponent >= highExponent {
                // One value, or all values equal to a power of ten.
                lowExponent -= highExponent == lowExponent ? 1 : 0
                highExponent = lowExponent + 1
            }
            self.lower = pow(10, lowExponent)
            self.upper = pow(10, highExponent)
            self.ticks = Scale.logTicks(lowExponent: Int(lowExponent), highExponent: Int(highExponent))
        }
    }

    /// A scale with an explicit domain (colour bars, fixed axes).
    init(lower: Double, upper: Double, kind: AxisScale, targetTickCount: Int = 5) {
        self.kind = kind
        self.lower = lower
        self.upper = upper
        switch kind {
        case .linear:
            let step = Scale.niceStep((upper - lower) / Double(max(1, targetTickCount - 1)))
            self.ticks = Scale.linearTicks(lower: lower, upper: upper, step: step)
        case .log:
            let lowExponent = Int(ceil(log10(lower) - 1e-9))
            let highExponent = Int(floor(log10(upper) + 1e-9))
            self.ticks = Scale.logTicks(lowExponent: lowExponent, highExponent: highExponent)
                .filter { $0.value >= lower * (1 - 1e-9) && $0.value <= upper * (1 + 1e-9) }
        }
    }

    /// Pixel position of `value`, or nil where the scale cannot show it.
    func position(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        let fraction: Double
        switch kind {
        case .linear:
            fraction = (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            fraction = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return rangeStart + fraction * (rangeEnd - rangeStart)
    }

    /// Whether `value` can be shown by this kind of scale at all.
    func canShow(_ value: Double) -> Bool {
        value.isFinite && (kind == .linear || value > 0)
    }

    /// The 1, 2 or 5 × 10^k at or above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let exponent = floor(log10(rough))
        let power = pow(10, exponent)
        let fraction = rough / power
        let nice: Double = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10
        return nice * power
    }

    static func linearTicks(lower: Double, upper: Double, step: Double) -> [Tick] {
        guard step > 0, upper > lower else { return [] }
        var values: [Double] = []
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard last - first < 1000 else { return [] }
        var index = first
        while index <= last {
            // Multiply rather than accumulate, so 0.1 + 0.2 drift never shows.
            var value = index * step
            if abs(value) < step * 1e-9 { value = 0 }
            values.append(value)
            index += 1
        }
        // Labelled together, so the whole axis shares one style.
        return zip(values, Format.linearTicks(values, step: step)).map { Tick(value: $0, label: $1) }
    }

    static func logTicks(lowExponent: Int, highExponent: Int) -> [Tick] {
        guard highExponent >= lowExponent else { return [] }
        let decades = highExponent - lowExponent
        // Label every decade while they fit; past ten decades label every
        // other (or every third...) one so labels never crowd.
        let labelEvery = max(1, Int((Double(decades) / 8).rounded(.up)))
        // One style per axis: plain numbers when the whole axis lies within
        // 0.001…10000 (a batch-size axis reads 1, 10, …, 10000), powers of
        // ten for every label otherwise, never a mix such as "10000" next to "10⁵".
        let plain = lowExponent >= -3 && highExponent <= 4
        var ticks: [Tick] = []
        for exponent in lowExponent...highExponent {
            let decade = pow(10, Double(exponent))
            let labelled = (exponent - lowExponent) % labelEvery == 0
            let label = plain ? Format.fixed(decade, decimals: 3) : Format.powerOfTen(exponent)
            ticks.append(Tick(value: decade, label: labelled ? label : ""))
            guard exponent < highExponent, decades <= 6 else { continue }
            for multiple in 2...9 {
                let value = Double(multiple) * decade
                // Short ranges get 2 and 5 labelled; longer ones only marks.
                let labelled = decades <= 2 && (multiple == 2 || multiple == 5)
                let label = plain ? Format.tick(value, step: decade) : "\(multiple)·" + Format.powerOfTen(exponent)
                ticks.append(Tick(value: value, label: labelled ? label : ""))
            }
        }
        return ticks
    }
}
