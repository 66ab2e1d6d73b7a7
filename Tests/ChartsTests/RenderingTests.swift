// Renders every chart kind in headless Chromium and checks the picture: not
// blank, and nothing drawn outside the chart's own canvas (clipped labels).
// Skips, saying why, where Chromium or python3 is missing.
import Foundation
import XCTest
@testable import Charts

final class RenderingTests: XCTestCase {
    private func executable(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Decodes an RGB(A) PNG with the standard library only and reports, per
    /// region, how many pixels carry ink and the bounding box of that ink.
    private let inkScript = #"""
    import json, struct, sys, zlib
    data = open(sys.argv[1], "rb").read()
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {2: 3, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1: line[x] = (line[x] + left) & 255
            elif kind == 2: line[x] = (line[x] + up) & 255
            elif kind == 3: line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line); previous = line
    result = []
    for region in json.loads(sys.argv[2]):
        x0, y0, x1, y1 = [max(0, v) for v in region]
        count, box = 0, [10**9, 10**9, -1, -1]
        for y in range(y0, min(y1, height)):
            row = rows[y]
            for x in range(x0, min(x1, width)):
                r, g, b = row[x * channels], row[x * channels + 1], row[x * channels + 2]
                if 255 - min(r, g, b) > 40:
                    count += 1
                    box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
        result.append({"count": count, "box": box})
    print(json.dumps(result))
    """#

    func testEveryChartKindRendersInsideItsCanvas() throws {
        guard let chromium = executable(["chromium", "chromium-browser", "google-chrome"]) else {
            throw XCTSkip("Chromium is not installed; .ci/run installs Debian's chromium for this test.")
        }
        guard let python = executable(["python3"]) else {
            throw XCTSkip("python3 is not installed; it decodes the screenshot.")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tn-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Each chart sits at a known place on a white page with its own
        // background made transparent and overflow visible: anything drawn
        // past the canvas edge shows up in the margin around it.
        let margin = 60.0
        var page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{margin:0;background:#fff;--tn-chart-bg:transparent}"
        page += "div{position:absolute}svg{overflow:visible;display:block}</style></head><body>\n"
        var regions: [(name: String, x: Double, y: Double, width: Double, height: Double)] = []
        var top = margin
        for sample in ChartGallery.samples() {
            let svg = sample.chart.svg()
            let size = Figure.size(of: svg)
            page += "<div style=\"left:\(Format.pixel(margin))px;top:\(Format.pixel(top))px\">\(svg)</div>\n"
            regions.append((sample.name, margin, top, size.width, size.height))
            top += size.height + 2 * margin
        }
        page += "</body></html>\n"
        let html = directory.appendingPathComponent("render.html")
        try page.write(to: html, atomically: true, encoding: .utf8)
        let png = directory.appendingPathComponent("render.png")
        let pageWidth = Int((regions.map(\.width).max() ?? 600) + 2 * margin)
        try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                           "--screenshot=\(png.path)", "--window-size=\(pageWidth),\(Int(top))", html.absoluteString])
        XCTAssertTrue(FileManager.default.fileExists(atPath: png.path), "Chromium wrote no screenshot")

        // Regions to inspect: each canvas plus the margin around it.
        let boxes = regions.map { [Int($0.x - margin + 2), Int($0.y - margin + 2), Int($0.x + $0.width + margin - 2), Int($0.y + $0.height + margin - 2)] }
        let script = directory.appendingPathComponent("ink.py")
        try inkScript.write(to: script, atomically: true, encoding: .utf8)
        let boxesJSON = String(decoding: try JSONSerialization.data(withJSONObject: boxes), as: UTF8.self)
        let result = try run(python, [script.path, png.path, boxesJSON])
        XCTAssertEqual(result.status, 0, "PNG decoding failed")
        let reports = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] ?? []
        XCTAssertEqual(reports.count, regions.count)
        for (region, report) in zip(regions, reports) {
            let count = report["count"] as? Int ?? 0
            let box = report["box"] as? [Int] ?? []
            XCTAssertGreaterThan(count, 2_000, "\(region.name) looks blank")
            guard box.count == 4, count > 0 else { continue }
            XCTAssertGreaterThanOrEqual(Double(box[0]), region.x - 1, "\(region.name) draws past its left edge")
            XCTAssertGreaterThanOrEqual(Double(box[1]), region.y - 1, "\(region.name) draws past its top edge")
            XCTAssertLessThanOrEqual(Double(box[2]), region.x + region.width + 1, "\(region.name) draws past its right edge")
            XCTAssertLessThanOrEqual(Double(box[3]), region.y + region.height + 1, "\(region.name) draws past its bottom edge")
        }
    }

    func testAWideContourEndsUnderItsAxisInsteadOfKeepingTheGap() throws {
        // The quadratic's domain is 10 by 6: with equal units the plot is
        // shorter than the 500 px asked for, and the chart shrinks to it.
        let wide = ContourChart(title: "Wide", x: -5...5, y: -3...3, resolution: 20) { x, y in x * x + 10 * y * y }
        let inspection = SVGInspection.parse(wide.svg())
        let root = try XCTUnwrap(inspection.all("svg").first)
        let height = try XCTUnwrap(Double(root.attributes["height"] ?? ""))
        XCTAssertLessThan(height, 450, "the chart kept the unused space")
        let clip = try XCTUnwrap(inspection.all("rect").first { $0.ancestors.last == "clipPath" })
        let plotBottom = try XCTUnwrap(Double(clip.attributes["y"] ?? "")) + XCTUnwrap(Double(clip.attributes["height"] ?? ""))
        let label = try XCTUnwrap(inspection.all("text").first { $0.text == "x" })
        let labelY = try XCTUnwrap(Double(label.attributes["y"] ?? ""))
        XCTAssertLessThan(labelY - plotBottom, 60, "the x label sits \(labelY - plotBottom) px below the plot")
        XCTAssertGreaterThan(labelY - plotBottom, 20, "the x label overlaps the tick labels")
        // A tall domain is limited by height and keeps it.
        let tall = ContourChart(title: "Tall", x: -1...1, y: -3...3, resolution: 20) { x, y in x * x + y * y }
        let tallRoot = try XCTUnwrap(SVGInspection.parse(tall.svg()).all("svg").first)
        XCTAssertEqual(tallRoot.attributes["height"], "500")
    }
}
