// The gallery fixture: writes every sample chart and the light/dark page,
// and checks each file is there and every sample is on the page.
import Foundation
import XCTest
@testable import Charts

final class GalleryTests: XCTestCase {
    func testGalleryWritesEverySampleInBothThemes() throws {
        // TN_GALLERY_OUT keeps the page for looking at; otherwise a temporary folder.
        let directory = ProcessInfo.processInfo.environment["TN_GALLERY_OUT"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("tn-gallery-\(UUID().uuidString)")
        let written = try ChartGallery.write(to: directory)
        let samples = ChartGallery.samples()
        XCTAssertEqual(written.count, samples.count * 2 + 1)
        let page = try String(contentsOf: directory.appendingPathComponent("index.html"), encoding: .utf8)
        for sample in samples {
            XCTAssertTrue(page.contains("id=\"light-\(sample.name)\""), sample.name)
            XCTAssertTrue(page.contains("id=\"dark-\(sample.name)\""), sample.name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(sample.name + ".svg").path))
        }
    }
}
