using System.Globalization;
using System.Text.RegularExpressions;
using Delight.Test.Distributed;
using Delight.Test.Environments;

namespace Delight.Test.Examples;

/// <summary>
/// Every examples/*.cs runs as a user runs it (<c>dotnet run examples/NAME.cs</c>) with a small step count, and what it
/// prints is checked: the example compiles against the public API, runs to the end, and learns or saves what it says.
/// </summary>
[Collection(DotnetRunCollection.Name)]
public sealed partial class ExamplesTest
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    static double Number(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void ExamplesTest_EveryExample_HasATest()
    {
        var examples = Directory.GetFiles(Path.Combine(DotnetRun.RepositoryRoot, "examples"), "*.cs").Select(Path.GetFileName).Order();
        Assert.Equal(["custom-loss.cs", "distributed-actor.cs", "kondo-gate.cs", "mnist-pg-vs-dg.cs", "own-environment.cs"], examples);
    }

    [Fact]
    public void ExamplesTest_OwnEnvironment_DgLearnsToSort()
    {
        var output = DotnetRun.Run("examples/own-environment.cs", Timeout, "60");
        var m = OwnEnvironmentLine().Match(output);
        Assert.True(m.Success, output);
        Assert.True(Number(m, "last") > Number(m, "first") + 0.1, output);
    }

    [Fact]
    public void ExamplesTest_CustomLoss_LearnsAndSkipsTheRowsItZeroes()
    {
        var output = DotnetRun.Run("examples/custom-loss.cs", Timeout, "60");
        var m = CustomLossLine().Match(output);
        Assert.True(m.Success, output);
        Assert.True(Number(m, "last") > Number(m, "first"), output);
        Assert.True(Number(m, "backward") < Number(m, "forward") / 2, output); // max(U, 0) zeroes at least the failures
    }

    [MnistFact]
    public void ExamplesTest_MnistPgVsDg_BothLearn()
    {
        var output = DotnetRun.Run("examples/mnist-pg-vs-dg.cs", Timeout, "100");
        var lines = MnistLine().Matches(output);
        Assert.Equal(["pg", "dg"], lines.Select(m => m.Groups["method"].Value));
        Assert.All(lines, m => Assert.True(Number(m, "final") < Number(m, "initial") - 0.3, output));
    }

    [Fact]
    public void ExamplesTest_KondoGate_PrintsItsBackwardSavings()
    {
        var output = DotnetRun.Run("examples/kondo-gate.cs", Timeout, "20");
        var m = KondoLine().Match(output);
        Assert.True(m.Success, output);
        Assert.InRange(Number(m, "flops"), 50, 100); // ρ = 0.1 of the tokens: most rows hold none of them
    }

    [RabbitFact]
    public async Task ExamplesTest_DistributedActor_TrainsThroughABroker()
    {
        await using var broker = await RabbitBroker.StartNewAsync();
        var output = DotnetRun.Run("examples/distributed-actor.cs", Timeout, broker.Uri, "15");
        var m = DistributedLine().Match(output);
        Assert.True(m.Success, output);
        Assert.Equal(15, int.Parse(m.Groups["steps"].Value, CultureInfo.InvariantCulture));
        Assert.True(Number(m, "applied") >= 15, output);
    }

    [GeneratedRegex(@"sort-digits: reward (?<first>[\d.]+) -> (?<last>[\d.]+) after 60 steps")]
    private static partial Regex OwnEnvironmentLine();
    [GeneratedRegex(@"positive-advantage: reward (?<first>[\d.]+) -> (?<last>[\d.]+) after 60 steps; backward on (?<backward>\d+) of (?<forward>\d+) rows")]
    private static partial Regex CustomLossLine();
    [GeneratedRegex(@"mnist (?<method>pg|dg): test error (?<initial>[\d.]+) -> (?<final>[\d.]+) after 100 steps")]
    private static partial Regex MnistLine();
    [GeneratedRegex(@"backward savings: (?<flops>\d+) % of the FLOPs")]
    private static partial Regex KondoLine();
    [GeneratedRegex(@"distributed dg: error [\d.]+ -> [\d.]+ in (?<steps>\d+) steps; actors sent \d+ rollouts, learner applied (?<applied>\d+)")]
    private static partial Regex DistributedLine();
}
