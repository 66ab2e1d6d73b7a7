// A block that floods stderr: the terminal gets the first 64 KB of its lines
// and then one line saying how many more there were, while the last 64 KB
// are still kept for the error message of a block that fails.
import Foundation
import XCTest
@testable import Notebook

final class StderrRelayTests: XCTestCase {
    func testAFloodIsCutAfterTheFirst64KBWithOneLineSayingSo() {
        let relayed = CollectedLines()
        let collector = StderrCollector { relayed.append($0) }
        let lines = (0..<50_000).map { "line \($0) of a block that writes a lot" }
        for chunk in stride(from: 0, to: lines.count, by: 1000) {
            collector.append(Data((lines[chunk..<min(chunk + 1000, lines.count)].joined(separator: "\n") + "\n").utf8))
        }
        collector.finish()
        let shown = relayed.all
        let bytes = shown.dropLast().reduce(0) { $0 + $1.utf8.count + 1 }
        XCTAssertLessThanOrEqual(bytes, StderrCollector.relayLimit + 100)
        XCTAssertGreaterThan(bytes, StderrCollector.relayLimit - 100)
        XCTAssertEqual(Array(shown.dropLast()), Array(lines.prefix(shown.count - 1)), "the first lines, in order")
        XCTAssertEqual(shown.last, "… \(lines.count - (shown.count - 1)) more lines of stderr not shown (the first 64 KB were)")
        XCTAssertTrue(collector.tail.hasSuffix(lines.last! + "\n"), "the tail keeps the end for error messages")
    }

    func testAQuietBlockIsRelayedWhole() {
        let relayed = CollectedLines()
        let collector = StderrCollector { relayed.append($0) }
        collector.append(Data("epoch 1\nepoch 2\npartial".utf8))
        collector.finish()
        XCTAssertEqual(relayed.all, ["epoch 1", "epoch 2", "partial"])
    }

    /// A progress bar redrawn with \r, and one line far too long: each costs
    /// time in proportion to its size, and neither floods the terminal.
    func testCarriageReturnsEndLinesAndALongLineIsCut() {
        let relayed = CollectedLines()
        let collector = StderrCollector { relayed.append($0) }
        for step in 0..<200_000 { collector.append(Data("\r\(step) ".utf8)) }
        collector.append(Data("\r\nweights: ".utf8) + Data(repeating: UInt8(ascii: "7"), count: 100_000) + Data("\nend\r\n".utf8))
        collector.finish()
        let lines = relayed.all
        XCTAssertEqual(Array(lines.prefix(3)), ["0 ", "1 ", "2 "])
        XCTAssertTrue(lines.last!.hasPrefix("… ") && lines.last!.hasSuffix("more lines of stderr not shown (the first 64 KB were)"),
                      lines.last!)
        XCTAssertLessThan(lines.reduce(0) { $0 + $1.utf8.count }, StderrCollector.relayLimit + 200)

        let long = CollectedLines()
        let single = StderrCollector { long.append($0) }
        single.append(Data("a\r\nweights: ".utf8) + Data(repeating: UInt8(ascii: "7"), count: 10_000) + Data("\nend".utf8))
        single.finish()
        XCTAssertEqual(long.all.count, 3, "\(long.all.map { $0.prefix(20) })")
        XCTAssertEqual(long.all.first, "a")
        XCTAssertTrue(long.all[1].hasSuffix(" … (\(10_009 - StderrCollector.lineLimit) more bytes)"), String(long.all[1].suffix(40)))
        XCTAssertEqual(long.all.last, "end")
    }
}
