using System.Reflection;
using Delight.Cli;

namespace Delight.Test.Cli;

/// <summary>`delight --version` prints the package version the tool was packed with (and the commit it was built from).</summary>
public sealed class VersionTest
{
    [Fact]
    public void VersionTest_Version_IsThePackageVersion()
    {
        var output = new StringWriter();
        Assert.Equal(0, Program.Run(["--version"], output, new StringWriter()));
        var informational = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(informational, output.ToString().Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", informational);
        Assert.StartsWith(typeof(Program).Assembly.GetName().Version!.ToString(3), informational);
    }
}
