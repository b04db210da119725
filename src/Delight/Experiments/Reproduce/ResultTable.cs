using System.Globalization;
using System.Text;

namespace Delight.Experiments.Reproduce;

/// <summary>A titled markdown table: a header row and rows of already-formatted cells.</summary>
public sealed record ResultTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("**").Append(Title).Append("**\n\n");
        text.Append("| ").AppendJoin(" | ", Columns).Append(" |\n");
        text.Append('|').AppendJoin("", Columns.Select(_ => "---|")).Append('\n');
        foreach (var row in Rows)
        {
            if (row.Count != Columns.Count)
                throw new InvalidOperationException($"a row of '{Title}' has {row.Count} cells for {Columns.Count} columns.");
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|"))).Append(" |\n");
        }
        return text.ToString();
    }
}

/// <summary>Culture-invariant number formatting for the tables.</summary>
public static class Cells
{
    static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>Fixed point with <paramref name="digits"/> decimals.</summary>
    public static string Fixed(double value, int digits = 4) => value.ToString("F" + digits.ToString(s_invariant), s_invariant);

    /// <summary>Four significant digits (probabilities and other values spanning decades).</summary>
    public static string General(double value) => value.ToString("G4", s_invariant);

    /// <summary>mean ± standard error.</summary>
    public static string MeanError(double mean, double error, int digits = 3) => $"{Fixed(mean, digits)} ± {Fixed(error, digits)}";

    public static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
