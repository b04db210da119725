using System.Text.Json;
using Delight.Learning;
using Delight.Runtime;

namespace Delight.Experiments;

/// <summary>
/// A run's output folder: metrics.jsonl (one object per logged step) and summary.json. A folder that already holds
/// a finished run is never overwritten; files are written to a temporary name and renamed when complete.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string CsvFile = "metrics.csv";
    public const string SummaryFile = "summary.json";

    readonly FileStream _metricsStream;
    readonly Utf8JsonWriter _metrics;
    readonly StreamWriter _csv;
    readonly char[] _csvBuffer = new char[MetricsLine.Names.Length * 32];
    readonly MetricsLine _line = new();
    /// <summary>Metrics that came out NaN or infinite where a number was due (the run diverged); named in the summary.</summary>
    readonly SortedSet<string> _nonFinite = new(StringComparer.Ordinal);
    TensorBoard.TensorBoardWriter? _tensorBoard;

    RunFolder(string path, bool append)
    {
        Path = path;
        var mode = append ? FileMode.Append : FileMode.Create;
        _metricsStream = new FileStream(Combine(MetricsFile), mode, FileAccess.Write, FileShare.Read);
        _metrics = new Utf8JsonWriter(_metricsStream);
        _csv = new StreamWriter(new FileStream(Combine(CsvFile), mode, FileAccess.Write, FileShare.Read)) { AutoFlush = false };
        if (!append) _csv.Write(MetricsLine.CsvHeader + "\n");
    }

    public string Path { get; }

    string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates (or reuses an empty) folder; refuses one that already holds a run.</summary>
    public static RunFolder Create(string path)
    {
        if (File.Exists(path)) throw new OptionException("--out", $"'{path}' is a file; --out must name a folder for the run.");
        foreach (var existing in new[] { SummaryFile, MetricsFile, ConfigFile })
            if (File.Exists(System.IO.Path.Combine(path, existing)))
                throw new OptionException("--out", $"'{path}' already holds a run ({existing}); choose a new --out folder, delete the old run, or continue it with 'delight resume {path}'.");
        Directory.CreateDirectory(path);
        return new RunFolder(path, append: false);
    }

    /// <summary>
    /// Reopens a run's folder to continue after <paramref name="step"/>: metric lines past that step (written after the
    /// last checkpoint, before a crash) are cut, so the continued files equal an uninterrupted run's.
    /// </summary>
    public static RunFolder Continue(string path, int step)
    {
        TruncateAfter(System.IO.Path.Combine(path, MetricsFile), step, header: false);
        TruncateAfter(System.IO.Path.Combine(path, CsvFile), step, header: true);
        File.Delete(System.IO.Path.Combine(path, SummaryFile));
        return new RunFolder(path, append: true);
    }

    /// <summary>Keeps the lines whose leading step is ≤ <paramref name="step"/> (metrics.jsonl starts {"step":N, metrics.csv N,).</summary>
    static void TruncateAfter(string file, int step, bool header)
    {
        if (!File.Exists(file)) { if (header) File.WriteAllText(file, MetricsLine.CsvHeader + "\n"); else File.WriteAllText(file, ""); return; }
        var kept = new List<string>();
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            if (header && i == 0) { kept.Add(lines[i]); continue; }
            var digits = lines[i].AsSpan(header ? 0 : "{\"step\":".Length);
            var end = digits.IndexOfAnyExceptInRange('0', '9');
            if (end > 0 && int.TryParse(digits[..end], out var s) && s <= step) kept.Add(lines[i]);
        }
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>TensorBoard scalars beside metrics.jsonl (--tensorboard): every numeric field as train/&lt;field&gt;.</summary>
    public void EnableTensorBoard() => _tensorBoard ??= TensorBoard.TensorBoardWriter.Create(Path);

    /// <summary>The resolved options (every option, defaults included) as config.json: what resume and sweeps read back.</summary>
    public void WriteConfig(TrainOptions options) => WriteAtomically(Combine(ConfigFile), w => WriteOptions(w, options));

    public static void WriteOptions(Utf8JsonWriter w, TrainOptions options)
    {
        w.WriteStartObject();
        foreach (var (name, value) in OptionTable.Values(options))
        {
            switch (value)
            {
                case null: w.WriteNull(name); break;
                case bool b: w.WriteBoolean(name, b); break;
                case string text: w.WriteString(name, text); break;
                case float f: w.WriteNumber(name, f); break;
                case int i: w.WriteNumber(name, i); break;
                case long l: w.WriteNumber(name, l); break;
                case ulong u: w.WriteNumber(name, u); break;
                default: w.WriteString(name, OptionEntry.Format(value)); break;
            }
        }
        w.WriteEndObject();
    }

    public void WriteStep(in StepReport step)
    {
        _line.Set(step);
        _line.CollectNonFinite(_nonFinite);
        _line.WriteJson(_metrics);
        _metrics.Flush();
        _metrics.Reset(); // one JSON document per line
        _metricsStream.WriteByte((byte)'\n');
        var n = _line.WriteCsv(_csvBuffer);
        _csv.Write(_csvBuffer, 0, n);
        if (_tensorBoard is { } tb)
        {
            var values = _line.Values;
            for (var i = 2; i < values.Length; i++) // step and policy_version are the x axis, not scalars
                if (double.IsFinite(values[i])) tb.Scalar(TensorBoardTags[i], step.Step, (float)values[i], WallTime(step.WallSeconds));
        }
    }

    static readonly string[] TensorBoardTags = MetricsLine.Names.Select(n => "train/" + n).ToArray();
    readonly double _startUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    double WallTime(double elapsed) => _startUnixSeconds + elapsed;

    /// <summary>Pushes buffered metric lines to disk (before a checkpoint, so files and checkpoint agree).</summary>
    public void Flush()
    {
        _metricsStream.Flush(flushToDisk: true);
        _csv.Flush();
        _tensorBoard?.Flush();
    }

    public void WriteSummary(RunSummary s)
    {
        var o = s.Options;
        var nonFinite = new SortedSet<string>(_nonFinite.Select(n => "metrics." + n), StringComparer.Ordinal);
        void Number(Utf8JsonWriter w, string name, double x, string? scope = null)
        {
            // JSON has no NaN or infinity: write null, and say below that the run produced it.
            if (double.IsFinite(x)) w.WriteNumber(name, x);
            else { w.WriteNull(name); nonFinite.Add(scope is null ? name : $"{scope}.{name}"); }
        }
        WriteAtomically(System.IO.Path.Combine(Path, "summary.json"), w =>
        {
            w.WriteStartObject();
            w.WriteString("task", o.Task.Name);
            w.WriteString("method", KebabCase.Of(o.Loss.Method));
            w.WriteString("runtime", s.Rollouts is null ? KebabCase.Of(o.Runtime.Kind) : "broker");
            w.WriteNumber("seed", o.Seed);
            w.WriteNumber("steps", s.StepsDone);
            Number(w, "wall_seconds", s.WallSeconds);
            Number(w, "steps_per_second", s.StepsDone / Math.Max(1e-9, s.WallSeconds));
            w.WriteNumber("parameters", s.ParameterCount);
            WriteEvaluation(w, "initial", s.Initial, Number);
            WriteEvaluation(w, "final", s.Final, Number);
            w.WriteStartObject("work");
            w.WriteNumber("forward_rows", s.Work.ForwardRows);
            w.WriteNumber("backward_rows", s.Work.BackwardRows);
            w.WriteNumber("forward_tokens", s.Work.ForwardTokens);
            w.WriteNumber("backward_tokens", s.Work.BackwardTokens);
            w.WriteNumber("sample_rows", s.Work.SampleRows);
            w.WriteNumber("sample_tokens", s.Work.SampleTokens);
            w.WriteNumber("forward_flops", s.Work.ForwardFlops);
            w.WriteNumber("backward_flops", s.Work.BackwardFlops);
            w.WriteEndObject();
            var f = s.Frictions;
            w.WriteStartObject("frictions");
            Number(w, "bug_fraction", f.Fraction(f.BugRows), "frictions");
            Number(w, "reward_flip_fraction", f.Fraction(f.RewardFlipRows), "frictions");
            Number(w, "discovery_fraction", f.Fraction(f.DiscoveryRows), "frictions");
            Number(w, "random_fraction", f.Fraction(f.RandomRows), "frictions");
            Number(w, "mean_lag", f.MeanLag, "frictions");
            w.WriteNumber("max_lag", f.MaxLag);
            w.WriteEndObject();
            w.WriteStartObject("lag");
            w.WriteNumber("min", f.Steps == 0 ? 0 : f.MinLag);
            Number(w, "mean", f.MeanLag, "lag");
            w.WriteNumber("max", f.MaxLag);
            w.WriteEndObject();
            if (s.Rollouts is { } rollouts)
            {
                w.WriteStartObject("rollouts");
                w.WriteNumber("received", rollouts.Received);
                w.WriteNumber("applied", rollouts.Applied);
                w.WriteNumber("rejected", rollouts.Rejected);
                WriteReasons(w, rollouts.RejectedByReason);
                w.WriteEndObject();
                if (rollouts.Rows is { } rows)
                {
                    w.WriteStartObject("rows");
                    w.WriteNumber("received", rows.Received);
                    w.WriteNumber("applied", rows.Applied);
                    w.WriteNumber("rejected", rows.Rejected);
                    WriteReasons(w, rows.RejectedByReason);
                    w.WriteEndObject();
                }
            }
            if (nonFinite.Count > 0)
            {
                // A diverged run still gets a summary; this says which numbers were NaN or infinite (written as null).
                w.WriteStartArray("non_finite");
                foreach (var name in nonFinite) w.WriteStringValue(name);
                w.WriteEndArray();
            }
            w.WritePropertyName("config");
            WriteOptions(w, o);
            w.WriteEndObject();
        });
    }

    static void WriteReasons(Utf8JsonWriter w, IReadOnlyDictionary<string, long>? reasons)
    {
        w.WriteStartObject("rejected_by_reason");
        foreach (var (reason, count) in reasons ?? new Dictionary<string, long>()) w.WriteNumber(reason, count);
        w.WriteEndObject();
    }

    static void WriteEvaluation(Utf8JsonWriter w, string name, Evaluation e, Action<Utf8JsonWriter, string, double, string?> number)
    {
        w.WriteStartObject(name);
        number(w, "reward", e.Reward, name);
        number(w, "error", e.Error, name);
        if (double.IsFinite(e.GreedySequenceError)) w.WriteNumber("greedy_sequence_error", e.GreedySequenceError);
        if (double.IsFinite(e.GreedyTokenError)) w.WriteNumber("greedy_token_error", e.GreedyTokenError);
        w.WriteEndObject();
    }

    /// <summary>Writes to a temporary file in the same folder, then renames it into place.</summary>
    public static void WriteAtomically(string path, Action<Utf8JsonWriter> write)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                write(writer);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _metricsStream.Dispose();
        _csv.Dispose();
        _tensorBoard?.Dispose();
    }
}
