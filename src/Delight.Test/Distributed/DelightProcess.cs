using System.Diagnostics;
using System.Text;

namespace Delight.Test.Distributed;

/// <summary>
/// The built <c>delight</c> tool as a child process (the apphost the test project copies beside itself), so a test can
/// kill it the way a machine dies: SIGKILL, no cleanup, no finally blocks.
/// </summary>
sealed class DelightProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    public DelightProcess(params string[] args)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Delight.Cli.exe" : "Delight.Cli");
        var start = new ProcessStartInfo(apphost, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits for the exit and returns the code; fails the test with the output after <paramref name="timeout"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"delight {string.Join(' ', _process.StartInfo.ArgumentList)} did not exit within {timeout}:\n{Output}"); }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGINT, as Ctrl-C in a terminal: the process may stop cleanly.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString()]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: the process gets no chance to ack, checkpoint or say goodbye.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
