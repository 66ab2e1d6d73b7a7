// `tn`: the thin command-line front end. Each subcommand lives in its own file
// and only parses arguments before calling into Engine, Charts or Notebook.
import ArgumentParser

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
            // Charts (issue 3)
            // Runner (issue 4)
        ]
    )
}
