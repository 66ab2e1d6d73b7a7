// Facts about how the engine was compiled that callers may need to check.
import Foundation

public enum BuildInfo {
    /// True when the engine was compiled for Haswell-class x86-64 CPUs (AVX2
    /// and FMA instructions; see Package.swift).
    public static let requiresAVX2AndFMA: Bool = {
        #if TN_NATIVE_FMA
        return true
        #else
        return false
        #endif
    }()

    /// Nil when this CPU can run the engine, else a message saying why not and
    /// how to fix it. Only reads /proc/cpuinfo, so it is safe to call first.
    public static func unsupportedCPUMessage(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        guard requiresAVX2AndFMA, let cpuinfo,
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init))
        let missing = ["avx2", "fma"].filter { !flags.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "this build of tn needs a CPU with \(missing.joined(separator: " and ")) instructions, which this one lacks.\n"
            + "  ---> fix: rebuild for any x86-64 CPU with `TN_PORTABLE=1 swift build -c release` (slower optimizer steps)."
    }
}
