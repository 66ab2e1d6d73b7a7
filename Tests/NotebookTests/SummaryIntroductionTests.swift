// The front page shows SUMMARY.md's prose between the title and the list.
import Foundation
import XCTest
@testable import Notebook

final class SummaryIntroductionTests: XCTestCase {
    func testProseBetweenTitleAndListBecomesTheIntroduction() throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tn-summary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# A Book\n\nWelcome, *reader*: start at [the beginning](intro.md).\n\n- [Intro](intro.md)\n\nAfter the list.\n"
            .write(to: folder.appendingPathComponent("SUMMARY.md"), atomically: true, encoding: .utf8)
        let options = BuildOptions(chaptersFolder: folder, chaptersDisplay: "chapters",
                                   outputFolder: folder.appendingPathComponent("out"), cacheFolder: folder.appendingPathComponent("cache"))
        let html = SiteBuilder.summaryIntroduction(options)
        XCTAssertTrue(html.contains("<em>reader</em>"), html)
        XCTAssertTrue(html.contains("href=\"intro.html\""), html)
        XCTAssertFalse(html.contains("After the list"), html)
        XCTAssertFalse(html.contains("A Book"), html)

        try "# Only a title\n\n- [Intro](intro.md)\n".write(to: folder.appendingPathComponent("SUMMARY.md"), atomically: true, encoding: .utf8)
        XCTAssertEqual(SiteBuilder.summaryIntroduction(options), "")
    }
}
