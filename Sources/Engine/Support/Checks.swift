// The engine's checks of its callers' arguments, with their messages kept in
// optimized builds. Swift's own `precondition` stops an -O build without a
// word, so a chapter that passed a tensor of the wrong shape would learn only
// that its block crashed, at its line. These two, which shadow Swift's
// within the engine, still stop the program in an -O build, after printing
// "Engine/FILE.swift:LINE: Fatal error: Precondition failed: MESSAGE"; the
// runner shows that line with the chapter's. The message is built only when
// the check fails. `precondition` is transparent, as Swift's is, so that the
// check inlines into its caller before optimization. Marked only
// @inline(__always), batch-1 training steps measured 0.83 to 0.93 of the
// build before, side by side; transparent, 0.91 to 1.08. Builds that differ
// in no hot code have since measured 0.85 to 0.95 at batch 1 on this machine
// (BENCHMARKS.md), so the first figure may be layout, not the check; the
// transparent form is kept because it is the one Swift's own check uses.

@_transparent
func precondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
                  file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { preconditionFailure(message(), file: file, line: line) }
}

@inline(never)
func preconditionFailure(_ message: @autoclosure () -> String = String(),
                         file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = message()
    Swift.fatalError(text.isEmpty ? "Precondition failed" : "Precondition failed: \(text)", file: file, line: line)
}
