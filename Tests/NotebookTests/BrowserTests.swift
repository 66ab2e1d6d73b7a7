// Opens the built fixture site in headless Chromium (Debian's package, which
// .ci/run installs): math is typeset, charts are drawn and the screenshot is
// not blank, the console shows no errors, and search finds a chapter's word.
// Skipped, saying why, where Chromium is not installed.
import Foundation
import XCTest
@testable import Notebook

final class BrowserTests: XCTestCase {
    var chromium: String!

    override func setUpWithError() throws {
        guard let found = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap({ findExecutable($0) }).first else {
            throw XCTSkip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
        }
        chromium = found
    }

    /// Runs headless Chromium; returns stdout and stderr.
    func browse(_ arguments: [String]) throws -> (out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tn-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
                             "--virtual-time-budget=3000"] + arguments
        // stderr goes to a file so that neither stream can fill a pipe and block Chromium.
        let errFile = profile.appendingPathExtension("stderr")
        defer { try? FileManager.default.removeItem(at: errFile) }
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = (try? Data(contentsOf: errFile)) ?? Data()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func testBuiltPagesInChromium() throws {
        let book = try TemporaryBook(fixture: "book")
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let intro = book.output.appendingPathComponent("intro.html").absoluteString

        let (dom, log) = try browse(["--enable-logging=stderr", "--v=0", "--dump-dom", intro])
        XCTAssertTrue(dom.contains("class=\"katex\""), "KaTeX output is missing")
        let text = HTMLText.plainText(dom.replacingOccurrences(of: "<annotation[\\s\\S]*?</annotation>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "<pre[\\s\\S]*?</pre>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "<script[\\s\\S]*?</script>", with: "", options: .regularExpression))
        XCTAssertFalse(text.contains("\\("), "raw \\( left in the page")
        XCTAssertFalse(text.contains("$$"), "raw $$ left in the page")
        XCTAssertTrue(dom.contains("<svg"), "the chart's SVG is missing")
        XCTAssertTrue(dom.contains("<span class=\"hljs-keyword\">"), "code was not highlighted")
        XCTAssertFalse(log.contains("Highlight.js"), "a highlighting script logged to the console")
        let consoleErrors = log.components(separatedBy: "\n").filter {
            $0.contains("CONSOLE") && ($0.contains("ERROR") || $0.contains("Uncaught") || $0.contains("Error"))
        }
        XCTAssertTrue(consoleErrors.isEmpty, consoleErrors.joined(separator: "\n"))

        let (results, _) = try browse(["--dump-dom", book.output.appendingPathComponent("index.html").absoluteString + "?q=squares"])
        let list = results.components(separatedBy: "id=\"search-results\"").last ?? ""
        XCTAssertTrue(list.contains("Introduction to the fixture"), "search did not find 'squares'")

        let screenshot = book.root.appendingPathComponent("intro.png")
        _ = try browse(["--window-size=1200,900", "--screenshot=\(screenshot.path)", intro])
        let png = try Data(contentsOf: screenshot)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        // A blank 1200x900 page compresses to a few kilobytes; text, math and a chart do not.
        XCTAssertGreaterThan(png.count, 40_000, "the screenshot looks blank")
    }
}

/// Layout measured in Chromium: the fixture book with blocks added to its
/// first chapter, and a copy of that page whose script, once the page is laid
/// out, writes what it measured into `<p id="measured">` for --dump-dom.
extension BrowserTests {
    /// The book comes back too: its folder, the page's with it, goes when it does.
    func measuringPage(adding blocks: String, script: String) throws -> (book: TemporaryBook, page: String, measure: URL) {
        let book = try TemporaryBook(fixture: "book")
        try book.write("intro.md", try book.read("intro.md") + blocks)
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let page = try book.page("intro.html")
        let measuring = page.replacingOccurrences(of: "</body>", with: """
            <script>
            window.addEventListener("load", () => {
              const measured = (() => { \(script) })();
              document.body.insertAdjacentHTML("beforeend", "<p id=\\"measured\\">" + measured + "</p>");
            });
            </script>
            </body>
            """)
        let measure = book.output.appendingPathComponent("intro-measure.html")
        try measuring.write(to: measure, atomically: true, encoding: .utf8)
        return (book, page, measure)
    }

