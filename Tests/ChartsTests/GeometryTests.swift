// Marching squares and the PNG writer, checked against known answers.
import Foundation
import XCTest
@testable import Charts

final class GeometryTests: XCTestCase {
    func testMarchingSquaresTracesAClosedCircle() {
        let grid = ValueGrid(x: -2...2, y: -2...2, resolution: 41) { x, y in x * x + y * y }
        let lines = MarchingSquares.lines(grid, level: 1)
        XCTAssertEqual(lines.count, 1, "one joined loop, not loose segments")
        let loop = lines[0]
        XCTAssertGreaterThan(loop.count, 20)
        XCTAssertEqual(loop.first!.x, loop.last!.x, accuracy: 1e-12)
        XCTAssertEqual(loop.first!.y, loop.last!.y, accuracy: 1e-12)
        for point in loop {
            XCTAssertEqual(hypot(point.x, point.y), 1, accuracy: 0.01)
        }
    }

    func testMarchingSquaresSkipsCellsWithBadValues() {
        let grid = ValueGrid(x: 0...1, y: 0...1, resolution: 11) { x, _ in x > 0.45 && x < 0.55 ? .nan : x }
        let lines = MarchingSquares.lines(grid, level: 0.5)
        XCTAssertTrue(lines.isEmpty, "the only crossing lies in cells with NaN corners")
        XCTAssertEqual(MarchingSquares.lines(grid, level: 0.75).count, 1)
    }

    func testPNGChecksumsMatchKnownValues() {
        // Reference values of the standard CRC-32 and Adler-32 for "123456789".
        XCTAssertEqual(PNGImage.crc32(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(PNGImage.adler32(Array("123456789".utf8)), 0x091E_01DE)
    }

    func testStoredZlibStreamRoundTripsThroughFoundationFreeInflate() {
        // A stored stream is header, blocks of raw bytes and a checksum; read it back.
        let payload = Data((0..<70_000).map { UInt8($0 % 251) })
        let stream = [UInt8](PNGImage.zlibStored(payload))
        var offset = 2, output: [UInt8] = []
        while true {
            let final = stream[offset] & 1
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            output += stream[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
            if final == 1 { break }
        }
        XCTAssertEqual(Data(output), payload)
        XCTAssertEqual(offset + 4, stream.count)
    }
}
