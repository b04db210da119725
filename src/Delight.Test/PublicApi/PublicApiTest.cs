using System.Reflection;

namespace Delight.Test.PublicApi;

/// <summary>
/// The public API of each package matches its snapshot in src/Delight.Test/PublicApi/*.api.txt, so the surface changes
/// only on purpose. After an intended change, regenerate the snapshots and commit them with it:
/// <code>DELIGHT_UPDATE_API=1 dotnet test Delight.slnx -c Release --filter PublicApiTest</code>
/// </summary>
public sealed class PublicApiTest
{
    public const string UpdateVariable = "DELIGHT_UPDATE_API";

    public static TheoryData<string> Packages => new() { "Delight.Numerics", "Delight", "Delight.Config", "Delight.RabbitMq" };

    [Theory]
    [MemberData(nameof(Packages))]
    public void PublicApiTest_Surface_MatchesTheSnapshot(string package)
    {
        var actual = PublicApi.Describe(Assembly.Load(package));
        var path = Path.Combine(Examples.DotnetRun.RepositoryRoot, "src", "Delight.Test", "PublicApi", package + ".api.txt");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (expected == actual) return;
        var expectedLines = expected.Split('\n').ToHashSet();
        var actualLines = actual.Split('\n').ToHashSet();
        var removed = expectedLines.Except(actualLines).Take(15).Select(l => "- " + l.Trim());
        var added = actualLines.Except(expectedLines).Take(15).Select(l => "+ " + l.Trim());
        Assert.Fail($"The public API of {package} differs from {Path.GetFileName(path)}. If the change is on purpose, regenerate the "
            + $"snapshots and commit them: {UpdateVariable}=1 dotnet test Delight.slnx -c Release --filter PublicApiTest\n"
            + string.Join('\n', removed.Concat(added)));
    }
}
