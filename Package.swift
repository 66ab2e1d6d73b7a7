// swift-tools-version:6.0
// Teaching Networks: the training engine, the chart library, the notebook runner and `tn`.
import PackageDescription
import Foundation

// The engine's inner loops are plain Swift over unsafe pointers (no bounds
// checks to pay for); they keep -O, not -Ounchecked, because -Ounchecked
// would also drop the shape checks that stop a bad call with a message.
//
// On x86-64 they are also compiled for Haswell-class CPUs (AVX2 and FMA, every
// x86-64 server and desktop CPU since 2013 or so): the optimizers round their
// multiply-adds exactly as PyTorch's fused CPU kernels do, and without FMA
// instructions that fused arithmetic runs at a third of the speed. `tn` checks
// the CPU at start-up and says so if it lacks them; TN_PORTABLE=1 at build time
// gives a generic x86-64 build instead.
var fastMathFlags: [String] = []
#if arch(x86_64)
if ProcessInfo.processInfo.environment["TN_PORTABLE"] == nil {
    fastMathFlags += ["-target-cpu", "haswell", "-D", "TN_NATIVE_FMA"]
}
#endif
let fastMath: [SwiftSetting] = fastMathFlags.isEmpty ? [] : [
    .unsafeFlags(fastMathFlags, .when(configuration: .release)),
]

let package = Package(
    name: "TeachingNetworks",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tn", targets: ["tn"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Charts", targets: ["Charts"]),
        .library(name: "Notebook", targets: ["Notebook"]),
        .library(name: "NotebookRuntime", targets: ["NotebookRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, found through Debian's -dev packages.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CCmarkGFM", path: "Sources/CCmarkGFM"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // The training engine: buffers, layers, losses, optimizers, data, trainer.
        .target(
            name: "Engine",
            dependencies: ["CBLAS", "CZlib"],
            swiftSettings: fastMath
        ),
        // SVG charts; depends on nothing in the engine.
        .target(name: "Charts"),
        // The `show(...)` API that a chapter's executable blocks call; it shares
        // its output record format with the runner.
        .target(name: "NotebookRuntime", dependencies: ["Charts"]),
        // Chapters -> executed blocks -> cached results -> static site.
        // It depends on NotebookRuntime (and so on Engine and Charts) also so that
        // building `tn` builds the modules and objects that blocks link against.
        .target(
            name: "Notebook",
            dependencies: ["Engine", "Charts", "NotebookRuntime", "CCmarkGFM"]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "tn",
            dependencies: [
                "Engine", "Charts", "Notebook",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"], exclude: ["Golden"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "NotebookRuntime", "Engine", "Charts"],
                    exclude: ["Fixtures"]),
        // Runs the built tn: exit statuses and one-line messages for bad flags.
        .testTarget(name: "CLITests", dependencies: ["tn"]),
    ],
    swiftLanguageModes: [.v5]
)
