using System.Diagnostics;

namespace Delight.Test.Examples;

/// <summary>
/// Runs a .NET 10 file-based app (<c>dotnet run -c Release FILE.cs -- args</c>) from the repository root, as a user
/// would, and returns what it printed. Release, so the referenced projects are the ones the test command just built.
/// </summary>
static class DotnetRun
{
    /// <summary>The folder holding Delight.slnx, found upwards from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Run(string file, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["run", "-c", "Release", file, "--", .. args]) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet run {file} did not finish in {timeout.TotalSeconds} s; it printed:\n{output.Result}\n{error.Result}");
        }
        Assert.True(process.ExitCode == 0, $"dotnet run {file} exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        return output.Result;
    }

    static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Delight.slnx"))) return folder.FullName;
        throw new InvalidOperationException($"no Delight.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// Tests that run <c>dotnet run</c> share this collection, so they run one at a time: two concurrent builds of the same
/// referenced project would race on its obj folder.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DotnetRunCollection
{
    public const string Name = "dotnet run";
}
