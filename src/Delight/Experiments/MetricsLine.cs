using System.Globalization;
using System.Text.Json;
using Delight.Runtime;

namespace Delight.Experiments;

/// <summary>
/// One logged step as named numbers, in a fixed order: the same fields go to metrics.jsonl, metrics.csv and
/// TensorBoard. Evaluation fields are present only on evaluation steps (NaN otherwise, written as null / empty).
/// </summary>
public sealed class MetricsLine
{
    public static readonly string[] Names =
    [
        "step", "policy_version", "reward", "error", "loss", "advantage_mean", "advantage_std", "surprisal_mean", "gate_mean",
        "kept_row_fraction", "kept_token_fraction", "entropy_mean", "grad_norm", "ratio_mean", "ratio_max", "clip_fraction",
        "drop_fraction", "screen_disagreement", "forward_rows", "backward_rows", "forward_tokens", "backward_tokens",
        "forward_flops", "backward_flops", "lag", "bug_fraction", "discovery_fraction", "random_fraction",
        "reward_flip_fraction", "grad_cosine_true", "grad_cosine_oracle", "eval_reward", "eval_error", "greedy_sequence_error", "greedy_token_error", "wall_seconds",
    ];

    /// <summary>Fields that carry wall-clock time: the only ones allowed to differ between two runs of one seed.</summary>
    public static readonly string[] WallClockNames = ["wall_seconds"];

    public double[] Values { get; } = new double[Names.Length];

    public void Set(in StepReport s)
    {
        var m = s.Learner;
        var a = s.Actor;
        var e = s.Evaluation ?? Evaluation.None;
        double[] v = Values;
        var i = 0;
        v[i++] = s.Step; v[i++] = s.PolicyVersion; v[i++] = m.RewardMean;
        // The papers' measure from this step's own samples (rewards as observed, so reward frictions show here);
        // eval_error is the clean measure on evaluation steps.
        v[i++] = s.BatchError;
        v[i++] = m.Loss; v[i++] = m.AdvantageMean; v[i++] = m.AdvantageStd; v[i++] = m.SurprisalMean; v[i++] = m.GateMean;
        v[i++] = m.KeptRowFraction; v[i++] = m.KeptTokenFraction; v[i++] = m.EntropyMean; v[i++] = m.GradientNorm;
        v[i++] = m.RatioMean; v[i++] = m.RatioMax; v[i++] = m.ClipFraction; v[i++] = m.DropFraction; v[i++] = m.ScreenDisagreement;
        v[i++] = m.ForwardRows; v[i++] = m.BackwardRows; v[i++] = m.ForwardTokens; v[i++] = m.BackwardTokens;
        v[i++] = m.ForwardFlops; v[i++] = m.BackwardFlops;
        v[i++] = a.Lag; v[i++] = a.BugFraction; v[i++] = a.DiscoveryFraction; v[i++] = a.RandomFraction; v[i++] = a.RewardFlipFraction;
        v[i++] = s.TrueGradientCosine; v[i++] = s.OracleCosine;
        v[i++] = e.Reward; v[i++] = e.Error; v[i++] = e.GreedySequenceError; v[i++] = e.GreedyTokenError;
        v[i++] = s.WallSeconds;
    }

    /// <summary>One JSON object; non-finite values (a metric that does not apply this step) are null.</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        for (var i = 0; i < Names.Length; i++)
        {
            var x = Values[i];
            if (!double.IsFinite(x)) w.WriteNull(Names[i]);
            else if (x == Math.Floor(x) && Math.Abs(x) < 1e15) w.WriteNumber(Names[i], (long)x);
            else w.WriteNumber(Names[i], x);
        }
        w.WriteEndObject();
    }

    /// <summary>Fields every step has a number for; NaN there (or ±∞ anywhere) means the run diverged, not "not applicable".</summary>
    static readonly string[] s_alwaysDefined = ["reward", "error", "loss", "grad_norm"];
    static readonly bool[] s_isAlwaysDefined = Names.Select(n => s_alwaysDefined.Contains(n)).ToArray();

    /// <summary>Adds the name of every field of this line that is ±∞, or NaN where a number was due.</summary>
    public void CollectNonFinite(ISet<string> names)
    {
        for (var i = 0; i < Names.Length; i++)
            if (double.IsInfinity(Values[i]) || (double.IsNaN(Values[i]) && s_isAlwaysDefined[i])) names.Add(Names[i]);
    }

    public static string CsvHeader => string.Join(',', Names);

    /// <summary>One CSV row into <paramref name="buffer"/>; empty cells for non-finite values.</summary>
    public int WriteCsv(Span<char> buffer)
    {
        var n = 0;
        for (var i = 0; i < Names.Length; i++)
        {
            if (i > 0) buffer[n++] = ',';
            var x = Values[i];
            if (!double.IsFinite(x)) continue;
            x.TryFormat(buffer[n..], out var written, "R", CultureInfo.InvariantCulture);
            n += written;
        }
        buffer[n++] = '\n';
        return n;
    }
}
