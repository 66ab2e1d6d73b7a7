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
        XCTAssertEqual(Format.readable(1.5e-7), "1.5e−7")
        XCTAssertEqual(Format.readable(.nan), "NaN")
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
