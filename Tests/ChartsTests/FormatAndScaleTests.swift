// Number formatting and axis scales: compact, locale-free numbers and
// "nice" linear and log ticks.
import XCTest
@testable import Charts

final class FormatAndScaleTests: XCTestCase {
    func testFixedRoundsAndTrimsWithoutNegativeZero() {
        XCTAssertEqual(Format.fixed(3.14159, decimals: 2), "3.14")
        XCTAssertEqual(Format.fixed(2.5, decimals: 2), "2.5")
        XCTAssertEqual(Format.fixed(-0.001, decimals: 2), "0")
        XCTAssertEqual(Format.fixed(-12.345, decimals: 1), "-12.3")
        XCTAssertEqual(Format.fixed(0.05, decimals: 2), "0.05")
        XCTAssertEqual(Format.pixel(100), "100")
    }

    func testReadableKeepsFourSignificantDigits() {
        XCTAssertEqual(Format.readable(0.201149), "0.2011")
        XCTAssertEqual(Format.readable(1400), "1400")
        XCTAssertEqual(Format.readable(-2.5), "−2.5")
        XCTAssertEqual(Format.readable(1.5e-7), "1.5·10⁻⁷")
        XCTAssertEqual(Format.readable(4.32e7), "4.32·10⁷")
        XCTAssertEqual(Format.readable(1e-7), "10⁻⁷")
        XCTAssertEqual(Format.readable(.nan), "NaN")
    }

    func testSignificantKeepsTrailingZeros() {
        XCTAssertEqual(Format.significant(0.16, digits: 3), "0.160")
        XCTAssertEqual(Format.significant(0.1764, digits: 3), "0.176")
        XCTAssertEqual(Format.significant(0.0827, digits: 3), "0.0827")
        XCTAssertEqual(Format.significant(0.08619, digits: 3), "0.0862")
        XCTAssertEqual(Format.significant(24, digits: 3), "24.0")
        XCTAssertEqual(Format.significant(1400, digits: 3), "1400")
        XCTAssertEqual(Format.significant(-2.5, digits: 3), "−2.50")
        // Rounding that carries into the next power of ten keeps three digits.
        XCTAssertEqual(Format.significant(0.09996, digits: 3), "0.100")
        XCTAssertEqual(Format.significant(4.32e7, digits: 3), "4.32·10⁷")
        XCTAssertEqual(Format.significant(1e-7, digits: 3), "1.00·10⁻⁷")
        XCTAssertEqual(Format.significant(0, digits: 3), "0")
    }

