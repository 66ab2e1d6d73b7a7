// Claims: results that a chapter's prose states, checked by the block that
// produces them. If a rerun contradicts the text, the block fails and the
// build names the claim.

/// A statement in the prose that the experiment did not bear out.
public struct ClaimFailed: Error, CustomStringConvertible {
    public let statement: String
    public let evidence: String
    public var description: String {
        "claim not borne out: \"\(statement)\"" + (evidence.isEmpty ? "" : " (\(evidence))")
    }
}

/// Checks a claim the chapter makes about this block's results.
///
/// At full scale a false claim throws, which fails the block and the build.
/// A quick run trains for a few epochs only, so its numbers cannot confirm or
/// refute statements about 100-epoch runs: there the claim is shown as not
/// checked. `evidence` (the numbers behind it) is shown either way.
public func claim(_ statement: String, _ holds: Bool, evidence: String = "") throws {
    let detail = evidence.isEmpty ? "" : " (\(evidence))"
    if BlockContext.isQuick {
        print("claim not checked in a quick run: \(statement)\(detail)")
        return
    }
    guard holds else { throw ClaimFailed(statement: statement, evidence: evidence) }
    print("claim checked: \(statement)\(detail)")
}
