namespace Delight.Reports;

/// <summary>
/// Series colours: the Okabe–Ito palette (Okabe &amp; Ito 2008), told apart under the common colour-vision
/// deficiencies. Its yellow is left out (too faint on white). Past seven series the colours repeat with a dash
/// pattern, so series stay distinguishable in grey print too.
/// </summary>
public static class Palette
{
    static readonly string[] s_colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"];
    static readonly string[] s_dashes = ["", "6 3", "2 2", "8 3 2 3"];

    public static string Colour(int index) => s_colours[index % s_colours.Length];

    /// <summary>An SVG stroke-dasharray, empty for a solid line.</summary>
    public static string Dash(int index) => s_dashes[index / s_colours.Length % s_dashes.Length];
}
