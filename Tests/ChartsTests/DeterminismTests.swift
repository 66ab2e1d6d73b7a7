// Same data, same bytes: output must not depend on hashing seeds, dictionary
// order or the locale, and files must stay small.
import XCTest
@testable import Charts

final class DeterminismTests: XCTestCase {
    func testEverySampleRendersIdenticallyTwice() {
        for (first, second) in zip(ChartGallery.samples(), ChartGallery.samples()) {
            XCTAssertEqual(first.chart.svg(), second.chart.svg(), first.name)
            XCTAssertEqual(first.chart.csv(), second.chart.csv(), first.name)
        }
    }

    func testHundredEpochSevenSeriesChartStaysUnderFortyKilobytes() {
        let series = (0..<7).map { index -> LineSeries in
            let scale = Double(10 + index * 5), offset = 0.123456789 * Double(index)
            let values: [Double] = (1...100).map { epoch in 2 * exp(-Double(epoch) / scale) + offset }
            return LineSeries(name: "run \(index)", y: values)
        }
        let svg = LineChart(title: "Seven runs", xLabel: "Epoch", yLabel: "Loss", series: series, legendShowsFinalValue: true).svg()
        XCTAssertLessThan(svg.utf8.count, 40_000)
        // Coordinates carry at most two decimals.
        let longDecimals = try! NSRegularExpression(pattern: "\\.[0-9]{3,}")
        let d = SVGInspection.parse(svg).all("path").compactMap { $0.attributes["d"] }.joined()
        XCTAssertEqual(longDecimals.numberOfMatches(in: d, range: NSRange(d.startIndex..., in: d)), 0)
    }

    func testIdsDifferBetweenChartsSoTheyCanShareAPage() {
        let a = ContourChart(title: "A", x: 0...1, y: 0...1, resolution: 5, function: { $0 + $1 })
        let b = ContourChart(title: "B", x: 0...1, y: 0...1, resolution: 5, function: { $0 + $1 })
        let idsA = Set(SVGInspection.parse(a.svg()).elements.compactMap { $0.attributes["id"] })
        let idsB = Set(SVGInspection.parse(b.svg()).elements.compactMap { $0.attributes["id"] })
        XCTAssertFalse(idsA.isEmpty)
        XCTAssertTrue(idsA.isDisjoint(with: idsB))
    }
}
