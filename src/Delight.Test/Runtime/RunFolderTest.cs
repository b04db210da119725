using System.Globalization;
using System.Text.Json.Nodes;
using Delight.Cli;
using Delight.Test.Experiments;

namespace Delight.Test.RuntimeTests;

/// <summary>What `delight train` writes: reproducible metrics files, a CSV that matches them, TensorBoard scalars.</summary>
public sealed class RunFolderTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-runfolder-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly string[] Small = ["--prompt-length", "4", "--prompts", "4", "--samples", "4", "--eval-rows", "40", "--eval-every", "3", "--steps", "6", "--quiet"];

    string Train(string name, params string[] extra)
    {
        if (!extra.Contains("--seed")) extra = [.. extra, "--seed", "11"];
        var folder = Path.Combine(_folder, name);
        var error = new StringWriter();
        Assert.True(Program.Run(["train", "--out", folder, .. Small, .. extra], new StringWriter(), error) == 0, error.ToString());
        return folder;
    }

    static List<string> WithoutWallClock(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(line =>
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("wall_seconds");
        return o.ToJsonString();
    }).ToList();

    [Theory]
    [InlineData("sync")]
    [InlineData("lag", "--staleness", "4", "--bug-prob", "0.2", "--reward-noise-std", "0.1")]
    public void RunFolderTest_SameSeed_IdenticalMetricsFiles(string name, params string[] extra)
    {
        var a = Train(name + "-a", extra);
        var b = Train(name + "-b", extra);
        Assert.Equal(WithoutWallClock(a), WithoutWallClock(b));
        Assert.NotEqual(WithoutWallClock(a), WithoutWallClock(Train(name + "-c", [.. extra, "--seed", "12"])));
    }

    [Fact]
    public void RunFolderTest_CsvMatchesJsonLines()
    {
        var run = Train("csv");
        var csv = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        var header = csv[0].Split(',');
        var json = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(json.Count, csv.Length - 1);
        for (var i = 0; i < json.Count; i++)
        {
            var cells = csv[i + 1].Split(',');
            Assert.Equal(header.Length, cells.Length);
            for (var c = 0; c < header.Length; c++)
            {
                var value = json[i][header[c]];
                if (value is null) Assert.Equal("", cells[c]);
                else Assert.Equal(value.GetValue<double>(), double.Parse(cells[c], CultureInfo.InvariantCulture), 12);
            }
        }
        Assert.NotNull(json[2]["eval_error"]);   // step 3: an evaluation step
        Assert.Null(json[0]["eval_error"]);
    }

    [Fact]
    public void RunFolderTest_TensorBoard_DecodesToTheLoggedScalars()
    {
        var run = Train("tb", "--tensorboard");
        var file = Assert.Single(Directory.GetFiles(run, "events.out.tfevents.*"));
        var events = TfEventsReader.ReadEvents(file);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        var rewards = events.Where(e => e.Values.Count == 1 && e.Values[0].Tag == "train/reward").ToDictionary(e => e.Step, e => e.Values[0].SimpleValue!.Value);
        var json = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(json.Count, rewards.Count);
        foreach (var line in json)
            Assert.Equal((float)line["reward"]!.GetValue<double>(), rewards[line["step"]!.GetValue<long>()]);
        Assert.DoesNotContain(events, e => e.Values.Any(v => v.Tag == "train/ratio_mean")); // null in metrics: not plotted
    }
}
