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
    readonly FileStream _metricsStream;
    readonly Utf8JsonWriter _metrics;

    RunFolder(string path)
    {
        Path = path;
        _metricsStream = new FileStream(System.IO.Path.Combine(path, "metrics.jsonl"), FileMode.Create, FileAccess.Write, FileShare.Read);
        _metrics = new Utf8JsonWriter(_metricsStream);
    }

    public string Path { get; }

    /// <summary>Creates (or reuses an empty) folder; refuses one that already holds a run.</summary>
    public static RunFolder Create(string path)
    {
        if (File.Exists(path)) throw new OptionException("--out", $"'{path}' is a file; --out must name a folder for the run.");
        foreach (var existing in new[] { "summary.json", "metrics.jsonl" })
            if (File.Exists(System.IO.Path.Combine(path, existing)))
                throw new OptionException("--out", $"'{path}' already holds a run ({existing}); choose a new --out folder or delete the old run.");
        Directory.CreateDirectory(path);
        return new RunFolder(path);
    }

    /// <param name="error">the papers' error of this step's samples (<see cref="ITokenEnvironment.Error"/>)</param>
    public void WriteStep(int step, long policyVersion, in LearnerStepMetrics m, in Frictions.ActorStepMetrics actor, double error, double wallSeconds)
    {
        var w = _metrics;
        w.WriteStartObject();
        w.WriteNumber("step", step);
        w.WriteNumber("policy_version", policyVersion);
        w.WriteNumber("reward", m.RewardMean);
        // The papers' measure from the policy's own samples on this step's fresh prompts (rewards as observed, so
        // reward frictions show here; summary.json's initial/final errors are measured without frictions).
        w.WriteNumber("error", error);
        w.WriteNumber("loss", m.Loss);
        w.WriteNumber("advantage_mean", m.AdvantageMean);
        w.WriteNumber("advantage_std", m.AdvantageStd);
        w.WriteNumber("surprisal_mean", m.SurprisalMean);
        w.WriteNumber("gate_mean", m.GateMean);
        w.WriteNumber("kept_row_fraction", m.KeptRowFraction);
        w.WriteNumber("kept_token_fraction", m.KeptTokenFraction);
        w.WriteNumber("entropy_mean", m.EntropyMean);
        w.WriteNumber("grad_norm", m.GradientNorm);
        WriteFinite(w, "ratio_mean", m.RatioMean);
        WriteFinite(w, "ratio_max", m.RatioMax);
        w.WriteNumber("clip_fraction", m.ClipFraction);
        w.WriteNumber("drop_fraction", m.DropFraction);
        WriteFinite(w, "screen_disagreement", m.ScreenDisagreement);
        w.WriteNumber("forward_rows", m.ForwardRows);
        w.WriteNumber("backward_rows", m.BackwardRows);
        w.WriteNumber("forward_tokens", m.ForwardTokens);
        w.WriteNumber("backward_tokens", m.BackwardTokens);
        w.WriteNumber("forward_flops", m.ForwardFlops);
        w.WriteNumber("backward_flops", m.BackwardFlops);
        w.WriteNumber("lag", actor.Lag);
        w.WriteNumber("bug_fraction", actor.BugFraction);
        w.WriteNumber("discovery_fraction", actor.DiscoveryFraction);
        w.WriteNumber("random_fraction", actor.RandomFraction);
        w.WriteNumber("reward_flip_fraction", actor.RewardFlipFraction);
        w.WriteNumber("wall_seconds", wallSeconds);
        w.WriteEndObject();
        w.Flush();
        w.Reset(); // one JSON document per line
        _metricsStream.WriteByte((byte)'\n');
    }

    public void WriteSummary(RunSummary s)
    {
        var o = s.Options;
        WriteAtomically(System.IO.Path.Combine(Path, "summary.json"), w =>
        {
            w.WriteStartObject();
            w.WriteString("task", o.Task);
            w.WriteString("method", o.Method);
            w.WriteNumber("seed", o.Seed);
            w.WriteNumber("steps", s.StepsDone);
            w.WriteNumber("wall_seconds", s.WallSeconds);
            w.WriteNumber("steps_per_second", s.StepsDone / Math.Max(1e-9, s.WallSeconds));
            w.WriteNumber("parameters", s.ParameterCount);
            WriteEvaluation(w, "initial", s.Initial);
            WriteEvaluation(w, "final", s.Final);
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
            w.WriteNumber("bug_fraction", f.Fraction(f.BugRows));
            w.WriteNumber("reward_flip_fraction", f.Fraction(f.RewardFlipRows));
            w.WriteNumber("discovery_fraction", f.Fraction(f.DiscoveryRows));
            w.WriteNumber("random_fraction", f.Fraction(f.RandomRows));
            w.WriteNumber("mean_lag", f.MeanLag);
            w.WriteNumber("max_lag", f.MaxLag);
            w.WriteEndObject();
            w.WriteStartObject("config");
            w.WriteString("task", o.Task);
            w.WriteString("method", o.Method);
            w.WriteNumber("seed", o.Seed);
            w.WriteNumber("steps", o.Steps);
            w.WriteNumber("prompts", o.PromptsPerBatch);
            w.WriteNumber("samples", o.SamplesPerPrompt);
            w.WriteNumber("lr", o.LearningRate);
            w.WriteNumber("eta", o.Eta);
            w.WriteNumber("lambda", o.Lambda);
            if (o.PromptLength is { } promptLength) w.WriteNumber("prompt_length", promptLength);
            if (o.Vocabulary is { } vocab) w.WriteNumber("vocab", vocab);
            var t = o.TaskOptions;
            if (t.AnswerLength is { } answerLength) w.WriteNumber("answer_length", answerLength);
            if (t.NumPairs is { } pairs) w.WriteNumber("pairs", pairs);
            w.WriteBoolean("target_reverse", t.TargetReverse);
            w.WriteBoolean("target_increment", t.TargetIncrement);
            w.WriteBoolean("reward_to_first_error", t.RewardToFirstError);
            w.WriteNumber("kappa", t.Kappa);
            w.WriteBoolean("landmine", t.Landmine);
            w.WriteNumber("landmine_penalty", t.LandminePenalty);
            if (t.PoisonToken is { } poison) w.WriteNumber("poison_token", poison);
            w.WriteNumber("zero_prompt_prob", t.ZeroPromptProb);
            w.WriteNumber("zero_noise_std", t.ZeroNoiseStd);
            if (t.FinitePrompts is { } finite) w.WriteNumber("finite_prompts", finite);
            w.WriteNumber("eval_rows", o.EvaluationRows);
            if (o.KondoRate is { } rate) w.WriteNumber("kondo_rate", rate);
            if (o.KondoPrice is { } price) w.WriteNumber("kondo_price", price);
            w.WriteString("kondo_priority", o.KondoPriority);
            w.WriteString("kondo_granularity", o.KondoGranularity);
            w.WriteBoolean("kondo_stochastic", o.KondoStochastic);
            w.WriteString("screen", o.Screen);
            w.WriteString("advantage", o.Advantage);
            w.WriteNumber("staleness", o.Staleness);
            w.WriteString("staleness_mode", o.StalenessMode);
            w.WriteNumber("bug_prob", o.BugProb);
            w.WriteNumber("discovery_prob", o.DiscoveryProb);
            w.WriteNumber("random_prob", o.RandomProb);
            w.WriteNumber("reward_flip_prob", o.RewardFlipProb);
            w.WriteNumber("reward_noise_std", o.RewardNoiseStd);
            w.WriteNumber("logit_noise", o.LogitNoise);
            if (o.Truncation is { } truncation) w.WriteNumber("truncation", truncation);
            w.WriteNumber("epsilon", o.Epsilon);
            if (o.Beta is { } beta) w.WriteNumber("beta", beta);
            w.WriteNumber("alpha", o.Alpha);
            w.WriteNumber("gamma", o.Gamma);
            w.WriteNumber("delta", o.Delta);
            w.WriteBoolean("dg_stochastic", o.DgStochastic);
            w.WriteNumber("delight_noise", o.DelightNoise);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>JSON has no NaN: a metric that does not apply this step is null.</summary>
    static void WriteFinite(Utf8JsonWriter w, string name, float value)
    {
        if (float.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    static void WriteEvaluation(Utf8JsonWriter w, string name, Evaluation e)
    {
        w.WriteStartObject(name);
        w.WriteNumber("reward", e.Reward);
        w.WriteNumber("error", e.Error);
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
    }
}