    /// What the page's script measured in a window `width` pixels wide.
    func measured(_ measure: URL, width: Int) throws -> String {
        let (dom, _) = try browse(["--window-size=\(width),900", "--dump-dom", measure.absoluteString])
        let text = try XCTUnwrap(dom.components(separatedBy: "<p id=\"measured\">").dropFirst().first, "not measured")
        return String(text.prefix { $0 != "<" })
    }
}

/// A figure's `columns` on the page: six panels with `columns: 3` lie three
/// to a row in a wide window, so that each row is what the author grouped
/// (a head's time steps), and fewer to a row, never more, in a narrow one.
extension BrowserTests {
    func testAFiguresColumnsHoldWhereThereIsRoomAndReflowWhereNot() throws {
        // Each panel's row (its top, in order of appearance), as panels a row.
        let (book, _, measure) = try measuringPage(adding: """

            ```swift run
            //| id: fig-six
            //| caption: Six panels, three to a row.
            let charts = (1...6).map { k in LineChart(title: "Panel \\(k)", series: [LineSeries(name: "line", y: [0, Double(k)])]) }
            show(Figure(title: "Six", charts: charts, columns: 3))
            ```

            """, script: """
            const tops = [...document.querySelectorAll("#fig-six .chart-panel")].map(p => Math.round(p.getBoundingClientRect().top));
            return [...new Set(tops)].map(t => tops.filter(x => x === t).length).join(",");
            """)
        defer { withExtendedLifetime(book) {} }
        func rows(width: Int) throws -> [Int] { try measured(measure, width: width).split(separator: ",").compactMap { Int($0) } }
        XCTAssertEqual(try rows(width: 1400), [3, 3], "three to a row where there is room")
        let narrow = try rows(width: 700)
        XCTAssertEqual(narrow.reduce(0, +), 6)
        XCTAssertTrue(narrow.allSatisfy { $0 < 3 }, "fewer to a row at 700 px: \(narrow)")
    }
}

/// On a phone the page shows each wide chart's narrow drawing, whose tick
/// labels stay near their 11.5 px instead of shrinking to half; on a desktop,
/// the wide one. A figure's panels do the same one by one.
extension BrowserTests {
    func testAPhoneGetsTheNarrowDrawingWithReadableLabels() throws {
        // For each chart with both drawings: which one is laid out, and the
        // size its 11.5-pixel tick labels are drawn at on the screen.
        let (book, page, measure) = try measuringPage(adding: """

            ```swift run
            //| id: fig-wide
            //| caption: One chart 640 pixels wide.
            show(LineChart(title: "Wide", series: [LineSeries(name: "line", y: [3, 2, 1.5, 1])]))
            ```

            ```swift run
            //| id: fig-pair
            //| caption: Two panels.
            let charts = (1...2).map { k in LineChart(title: "Panel \\(k)", series: [LineSeries(name: "line", y: [0, Double(k)])]) }
            show(Figure(title: "Pair", charts: charts, columns: 2))
            ```

            """, script: """
            return [...document.querySelectorAll(".has-narrow")].map(box => {
              const parts = [...box.children].filter(c => c.getBoundingClientRect().height > 0);
              if (parts.length !== 1) return "shown:" + parts.length;
              const svg = parts[0].querySelector("svg");
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return parts[0].className + ":" + (11.5 * scale).toFixed(1);
            }).join(",");
            """)
        defer { withExtendedLifetime(book) {} }
        XCTAssertEqual(page.components(separatedBy: "class=\"chart-narrow\"").count - 1, 3, "the chart and both panels")
        func shown(width: Int) throws -> [(drawing: String, tickPixels: Double)] {
            try measured(measure, width: width).split(separator: ",").map { part in
                let pieces = part.split(separator: ":")
                return (String(pieces[0]), Double(pieces.last ?? "") ?? 0)
            }
        }
        let phone = try shown(width: 390)
        XCTAssertEqual(phone.map(\.drawing), ["chart-narrow", "chart-narrow", "chart-narrow"], "\(phone)")
        XCTAssertTrue(phone.allSatisfy { $0.tickPixels >= 9 }, "tick labels on a phone: \(phone)")
        let desktop = try shown(width: 1400)
        XCTAssertEqual(desktop.map(\.drawing), ["chart-wide", "chart-wide", "chart-wide"], "\(desktop)")
    }
}
