using System.Text.Json;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// sweep.json: the spec in the sweep-file shape (every base option resolved, the grid with typed values, the seeds
/// listed), so <c>delight sweep --file OUT/sweep.json --out OUT</c> reproduces or continues the sweep.
/// </summary>
public static class SweepJson
{
    public const string FileName = "sweep.json";

    public static void Write(SweepSpec spec, string path) => RunFolder.WriteAtomically(path, w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("base");
        RunFolder.WriteOptions(w, spec.Base);
        w.WriteStartObject("grid");
        foreach (var axis in spec.Axes)
        {
            w.WriteStartArray(axis.Name);
            foreach (var value in axis.Values) WriteValue(w, value);
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteStartArray("seeds");
        foreach (var seed in spec.Seeds) w.WriteNumberValue(seed);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case float f: w.WriteNumberValue(f); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong u: w.WriteNumberValue(u); break;
            default: w.WriteStringValue(Runtime.OptionEntry.Format(value)); break;
        }
    }
}
