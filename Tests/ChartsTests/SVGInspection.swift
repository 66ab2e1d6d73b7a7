// Test support: parses chart SVG as XML and answers structural questions
// (how many paths, which texts, which attributes), so tests check what a
// browser would see rather than substrings.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

struct SVGElement {
    let name: String
    let attributes: [String: String]
    var text: String
    /// Names of the enclosing elements, outermost first.
    let ancestors: [String]
}

final class SVGInspection: NSObject, XMLParserDelegate {
    private(set) var elements: [SVGElement] = []
    private var stack: [Int] = []
    private(set) var error: Error?

    /// Parses `svg`, failing the calling test if it is not well-formed XML.
    static func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> SVGInspection {
        let inspection = SVGInspection()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspection
        let ok = parser.parse()
        XCTAssertTrue(ok, "SVG is not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
        return inspection
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        let ancestors = stack.map { elements[$0].name }
        elements.append(SVGElement(name: elementName, attributes: attributes, text: "", ancestors: ancestors))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = stack.last { elements[index].text += string }
    }

    func all(_ name: String) -> [SVGElement] { elements.filter { $0.name == name } }

    /// Texts of every <text> element.
    var texts: [String] { all("text").map(\.text) }

    /// The root's <title> and <desc> (direct children of the outer <svg>).
    var title: String? { elements.first { $0.name == "title" && $0.ancestors == ["svg"] }?.text }
    var desc: String? { elements.first { $0.name == "desc" && $0.ancestors == ["svg"] }?.text }

    /// Geometry attribute values that are not plain numbers: "nan", "inf".
    var badNumbers: [String] {
        let geometric: Set<String> = ["x", "y", "cx", "cy", "r", "width", "height", "d", "transform", "viewBox", "x1", "x2", "y1", "y2"]
        return elements.flatMap { element in
            element.attributes.filter { geometric.contains($0.key) }.map(\.value)
                .filter { $0.lowercased().contains("nan") || $0.lowercased().contains("inf") }
        }
    }

    /// Number of points in path data: every move-to and line-to.
    static func pointCount(_ pathData: String) -> Int {
        pathData.filter { $0 == "M" || $0 == "L" }.count
    }
}
