// The real tutorial in chapters/, read by the same parser the build uses:
// every chapter listed and parsed, block ids unique, and each chapter holding
// an experiment, a figure, math where it teaches formulas, and a "Try it";
// and a rebuild of the committed site would take nothing current away.
import Foundation
import XCTest
@testable import Notebook

final class TutorialChaptersTests: XCTestCase {
    static let chaptersFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("chapters")

    func chapters() throws -> [(entry: SummaryEntry, text: String, scanned: ScannedChapter)] {
        let summary = try String(contentsOf: Self.chaptersFolder.appendingPathComponent("SUMMARY.md"), encoding: .utf8)
        return try BookSummary.parse(summary, displayPath: "chapters/SUMMARY.md").map { entry in
            let text = try String(contentsOf: Self.chaptersFolder.appendingPathComponent(entry.path), encoding: .utf8)
            return (entry, text, try ChapterScanner.scan(text, displayPath: "chapters/\(entry.path)"))
        }
    }

    func testEveryChapterFileIsListedAndParses() throws {
        let listed = Set(try chapters().map(\.entry.path))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: Self.chaptersFolder.path)
            .filter { $0.hasSuffix(".md") && $0 != "SUMMARY.md" })
        XCTAssertEqual(listed, files, "chapters/SUMMARY.md and the files in chapters/ disagree")
        XCTAssertGreaterThanOrEqual(listed.count, 9)
    }

    func testEachChapterHasAnExperimentAFigureAndATryItSection() throws {
        for chapter in try chapters() {
            let name = chapter.entry.path
            XCTAssertTrue(chapter.text.hasPrefix("# "), "\(name) must start with its title")
            XCTAssertFalse(chapter.scanned.blocks.isEmpty, "\(name) has no experiment")
            let figures = chapter.scanned.blocks.filter { ($0.options.id ?? "").hasPrefix("fig-") && $0.options.caption != nil }
            XCTAssertFalse(figures.isEmpty, "\(name) has no captioned figure block")
            XCTAssertTrue(chapter.text.contains("\n## Try it\n"), "\(name) has no Try it section")
            let ids = chapter.scanned.blocks.map(\.id)
            XCTAssertEqual(ids.count, Set(ids).count, "\(name) repeats a block id")
        }
    }

    func testMathIsSetAsideInEveryChapterThatTeachesFormulas() throws {
        let all = try chapters()
        let withMath = all.filter { !$0.scanned.math.isEmpty }.map(\.entry.path)
        for required in ["background.md", "gradient-descent.md", "batch.md", "stochastic.md", "mini-batch.md"] {
            XCTAssertTrue(withMath.contains(required), "\(required) should contain math")
        }
        // Underscores and asterisks inside math never reach the markdown parser.
        for chapter in all {
            for span in chapter.scanned.math where span.tex.contains("_") {
                XCTAssertFalse(chapter.scanned.markdown.contains(span.tex), "\(chapter.entry.path): math left in the markdown")
            }
        }
    }

    /// What a full build of these chapters would remove from the committed
    /// output/: nothing that is there now. The real chapters are rendered
    /// with their committed frozen results (nothing runs, whether or not the
    /// results are stale) into a copy of output/, with the build's own
    /// clean-up; output/ itself is only read.
    func testARebuildOfTheCommittedSiteRemovesNothingThatIsThere() throws {
        let committed = Self.chaptersFolder.deletingLastPathComponent().appendingPathComponent("output")
        guard FileManager.default.fileExists(atPath: committed.appendingPathComponent("index.html").path) else {
            throw XCTSkip("output/ holds no built site")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tn-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let copy = root.appendingPathComponent("output")
        try FileManager.default.copyItem(at: committed, to: copy)
        let options = BuildOptions(chaptersFolder: Self.chaptersFolder, chaptersDisplay: "chapters",
                                   outputFolder: copy, cacheFolder: root.appendingPathComponent(".tn-cache"))
        var chapters = try SiteBuilder.parse(options)
        let store = FreezeStore(outputFolder: copy)
        var results: [String: [Int: BlockResult]] = [:]
        for chapter in chapters {
            for block in chapter.runnableBlocks {
                results[chapter.entry.path, default: [:]][block.index] = store.load(chapter: chapter.entry.path, blockID: block.id, scale: "full")
            }
        }
        var report = BuildReport()
        try SiteBuilder.render(&chapters, results: results, notes: [:], options: options, report: &report)

        XCTAssertEqual(report.removed, [], "a build would remove these from output/")
        let before = Set(GeneratedFiles.filesBelow(committed) { _ in false })
        let after = Set(GeneratedFiles.filesBelow(copy) { _ in false })
        XCTAssertEqual(before.subtracting(after), [])
        // From now on the manifest knows every page and CSV file of the site.
        let manifest = try XCTUnwrap(GeneratedFiles.readManifest(in: copy))
        let site = before.filter { $0.hasSuffix(".html") || $0.hasPrefix("data/") }
        XCTAssertGreaterThan(site.count, 40, "the pages and their CSV files")
        XCTAssertEqual(site.subtracting(manifest), [])
        XCTAssertFalse(report.errors.contains { $0.message.hasPrefix("KaTeX cannot typeset") }, "\(report.errors)")
    }
}
