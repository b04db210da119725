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
    public long GetLong(string key) => long.Parse(GetString(key), CultureInfo.InvariantCulture);
    public double GetDouble(string key) => double.Parse(GetString(key), CultureInfo.InvariantCulture);

    public void Get(string key, Span<float> destination)
    {
        if (!_arrays.TryGetValue(key, out var values)) throw Missing(key);
        if (values.Length != destination.Length)
            throw new CheckpointException(_source, $"holds {values.Length} values for '{key}', but this run needs {destination.Length}; it belongs to a different configuration.");
        values.CopyTo(destination);
    }

    public void Get(string key, Rng rng)
    {
        var parts = GetString("rng." + key).Split(',');
        if (parts.Length != 5) throw new CheckpointException(_source, $"has a malformed random state 'rng.{key}'.");
        rng.Restore(new RngState(ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture),
            ulong.Parse(parts[2], CultureInfo.InvariantCulture), ulong.Parse(parts[3], CultureInfo.InvariantCulture),
            parts[4].Length == 0 ? null : double.Parse(parts[4], CultureInfo.InvariantCulture)));
    }

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
        foreach (var (k, v) in header.Metadata) if (k != "format") state._scalars[k] = v;
        foreach (var (name, tensor) in SafeTensors.ReadTensors(path)) state._arrays[name] = tensor.Values;
        return state;
    }

    CheckpointException Missing(string key) => new(_source, $"has no '{key}'; it was written by another version or runtime. Start a new run.");
}
