using System.Globalization;
using System.Text;
using Delight.Reports;

namespace Delight.Experiments.Sweeps;

/// <summary>Builds a CSV file: invariant numbers (round-trip precision), quoted text where needed, written atomically.</summary>
sealed class SweepCsv(IEnumerable<string> header)
{
    readonly StringBuilder _text = new StringBuilder().Append(string.Join(',', header.Select(Quote))).Append('\n');
    readonly List<string> _row = [];

    public SweepCsv Text(string value) { _row.Add(Quote(value)); return this; }

    /// <summary>Non-finite numbers (a metric no seed logged at that step) are empty cells.</summary>
    public SweepCsv Number(double value) { _row.Add(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : ""); return this; }

    public SweepCsv MeanError(MeanError value) => Number(value.Mean).Number(value.StandardError);

    public void EndRow()
    {
        _text.Append(string.Join(',', _row)).Append('\n');
        _row.Clear();
    }

    public void Write(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, _text.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