    func testEscapingMakesTextSafeForXML() {
        XCTAssertEqual(Format.escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;")
    }

    func testLinearTicksAreNiceAndCoverTheData() {
        let scale = Scale(fitting: [0.13, 2.37], kind: .linear, targetTickCount: 6)
        XCTAssertEqual(scale.ticks.map(\.label), ["0", "0.5", "1", "1.5", "2", "2.5"])
        XCTAssertLessThanOrEqual(scale.lower, 0.13)
        XCTAssertGreaterThanOrEqual(scale.upper, 2.37)
        XCTAssertEqual(Scale.niceStep(0.23), 0.5)
        XCTAssertEqual(Scale.niceStep(1.7), 2)
        XCTAssertEqual(Scale.niceStep(7), 10)
    }

    func testLogTicksAreDecadesWithTwoAndFiveOnShortRanges() {
        let short = Scale(fitting: [0.15, 0.9], kind: .log)
        XCTAssertEqual(short.ticks.filter(\.isMajor).map(\.label), ["0.1", "0.2", "0.5", "1"])
        let long = Scale(fitting: [1, 1400], kind: .log)
        XCTAssertEqual(long.ticks.filter(\.isMajor).map(\.label), ["1", "10", "100", "1000", "10000"])
        // Minor ticks mark 2…9 inside each decade.
        XCTAssertEqual(long.ticks.filter { !$0.isMajor }.count, 4 * 8)
        let huge = Scale(fitting: [1e-12, 1], kind: .log)
        XCTAssertLessThanOrEqual(huge.ticks.filter(\.isMajor).count, 9, "labels thin out over many decades")
        XCTAssertTrue(huge.ticks.contains { $0.label == "10⁻¹²" })
    }

    func testALogAxisUsesOneStyleForAllItsLabels() {
        // Within 0.001…10000 every label is a plain number.
        let plain = Scale(fitting: [0.002, 700], kind: .log)
        XCTAssertEqual(plain.ticks.filter(\.isMajor).map(\.label), ["0.001", "0.01", "0.1", "1", "10", "100", "1000"])
        // Beyond it, every label is a power of ten: no "10000" beside "10⁵",
        // no "0.01" beside "10⁻⁶".
        let wide = Scale(fitting: [3e-7, 4.3e7], kind: .log)
        XCTAssertEqual(wide.ticks.filter(\.isMajor).map(\.label),
                       ["10⁻⁷", "10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²", "10³", "10⁴", "10⁵", "10⁶", "10⁷", "10⁸"]
                        .enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        let batchSizes = Scale(fitting: [1, 20_000], kind: .log)
        XCTAssertEqual(batchSizes.ticks.filter(\.isMajor).map(\.label), ["10⁰", "10¹", "10²", "10³", "10⁴", "10⁵"])
        // Short ranges label 2 and 5 in the same style as the decades.
        let small = Scale(fitting: [1.5e-5, 9e-4], kind: .log)
        XCTAssertEqual(small.ticks.filter(\.isMajor).map(\.label), ["10⁻⁵", "2·10⁻⁵", "5·10⁻⁵", "10⁻⁴", "2·10⁻⁴", "5·10⁻⁴", "10⁻³"])
        for scale in [plain, wide, batchSizes, small] {
            XCTAssertFalse(scale.ticks.contains { $0.label.contains("e") }, "no e notation")
        }
    }

    func testLinearTicksNeverUseENotation() {
        let large = Scale(fitting: [0, 1.4e6], kind: .linear)
        XCTAssertEqual(large.ticks.map(\.label), ["0", "0.5·10⁶", "1·10⁶", "1.5·10⁶"])
        let tiny = Scale(fitting: [0, 4e-5], kind: .linear, targetTickCount: 5)
        XCTAssertEqual(tiny.ticks.map(\.label), ["0", "1·10⁻⁵", "2·10⁻⁵", "3·10⁻⁵", "4·10⁻⁵"])
        let ordinary = Scale(fitting: [0, 0.0004], kind: .linear, targetTickCount: 5)
        XCTAssertEqual(ordinary.ticks.map(\.label), ["0", "0.0001", "0.0002", "0.0003", "0.0004"])
    }

    func testDegenerateDomainsStillGiveATickedAxis() {
        let equal = Scale(fitting: [3, 3, 3], kind: .linear)
        XCTAssertLessThan(equal.lower, 3)
        XCTAssertGreaterThan(equal.upper, 3)
        let empty = Scale(fitting: [], kind: .log)
        XCTAssertLessThan(empty.lower, empty.upper)
        let negativeOnly = Scale(fitting: [-1, -5], kind: .log)
        XCTAssertGreaterThan(negativeOnly.lower, 0)
    }

    func testPositionsMapDomainToRange() {
        var scale = Scale(fitting: [1, 100], kind: .log)
        scale.rangeStart = 0
        scale.rangeEnd = 200
        XCTAssertEqual(scale.position(10)!, 100, accuracy: 1e-9)
        XCTAssertNil(scale.position(-1))
        XCTAssertNil(scale.position(.nan))
    }

    func testCSVQuotesOnlyWhenNeeded() {
        var table = CSVTable(header: ["name", "value"])
        table.append([CSVField.text("a, \"b\""), .number(0.5)])
        XCTAssertEqual(table.text, "name,value\n\"a, \"\"b\"\"\",0.5\n")
    }
}
