// `tn`: the thin command-line front end. Each subcommand lives in its own file
// and only parses arguments before calling into Engine, Charts or Notebook.
import ArgumentParser
import Engine
#if canImport(Glibc)
import Glibc
#endif

@main
struct TN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tn",
        abstract: "Teaching Networks: train the tutorial's networks and build the tutorial site.",
        subcommands: [
            // Engine
            Train.self,
            Bench.self,
            Selftest.self,  // CUDA backend (issue 7)
            // Optimizers (issue 5)
            Optimize.self, BenchOptimizer.self,
            // Charts (issue 3)
            ChartsGallery.self,
            // Runner (issue 4)
            Build.self, Run.self, Watch.self, Serve.self, Clean.self,
        ]
    )

    /// Checks that this CPU can run the engine's instructions before anything
    /// else runs, so an old CPU gets a message instead of "illegal instruction".
    static func main() {
        if let problem = BuildInfo.unsupportedCPUMessage() {
            fputs("Error: \(problem)\n", stderr)
            Glibc.exit(1)
        }
        main(nil)
    }
}
