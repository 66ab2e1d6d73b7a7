// `tn charts-gallery --out DIR`: writes every chart kind with sample data,
// as SVG and CSV files and an index.html showing them in light and dark.
import ArgumentParser
import Charts
import Foundation

struct ChartsGallery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charts-gallery",
        abstract: "Write the chart gallery (every chart kind, light and dark) to a folder."
    )

    @Option(name: .long, help: "Folder to write index.html and the charts into.")
    var out: String

    func run() throws {
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        let written = try ChartGallery.write(to: directory)
        print("Wrote \(written.count) files to \(directory.path); open index.html.")
    }
}
