using Delight.Reports;

namespace Delight.Test.Reports;

public sealed class RunLoaderTest : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("delight-runs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Good(string name, ulong seed = 0) => HandMadeRuns.Write(_root, name, "dg", seed, [0.8, 0.6], 0.5, [("eta", 1)]);

    [Fact]
    public void RunLoaderTest_Load_ReadsSummaryAndCumulatesWork()
    {
        var run = RunLoader.Load(Good("a"));
        Assert.Equal(("reversal", "dg", 0UL, 2), (run.Task, run.Method, run.Seed, run.StepsDone));
        Assert.Equal((0.9, 0.5), (run.InitialError, run.FinalError));
        Assert.Equal(["task", "method", "seed", "steps", "eta"], run.Config.Select(e => e.Key));
        Assert.Equal("1", run.ConfigValue("eta"));
        Assert.Equal("dg", run.ConfigValue("method")); // strings unquoted
        Assert.Null(run.ConfigValue("kondo_rate"));
        Assert.Equal([100.0, 200.0], run.Steps.Select(s => s.ForwardTokens));
        Assert.Equal(160, run.TotalWork("backward_tokens"));
    }

    [Fact]
    public void RunLoaderTest_Load_LogEveryCountsTheUnloggedSteps()
    {
        // Logged at steps 5 and 10 (--log-every 5): each line's work stands for the 5 steps up to it.
        var run = RunLoader.Load(HandMadeRuns.Write(_root, "sparse", "dg", 0, [0.8, 0.6], 0.5, steps: [5, 10]));
        Assert.Equal([500.0, 1000.0], run.Steps.Select(s => s.ForwardTokens));
    }

    [Fact]
    public void RunLoaderTest_Scan_FindsRunsAtAnyDepthAndSkipsBrokenOnesWithTheReason()
    {
        Good("sweep/dg/s0");
        Good("sweep/dg/s1", seed: 1);
        // Still running: metrics but no summary.
        var running = Directory.CreateDirectory(Path.Combine(_root, "running")).FullName;
        File.WriteAllText(Path.Combine(running, "metrics.jsonl"), "{\"step\":1,\"error\":0.9}\n");
        // Killed mid-write: the last line is cut.
        var cut = Good("cut");
        File.AppendAllText(Path.Combine(cut, "metrics.jsonl"), "{\"step\":3,\"err");
        // A summary without the final error.
        var noFinal = Good("no-final");
        File.WriteAllText(Path.Combine(noFinal, "summary.json"), "{\"task\":\"reversal\",\"method\":\"dg\",\"seed\":0,\"steps\":2,\"wall_seconds\":1,\"initial\":{\"error\":0.9},\"config\":{}}");
        // Steps going backwards.
        var backwards = Good("backwards");
        File.AppendAllText(Path.Combine(backwards, "metrics.jsonl"), "{\"step\":1,\"error\":0.9}\n");
        Directory.CreateDirectory(Path.Combine(_root, "unrelated"));

        var scan = RunLoader.Scan(_root);

        Assert.Equal(2, scan.Runs.Count);
        var reasons = scan.Skipped.ToDictionary(s => Path.GetFileName(s.Folder), s => s.Reason);
        Assert.Equal(["backwards", "cut", "no-final", "running"], reasons.Keys.Order());
        Assert.Contains("no summary.json yet", reasons["running"]);
        Assert.StartsWith("metrics.jsonl line 3 is not valid JSON", reasons["cut"]);
        Assert.Equal("summary.json has no 'final' object", reasons["no-final"]);
        Assert.Equal("metrics.jsonl line 3: step 1 does not increase", reasons["backwards"]);
    }

    [Fact]
    public void RunLoaderTest_Scan_MissingFolderNamesIt()
    {
        var missing = Path.Combine(_root, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => RunLoader.Scan(missing));
        Assert.Contains($"'{missing}' does not exist", e.Message);
    }
}
