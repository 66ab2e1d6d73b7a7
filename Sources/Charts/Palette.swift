// Colour-blind-safe series colours (Okabe & Ito, 2008), in drawing order.

/// The categorical palette every chart uses for its series.
public enum Palette {
    /// Okabe–Ito colours, ordered so that neighbouring series differ in
    /// lightness as well as hue. Black is left out: it is the axis colour.
    public static let okabeIto: [String] = [
        "#0072B2", // blue
        "#E69F00", // orange
        "#009E73", // bluish green
        "#CC79A7", // reddish purple
        "#56B4E9", // sky blue
        "#D55E00", // vermillion
        "#F0E442", // yellow
    ]

    /// The colour of series `index`, cycling through the palette.
    public static func color(_ index: Int) -> String {
        okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count]
    }
}
