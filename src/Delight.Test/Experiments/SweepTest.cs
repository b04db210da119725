using Delight.Losses;
using System.Globalization;
using System.Text.Json;
using Delight.Cli;
using Delight.Cli.Commands;
using Delight.Experiments.Sweeps;
using Delight.Runtime;

namespace Delight.Test.Experiments;

/// <summary>delight sweep: specs from flags and files, bad input before any run, folders, and a real tiny sweep.</summary>
public sealed class SweepTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-sweep-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly string[] s_tiny = ["--task", "reversal", "--prompt-length", "3", "--prompts", "4", "--samples", "4", "--steps", "5", "--eval-rows", "20"];

    static (int Code, string Output, string Error) Cli(params string[] args) => Delight.Test.Cli.InProcessCli.Run(args);

    string WriteFile(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void SweepTest_Arguments_MethodsGridAndSeedsBecomeTypedAxes()
    {
        var spec = new SweepArguments { Methods = "pg,dg", Seeds = 3, Grid = ["staleness=0,4", "--eta=0.5"] }
            .ToSpec(new TrainOptions { Steps = 7 });
        Assert.Equal(["method", "staleness", "eta"], spec.Axes.Select(a => a.Name));
        Assert.Equal(["pg", "dg"], spec.Axes[0].Values.Select(OptionEntry.Format));
        Assert.Equal([0, 4], spec.Axes[1].Values.Cast<int>());
        Assert.Equal(0.5f, Assert.Single(spec.Axes[2].Values));
        Assert.Equal([0UL, 1UL, 2UL], spec.Seeds);
        Assert.Equal(7, spec.Base.Steps);
        Assert.Equal(4, spec.ConfigurationCount);

        var listed = new SweepArguments { SeedList = "3,7" }.ToSpec(new TrainOptions());
        Assert.Empty(listed.Axes);
        Assert.Equal([3UL, 7UL], listed.Seeds);
    }

    [Fact]
    public void SweepTest_File_YamlAndJsonGiveTheSameSpec_AndFlagsOverrideTheFile()
    {
        var yaml = SweepFile.Load(WriteFile("s.yaml", """
            base:
              task: reversal
              steps: 9
              lr: 0.01
            grid:
              method: [pg, dg]
              kondo-rate: [null, 0.1]
            seeds: 2
            """));
        var json = SweepFile.Load(WriteFile("s.json", """
            { "base": { "task": "reversal", "steps": 9, "lr": 0.01 },
              "grid": { "method": ["pg", "dg"], "kondo-rate": [null, 0.1] },
              "seeds": [0, 1] }
            """));
        foreach (var spec in new[] { yaml, json })
        {
            Assert.Equal(9, spec.Base.Steps);
            Assert.Equal(0.01f, spec.Base.Optimizer.LearningRate);
            Assert.Equal(["method", "kondo-rate"], spec.Axes.Select(a => a.Name));
            Assert.Equal([null, 0.1f], spec.Axes[1].Values);
            Assert.Equal([0UL, 1UL], spec.Seeds);
        }
        Assert.Equal(yaml.Expand("OUT").Select(r => (r.Folder, r.Options)), json.Expand("OUT").Select(r => (r.Folder, r.Options)));

        // Flags replace the file's axis of the same name in place, add new ones, and replace its seeds.
        var merged = new SweepArguments { Methods = "ppo", Grid = ["staleness=2"], SeedList = "5" }.ToSpec(yaml.Base, yaml);
        Assert.Equal(["method", "kondo-rate", "staleness"], merged.Axes.Select(a => a.Name));
        Assert.Equal(["ppo"], merged.Axes[0].Values.Select(OptionEntry.Format));
        Assert.Equal([5UL], merged.Seeds);

        // A file without seeds runs the base seed, and a --seed flag over the file's base moves it.
        var unseeded = SweepFile.Load(WriteFile("u.yaml", "base: {seed: 4}\ngrid: {method: [pg]}\n"));
        Assert.Equal([4UL], unseeded.Seeds);
        Assert.Equal([9UL], new SweepArguments().ToSpec(unseeded.Base with { Seed = 9 }, unseeded).Seeds);
    }

    [Theory]
    [InlineData("unknown option 'stalenes' in --grid; did you mean 'staleness'?", null, null, "stalenes=0,4")]
    [InlineData("'staleness' in --grid must be an integer from 0 to 10000, got 'four'.", null, null, "staleness=0,four")]
    [InlineData("--grid expects name=value1,value2", null, null, "staleness")]
    [InlineData("grid axis 'eta' in --grid has no values", null, null, "eta=")]
    [InlineData("lists 4 twice", null, null, "staleness=4,4")]
    [InlineData("axis 'method' is given twice (--methods and --grid method=ppo)", "pg,dg", null, "method=ppo")]
    [InlineData("'seed' in --grid is not a grid axis", null, null, "seed=1,2")]
    [InlineData("seeds in --seeds must be a positive count, got 0", null, 0, null)]
    [InlineData("nothing to sweep", null, null, null)]
    public void SweepTest_Arguments_BadInputIsAClearError(string expected, string? methods, int? seeds, string? grid)
    {
        var arguments = new SweepArguments { Methods = methods, Seeds = seeds, Grid = grid is null ? [] : [grid] };
        var e = Assert.Throws<OptionException>(() => arguments.ToSpec(new TrainOptions()));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("grid: {}\nseeds: 3\n", "the grid in sweep file")]
    [InlineData("grid:\nseeds: 3\n", "the grid in sweep file")]
    [InlineData("grid:\n  method: []\n", "grid axis 'method' in 'grid' of sweep file")]
    [InlineData("grid:\n  method: pg\n", "must be a list of values")]
    [InlineData("base:\n  stpes: 3\ngrid:\n  method: [pg]\n", "unknown option 'stpes' in 'base' of sweep file")]
    [InlineData("grid:\n  methd: [pg, dg]\n", "did you mean 'method'?")]
    [InlineData("grid:\n  steps: [10, ten]\n", "'steps' in 'grid' of sweep file")]
    [InlineData("base:\n  steps: 3\n", "nothing to sweep")]
    [InlineData("grids:\n  method: [pg]\n", "unknown key 'grids'")]
    [InlineData("seeds: 0\n", "must be a positive count")]
    [InlineData("seeds: many\n", "must be a count N")]
    public void SweepTest_File_BadInputIsAClearError(string text, string expected)
    {
        var path = WriteFile("bad.yaml", text);
        var e = Assert.Throws<OptionException>(() => SweepFile.Load(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void SweepTest_Cli_EmptyGridFileFailsBeforeWritingAnything()
    {
        var outDir = Path.Combine(_folder, "out");
        var (code, _, error) = Cli("sweep", "--file", WriteFile("empty.json", """{ "grid": {} }"""), "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("the grid in sweep file", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void SweepTest_Expand_FoldersOrderAndOptions()
    {
        var spec = new SweepArguments { Methods = "pg,dg", Grid = ["staleness=0,4"], SeedList = "1,3" }.ToSpec(new TrainOptions { Steps = 2 });
        var runs = spec.Expand("OUT");
        Assert.Equal(
        [
            "OUT/method=pg,staleness=0/seed=1", "OUT/method=pg,staleness=0/seed=3", "OUT/method=pg,staleness=4/seed=1", "OUT/method=pg,staleness=4/seed=3",
            "OUT/method=dg,staleness=0/seed=1", "OUT/method=dg,staleness=0/seed=3", "OUT/method=dg,staleness=4/seed=1", "OUT/method=dg,staleness=4/seed=3",
        ], runs.Select(r => r.Folder.Replace('\\', '/')));
        var last = runs[^1];
        Assert.Equal((Method.Dg, 4, 3UL, 2), (last.Options.Loss.Method, last.Options.Frictions.Staleness.Versions, last.Options.Seed, last.Options.Steps));
        Assert.Equal("dg staleness=4 seed=3", last.Label);

        // Only seeds: the seed folders sit right under OUT.
        Assert.Equal(["OUT/seed=0", "OUT/seed=1"], new SweepArguments { Seeds = 2 }.ToSpec(new TrainOptions()).Expand("OUT").Select(r => r.Folder.Replace('\\', '/')));
    }

    [Fact]
    public void SweepTest_Expand_UnsafeCharactersCannotLeaveTheSweepFolder()
    {
        Assert.Equal("a_b_c", SweepRun.SafeName("a/b\\c"));
        Assert.Equal("__", SweepRun.SafeName(".."));
        Assert.Equal("x_1_y_2", SweepRun.SafeName("x=1,y 2"));
        Assert.Equal("1E-05", SweepRun.SafeName(OptionEntry.Format(1e-5f)));
        var runs = new SweepArguments { Grid = ["mnist-dir=../up,data/mnist"] }.ToSpec(new TrainOptions()).Expand("OUT");
        Assert.Equal(["OUT/mnist-dir=.._up/seed=0", "OUT/mnist-dir=data_mnist/seed=0"], runs.Select(r => r.Folder.Replace('\\', '/')));
        Assert.Equal("../up", runs[0].Options.Task.MnistFolder);

        var clash = new SweepArguments { Grid = ["mnist-dir=a/b,a_b"] }.ToSpec(new TrainOptions());
        Assert.Contains("map to one folder", Assert.Throws<OptionException>(() => clash.Expand("OUT")).Message);
    }

    [Fact]
    public void SweepTest_Expand_ValidatesEveryRunAndNamesTheBadOne()
    {
        // A value the option's type refuses (an unknown method) is refused as the axis is read, naming where.
        var unknown = Assert.Throws<OptionException>(() => new SweepArguments { Methods = "pg,dgg", Seeds = 2 }.ToSpec(new TrainOptions()));
        Assert.Contains("--method 'dgg' is unknown (in --methods)", unknown.Message);
        // A rule between options is checked for every run, naming the run.
        var spec = new SweepArguments { Methods = "pg,dg", Grid = ["epsilon=0.1"], Seeds = 1 }.ToSpec(new TrainOptions());
        var e = Assert.Throws<OptionException>(() => spec.Expand(_folder));
        Assert.Contains("sweep run 'pg epsilon=0.1 seed=0': --epsilon 0.1 is not an option of pg", e.Message);

        var (code, _, error) = Cli(["sweep", .. s_tiny, "--methods", "pg", "--grid", "samples=4,1", "--out", Path.Combine(_folder, "out")]);
        Assert.Equal(2, code);
        Assert.Contains("sweep run 'pg samples=1 seed=0'", error);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public void SweepTest_RealSweep_AggregatesMeanAndStandardErrorOverSeeds_ResumesAndRedoesPartialRuns()
    {
        var outDir = Path.Combine(_folder, "sweep");
        string[] args = ["sweep", .. s_tiny, "--methods", "pg,dg", "--seeds", "2", "--jobs", "2", "--out", outDir];
        var (code, output, error) = Cli(args);
        Assert.True(code == 0, error + output);
        Assert.Contains("4 to run on 2 workers", output);
        Assert.Contains("[4/4] ", output);
        Assert.Matches(@"\[\d/4\] dg seed=1 done: error \d\.\d{3} \(\d+\.\d s\)", output);
        foreach (var name in new[] { "aggregate.csv", "summary.csv", "sweep.json", "report.html" })
            Assert.True(File.Exists(Path.Combine(outDir, name)), name);

        // aggregate.csv against the two seeds' metrics.jsonl: for n = 2, mean (a + b)/2 and s.e. s/√2 = |a − b|/2.
        var aggregate = ReadCsv(Path.Combine(outDir, "aggregate.csv"));
        Assert.Equal(2 * 5, aggregate.Count); // 2 configurations × 5 logged steps
        foreach (var method in new[] { "pg", "dg" })
        {
            var seeds = new[] { 0, 1 }.Select(s => File.ReadAllLines(Path.Combine(outDir, $"method={method}", $"seed={s}", "metrics.jsonl"))).ToArray();
            for (var step = 1; step <= 5; step++)
            {
                var row = Assert.Single(aggregate, r => r["method"] == method && r["step"] == step.ToString(CultureInfo.InvariantCulture));
                Assert.Equal("2", row["n"]);
                foreach (var metric in new[] { "error", "reward", "kept_row_fraction", "backward_tokens", "wall_seconds" })
                {
                    var (a, b) = (Field(seeds[0][step - 1], metric), Field(seeds[1][step - 1], metric));
                    AssertClose((a + b) / 2, row[metric + "_mean"]);
                    AssertClose(Math.Abs(a - b) / 2, row[metric + "_se"]);
                }
                // Evaluation runs before and after training only, so eval_error is on the last step and empty elsewhere.
                if (step < 5) Assert.Equal("", row["eval_error_mean"]);
                else AssertClose((Field(seeds[0][4], "eval_error") + Field(seeds[1][4], "eval_error")) / 2, row["eval_error_mean"]);
            }
        }

        // summary.csv against summary.json: final error and total backward work.
        var summary = ReadCsv(Path.Combine(outDir, "summary.csv"));
        Assert.Equal(["pg", "dg"], summary.Select(r => r["method"]));
        foreach (var row in summary)
        {
            var runs = new[] { 0, 1 }.Select(s => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, $"method={row["method"]}", $"seed={s}", "summary.json"))).RootElement).ToArray();
            Assert.Equal(("2", "2"), (row["seeds"], row["n"]));
            var (a, b) = (runs[0].GetProperty("final").GetProperty("error").GetDouble(), runs[1].GetProperty("final").GetProperty("error").GetDouble());
            AssertClose((a + b) / 2, row["final_error_mean"]);
            AssertClose(Math.Abs(a - b) / 2, row["final_error_se"]);
            var (wa, wb) = (runs[0].GetProperty("work").GetProperty("backward_flops").GetDouble(), runs[1].GetProperty("work").GetProperty("backward_flops").GetDouble());
            AssertClose((wa + wb) / 2, row["work_backward_flops_mean"]);
            AssertClose(Math.Abs(wa - wb) / 2, row["work_backward_flops_se"]);
        }

        // Running again trains nothing: every summary.json is left as it was.
        var summaries = Directory.GetFiles(outDir, "summary.json", SearchOption.AllDirectories);
        Assert.Equal(4, summaries.Length);
        var written = summaries.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        (code, output, error) = Cli(args);
        Assert.True(code == 0, error + output);
        Assert.Contains("4 finished already, nothing to run", output);
        Assert.All(summaries, f => Assert.Equal(written[f], File.GetLastWriteTimeUtc(f)));

        // A run killed before its summary (here: summary removed, a stray file left) is deleted and trained again;
        // sweep.json reruns the sweep as written.
        var partial = Path.Combine(outDir, "method=dg", "seed=1");
        File.Delete(Path.Combine(partial, "summary.json"));
        File.WriteAllText(Path.Combine(partial, "half-written.tmp"), "x");
        (code, output, error) = Cli("sweep", "--file", Path.Combine(outDir, "sweep.json"), "--jobs", "2", "--out", outDir);
        Assert.True(code == 0, error + output);
        Assert.Contains("3 finished already, 1 to run on 1 worker", output);
        Assert.Contains("[1/1] dg seed=1 done", output);
        Assert.True(File.Exists(Path.Combine(partial, "summary.json")));
        Assert.False(File.Exists(Path.Combine(partial, "half-written.tmp")));
        Assert.All(summaries.Where(f => !f.StartsWith(partial, StringComparison.Ordinal)), f => Assert.Equal(written[f], File.GetLastWriteTimeUtc(f)));
        // Same seed, same metrics (sync runtime): the redone run's rows equal the first sweep's.
        Assert.Equal(aggregate.Select(r => r["error_mean"]), ReadCsv(Path.Combine(outDir, "aggregate.csv")).Select(r => r["error_mean"]));

        // A changed sweep into the same folder would average runs of other options: refused before anything runs.
        (code, _, error) = Cli(["sweep", .. s_tiny[..^4], "--steps", "6", "--eval-rows", "20", "--methods", "pg,dg", "--seeds", "2", "--out", outDir]);
        Assert.Equal(2, code);
        Assert.Contains("holds a finished run with other options (steps: 5 ≠ 6)", error);
    }

    [Fact]
    public void SweepTest_Runner_AFailingRunIsRecordedAndTheOthersFinish()
    {
        var outDir = Path.Combine(_folder, "failing");
        var spec = new SweepArguments { Methods = "pg,dg", Seeds = 2 }
            .ToSpec(new TrainOptions { Steps = 3, Task = new() { Name = "reversal", PromptLength = 3 }, Batch = new() { Prompts = 4, Samples = 4 }, Evaluation = new() { Rows = 20 } });
        SweepTrainer train = (options, folder) => options is { Loss.Method: Method.Pg, Seed: 1 }
            ? throw new InvalidOperationException("diverged")
            : SweepCommand.Trainer(options, folder);
        var progress = new StringWriter();
        var outcome = Sweep.Run(spec, outDir, jobs: 2, train, progress);

        var failure = Assert.Single(outcome.Result.Failed);
        Assert.Equal("pg seed=1", failure.Run.Label);
        Assert.Contains("diverged", failure.Reason);
        Assert.Equal(["pg seed=0", "dg seed=0", "dg seed=1"], outcome.Result.Completed.Select(r => r.Label));
        Assert.False(outcome.Result.Succeeded);
        Assert.Contains("pg seed=1 FAILED: InvalidOperationException: diverged", progress.ToString());
        // The aggregate covers what finished: pg from one seed (s.e. 0), dg from two.
        var summary = ReadCsv(outcome.SummaryPath!);
        Assert.Equal([("pg", "2", "1", "0"), ("dg", "2", "2", summary[1]["final_error_se"])],
            summary.Select(r => (r["method"], r["seeds"], r["n"], r["final_error_se"])));
    }

    static double Field(string jsonLine, string name)
    {
        using var line = JsonDocument.Parse(jsonLine);
        return line.RootElement.GetProperty(name).GetDouble();
    }

    static void AssertClose(double expected, string actual) =>
        Assert.True(Math.Abs(expected - double.Parse(actual, CultureInfo.InvariantCulture)) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    /// <summary>The sweep's CSV files hold no quoted cells for these axes, so a plain split reads them.</summary>
    static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second))];
    }
}
