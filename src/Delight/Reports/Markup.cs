using System.Globalization;
using System.Text;

namespace Delight.Reports;

/// <summary>Text escaping and number formatting shared by the SVG and HTML writers (culture-invariant).</summary>
static class Markup
{
    /// <summary>Escapes for XML/HTML text and double-quoted attributes; non-ASCII (η, ρ, ±) stays as UTF-8.</summary>
    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0) return text;
        var b = new StringBuilder(text.Length + 16);
        foreach (var c in text)
            b.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&#39;", _ => c.ToString() });
        return b.ToString();
    }

    /// <summary>An SVG coordinate: one decimal is finer than a screen pixel.</summary>
    public static string Coordinate(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>A value for a table or caption: 3 significant digits, exponent form when very large or small.</summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value)) return "–";
        var magnitude = Math.Abs(value);
        return magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-3)
            ? value.ToString("0.00E+0", CultureInfo.InvariantCulture)
            : value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
