// The search index's math as text: what a reader would type into the search
// box, and what a result's snippet should show.
import XCTest
@testable import Notebook

final class ReadableMathTests: XCTestCase {
    func testTheChaptersInlineMathReadsAsText() {
        XCTAssertEqual(ReadableMath.text("\\mu"), "μ")
        XCTAssertEqual(ReadableMath.text("\\eta = 0.1"), "η = 0.1")
        XCTAssertEqual(ReadableMath.text("\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta J"), "θ_t+1 = θ_t - η ∇_θ J")
        XCTAssertEqual(ReadableMath.text("\\tfrac{1}{2}\\left(x^2 + 10\\,y^2\\right)"), "1/2(x^2 + 10 y^2)")
        XCTAssertEqual(ReadableMath.text("\\frac{m_t}{1 - \\beta_1^t}"), "m_t/(1 - β_1^t)")
        XCTAssertEqual(ReadableMath.text("\\hat{v}_t"), "v_t")
        XCTAssertEqual(ReadableMath.text("\\text{steps} \\approx 10^6"), "steps ≈ 10^6")
        XCTAssertEqual(ReadableMath.text("\\lVert g \\rVert \\le c"), "‖ g ‖ ≤ c")
        XCTAssertEqual(ReadableMath.text("\\log n"), "log n")
        XCTAssertEqual(ReadableMath.text("\\{a\\} \\cup {b}"), "{a} cup b", "escaped braces stay, grouping braces go")
        XCTAssertEqual(ReadableMath.text("\\mathbb{E}[x]"), "E[x]")
        XCTAssertEqual(ReadableMath.text("\\unknowncommand x"), "unknowncommand x")
        XCTAssertEqual(ReadableMath.text("\\frac12"), "1/2", "single-character arguments")
    }

    /// The built site's index holds the symbols, not the commands.
    func testTheSearchIndexHoldsSymbols() throws {
        let book = try TemporaryBook(fixture: "book")
        try book.write("intro.md", try book.read("intro.md") + "\n\nMomentum keeps $\\mu$ of the velocity, at rate $\\eta < 1$.\n")
        let report = try book.build()
        XCTAssertTrue(report.succeeded, "\(report.errors) \(report.failures)")
        let index = try String(contentsOf: book.output.appendingPathComponent("assets/search-index.js"), encoding: .utf8)
        XCTAssertTrue(index.contains("Momentum keeps μ of the velocity, at rate η < 1."), index)
        XCTAssertFalse(index.contains("\\\\mu"), index)
    }
}
