using System.Text.Json.Nodes;
using Delight.Cli;

namespace Delight.Test.RuntimeTests;

/// <summary>Stop at step k and resume equals the uninterrupted run, line for line (wall-clock fields aside).</summary>
public sealed class ResumeTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly string[] Common =
    [
        "--prompt-length", "4", "--prompts", "4", "--samples", "4", "--eval-rows", "40", "--eval-every", "4", "--quiet",
        "--staleness", "3", "--bug-prob", "0.1", "--reward-flip-prob", "0.1", "--kondo-rate", "0.5", "--seed", "7",
    ];

    static void Run(params string[] args)
    {
        var error = new StringWriter();
        Assert.True(Program.Run(args, new StringWriter(), error) == 0, error.ToString());
    }

    static List<string> Metrics(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(line =>
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("wall_seconds");
        return o.ToJsonString();
    }).ToList();

    [Theory]
    [InlineData("dg")]
    [InlineData("ppo")]
    public void ResumeTest_StopAtKThenResume_EqualsUninterrupted(string method)
    {
        string whole = Path.Combine(_folder, "whole" + method), parts = Path.Combine(_folder, "parts" + method);
        // dg's stochastic gate draws from the loss's own stream, which the state must carry too (other methods refuse it).
        string[] own = method == "dg" ? ["--dg-stochastic"] : [];
        Run(["train", "--method", method, "--steps", "12", "--out", whole, .. Common, .. own]);
        Run(["train", "--method", method, "--steps", "8", "--checkpoint-every", "4", "--out", parts, .. Common, .. own]);
        // A crash after the step-8 checkpoint could have left later lines; resume cuts them. Simulate one.
        File.AppendAllText(Path.Combine(parts, "metrics.jsonl"), "{\"step\":9,\"reward\":0}\n");
        Run(["resume", parts, "--steps", "12", "--quiet"]);
        Assert.Equal(Metrics(whole), Metrics(parts));
        var summaryWhole = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "summary.json")))!;
        var summaryParts = JsonNode.Parse(File.ReadAllText(Path.Combine(parts, "summary.json")))!;
        Assert.Equal(summaryWhole["final"]!.ToJsonString(), summaryParts["final"]!.ToJsonString());
        Assert.Equal(summaryWhole["work"]!.ToJsonString(), summaryParts["work"]!.ToJsonString());
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "metrics.csv")).Length, File.ReadAllLines(Path.Combine(parts, "metrics.csv")).Length);
    }

    [Fact]
    public void ResumeTest_RateTargetedStochasticKondo_ContinuesItsPriceHistory()
    {
        // The price is a quantile of a ring buffer of row scores (16 rows a step, capacity 20: it wraps every step).
        string[] kondo = ["--method", "kondo", "--kondo-stochastic", "--kondo-granularity", "row", "--kondo-history", "20",
            "--kondo-warmup", "8", "--kondo-eta", "0.1", "--kondo-ipw", "--kondo-row-score", "sum"];
        string whole = Path.Combine(_folder, "whole-kondo"), parts = Path.Combine(_folder, "parts-kondo");
        Run(["train", "--steps", "12", "--out", whole, .. Common, .. kondo]);
        Run(["train", "--steps", "8", "--checkpoint-every", "4", "--out", parts, .. Common, .. kondo]);
        Run(["resume", parts, "--steps", "12", "--quiet"]);
        Assert.Equal(Metrics(whole), Metrics(parts));
    }

    [Fact]
    public void ResumeTest_BadFolders_AreOneLineErrors()
    {
        var error = new StringWriter();
        Assert.Equal(2, Program.Run(["resume", Path.Combine(_folder, "missing")], new StringWriter(), error));
        Assert.Contains("does not exist", error.ToString());

        var run = Path.Combine(_folder, "nocheckpoint");
        Run(["train", "--steps", "2", "--out", run, .. Common]);
        File.Delete(Path.Combine(run, "state.safetensors"));
        error = new StringWriter();
        Assert.Equal(2, Program.Run(["resume", run, "--steps", "4"], new StringWriter(), error));
        Assert.Contains("no state.safetensors", error.ToString());

        // A config edited after the checkpoint belongs to another run.
        var edited = Path.Combine(_folder, "edited");
        Run(["train", "--steps", "4", "--checkpoint-every", "2", "--out", edited, .. Common]);
        var config = Path.Combine(edited, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"eta\": 1", "\"eta\": 0.5"));
        error = new StringWriter();
        Assert.Equal(2, Program.Run(["resume", edited, "--steps", "6"], new StringWriter(), error));
        Assert.Contains("eta", error.ToString());
        Assert.Contains("differ from config.json", error.ToString());
    }
}
