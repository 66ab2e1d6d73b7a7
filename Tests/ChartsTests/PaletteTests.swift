import XCTest
@testable import Charts

final class PaletteTests: XCTestCase {
    func testPaletteCyclesAndHandlesNegativeIndices() {
        XCTAssertEqual(Palette.color(0), "#0072B2")
        XCTAssertEqual(Palette.color(Palette.okabeIto.count), Palette.color(0))
        XCTAssertEqual(Palette.color(-1), Palette.okabeIto.last)
        XCTAssertEqual(Set(Palette.okabeIto).count, Palette.okabeIto.count)
    }
}
