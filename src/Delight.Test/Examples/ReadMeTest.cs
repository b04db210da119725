using System.Globalization;
using System.Text.RegularExpressions;

namespace Delight.Test.Examples;

/// <summary>README.md's library example (its ```csharp block) compiles against the public API and runs, as Sep's ReadMeTest does.</summary>
[Collection(DotnetRunCollection.Name)]
public sealed partial class ReadMeTest
{
    [Fact]
    public void ReadMeTest_LibraryExample_CompilesRunsAndLearns()
    {
        var readme = File.ReadAllText(Path.Combine(DotnetRun.RepositoryRoot, "README.md"));
        var block = CSharpBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```csharp block.");
        // Under obj/ (ignored by git and by the test project's compile items) so the repository's build settings apply.
        var folder = Path.Combine(DotnetRun.RepositoryRoot, "src", "Delight.Test", "obj", "readme");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "readme-example.cs");
        File.WriteAllText(file, "#:project ../../../Delight/Delight.csproj\n" + block.Groups["code"].Value);

        var output = DotnetRun.Run(file, TimeSpan.FromMinutes(8));
        var line = ResultLine().Match(output);
        Assert.True(line.Success, output);
        Assert.Equal(30, int.Parse(line.Groups["steps"].Value, CultureInfo.InvariantCulture));
        Assert.True(double.Parse(line.Groups["final"].Value, CultureInfo.InvariantCulture) < double.Parse(line.Groups["initial"].Value, CultureInfo.InvariantCulture), output);
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
    [GeneratedRegex(@"reversal dg: error (?<initial>[\d.]+) -> (?<final>[\d.]+) in (?<steps>\d+) steps")]
    private static partial Regex ResultLine();
}
