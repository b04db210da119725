using System.Globalization;
using Delight.Checkpoints;
using Delight.Numerics;

namespace Delight.Runtime;

/// <summary>
/// Everything beyond the policy's parameters that a run needs to continue exactly: optimizer moments, counters,
/// random-stream states, the snapshot ring. Stored as a safetensors file (arrays as F32 tensors, scalars as
/// metadata strings), written atomically, so a crash mid-write leaves the previous state intact.
/// </summary>
public sealed class TrainingState
{
    public const string Format = "delight-training-state-1";
    readonly Dictionary<string, string> _scalars = new(StringComparer.Ordinal);
    readonly Dictionary<string, float[]> _arrays = new(StringComparer.Ordinal);
    readonly string _source;

    public TrainingState() => _source = "the training state";
    TrainingState(string source) => _source = source;

    public void Put(string key, long value) => _scalars[key] = value.ToString(CultureInfo.InvariantCulture);
    public void Put(string key, double value) => _scalars[key] = value.ToString("R", CultureInfo.InvariantCulture);
    public void Put(string key, string value) => _scalars[key] = value;
    public void Put(string key, ReadOnlySpan<float> values) => _arrays[key] = values.ToArray();
    public void Put(string key, Rng rng)
    {
        var s = rng.Save();
        _scalars["rng." + key] = string.Join(',', s.S0, s.S1, s.S2, s.S3, s.SpareNormal is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : "");
    }

    public bool Has(string key) => _scalars.ContainsKey(key) || _arrays.ContainsKey(key);
    public string GetString(string key) => _scalars.TryGetValue(key, out var v) ? v : throw Missing(key);

    // Every reader checks what it reads: a state file is input, and a hand-edited or damaged one must be refused with
    // the file, the key and the value, never wrap through a cast or resume "successfully" from NaN.

    /// <summary>A count: an integer from 0 to <see cref="long.MaxValue"/>.</summary>
    public long GetLong(string key) => GetLong(key, 0, long.MaxValue);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long GetLong(string key, long min, long max) => ParseLong(key, GetString(key), min, max);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] that fits an int.</summary>
    public int GetInt(string key, int min, int max) => (int)ParseLong(key, GetString(key), min, max);

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>]; NaN only when <paramref name="allowNaN"/>.</summary>
    public double GetDouble(string key, double min = double.MinValue, double max = double.MaxValue, bool allowNaN = false)
    {
        var text = GetString(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsInfinity(value) || (double.IsNaN(value) && !allowNaN))
            throw Bad(key, text, $"a finite number{(allowNaN ? " (or NaN)" : "")}");
        if (!double.IsNaN(value) && (value < min || value > max)) throw Bad(key, text, $"a number from {Str(min)} to {Str(max)}");
        return value;
    }

    /// <summary>Exactly <paramref name="count"/> comma-separated integers, each in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long[] GetLongs(string key, int count, long min, long max)
    {
        var text = GetString(key);
        var parts = text.Split(',');
        if (parts.Length != count) throw Bad(key, Shorten(text), $"{count} comma-separated integers (it has {parts.Length})");
        var values = new long[count];
        for (var i = 0; i < count; i++) values[i] = ParseLong($"{key}[{i}]", parts[i], min, max);
        return values;
    }

    /// <summary>
    /// Copies the array <paramref name="key"/>, which must have the destination's length and hold only finite values
    /// (and none negative when <paramref name="nonNegative"/>, e.g. Adam's second moments).
    /// </summary>
    public void Get(string key, Span<float> destination, bool nonNegative = false)
    {
        if (!_arrays.TryGetValue(key, out var values)) throw Missing(key);
        if (values.Length != destination.Length)
            throw new CheckpointException(_source, $"holds {values.Length} values for '{key}', but this run needs {destination.Length}; it belongs to a different configuration.");
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new CheckpointException(_source, $"'{key}'[{i}] is {Str(values[i])}: the run had diverged when it was saved, or the file is damaged; resume from an earlier checkpoint or start a new run (a lower --lr may avoid the divergence).");
            if (nonNegative && values[i] < 0)
                throw new CheckpointException(_source, $"'{key}'[{i}] is {Str(values[i])}, but it holds squares and cannot be negative; the file is damaged, so resume from another checkpoint or start a new run.");
        }
        values.CopyTo(destination);
    }

    public void Get(string key, Rng rng)
    {
        var name = "rng." + key;
        var text = GetString(name);
        var parts = text.Split(',');
        if (parts.Length != 5) throw Bad(name, Shorten(text), "a random state of four integers and an optional number");
        var words = new ulong[4];
        for (var i = 0; i < 4; i++)
            if (!ulong.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out words[i])) throw Bad(name, Shorten(text), "a random state of four non-negative integers and an optional number");
        if (words.All(w => w == 0)) throw Bad(name, text, "a random state that is not all zeros (xoshiro256 would emit only zeros)");
        double? spare = null;
        if (parts[4].Length > 0)
        {
            if (!double.TryParse(parts[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n)) throw Bad(name, Shorten(text), "a random state whose spare normal is a finite number");
            spare = n;
        }
        rng.Restore(new RngState(words[0], words[1], words[2], words[3], spare));
    }

    long ParseLong(string key, string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Bad(key, Shorten(text), $"an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    CheckpointException Bad(string key, string text, string expected) =>
        new(_source, $"'{key}' = '{text}' is not {expected}; the file is damaged or was edited, so resume from another checkpoint or start a new run.");

    static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
    static string Str(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public void Save(string path)
    {
        var set = new ParameterSet();
        var views = _arrays.Select(a => (a.Value, set.Add(a.Key, a.Value.Length))).ToList();
        set.Allocate();
        foreach (var (values, parameter) in views) values.CopyTo(parameter.Value);
        var metadata = new Dictionary<string, string>(_scalars) { ["format"] = Format };
        SafeTensors.Save(path, set, metadata);
    }

    public static TrainingState Load(string path)
    {
        var header = SafeTensors.ReadHeader(path);
        if (!header.Metadata.TryGetValue("format", out var format) || format != Format)
            throw new CheckpointException(path, $"is not a Delight training state (format '{format ?? "none"}', expected '{Format}').");
        var state = new TrainingState(path);
        foreach (var (k, v) in header.Metadata) if (k is not ("format" or SafeTensors.ChecksumKey)) state._scalars[k] = v;
        foreach (var (name, tensor) in SafeTensors.ReadTensors(path)) state._arrays[name] = tensor.Values;
        return state;
    }

    CheckpointException Missing(string key) => new(_source, $"has no '{key}'; it was written by another version or runtime. Start a new run.");
}
