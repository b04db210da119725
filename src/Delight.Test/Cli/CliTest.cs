using System.Text.Json;
using Delight.Cli;
using static Delight.Test.Cli.InProcessCli;

namespace Delight.Test.Cli;

/// <summary>The `delight` tool run in-process, as a user would call it.</summary>
public sealed class CliTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("--task", "cartpole", "--task 'cartpole' is unknown")]
    [InlineData("--method", "sac", "--method 'sac' is unknown")]
    [InlineData("--steps", "0", "--steps 0 (in the command line) is out of range; give a value from 1 to 100000000.")]
    [InlineData("--prompts", "-3", "--prompts -3 (in the command line) is out of range; give a value from 1 to 10000.")]
    [InlineData("--steps", "many", "many")]
    public void CliTest_Train_BadInputIsOneLineAndWritesNothing(string option, string value, string expected)
    {
        var outDir = Path.Combine(_folder, "run");
        var (code, _, error) = Run("train", option, value, "--out", outDir);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void CliTest_Train_RefusesToOverwriteARun()
    {
        var outDir = Path.Combine(_folder, "run");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "summary.json"), "{\"keep\":1}");
        var (code, _, error) = Run("train", "--steps", "1", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("already holds a run", error);
        Assert.Equal("{\"keep\":1}", File.ReadAllText(Path.Combine(outDir, "summary.json")));
    }

    [Fact]
    public void CliTest_Train_WritesMetricsAndSummary()
    {
        var outDir = Path.Combine(_folder, "run");
        var (code, output, error) = Run("train", "--task", "reversal", "--method", "dg", "--steps", "3", "--seed", "7",
            "--prompt-length", "4", "--eval-rows", "20", "--out", outDir);
        Assert.True(code == 0, error);
        Assert.Contains("summary.json", output);
        var lines = File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"));
        Assert.Equal(3, lines.Length);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal(1, first.RootElement.GetProperty("step").GetInt32());
            var reward = first.RootElement.GetProperty("reward").GetDouble();
            Assert.Equal(1 - reward, first.RootElement.GetProperty("error").GetDouble(), 5);
        }
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("reversal", root.GetProperty("task").GetString());
        Assert.Equal("dg", root.GetProperty("method").GetString());
        Assert.Equal(7, root.GetProperty("seed").GetInt32());
        Assert.Equal(3, root.GetProperty("steps").GetInt32());
        Assert.True(root.GetProperty("wall_seconds").GetDouble() > 0);
        foreach (var phase in new[] { "initial", "final" })
        {
            var e = root.GetProperty(phase);
            Assert.Equal(1 - e.GetProperty("reward").GetDouble(), e.GetProperty("error").GetDouble(), 9);
        }
        var work = root.GetProperty("work");
        Assert.Equal(300, work.GetProperty("forward_rows").GetInt64());
        Assert.Equal(300 * 7, work.GetProperty("forward_tokens").GetInt64());
        Assert.InRange(work.GetProperty("backward_rows").GetInt64(), 0, 300);
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp-*"));
    }
}
