using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RabbitMQ.Client;

namespace Delight.Test.Distributed;

/// <summary>
/// A private, real RabbitMQ node for tests: its own node name, loopback-only AMQP port, Erlang distribution port, epmd
/// port, data and log folders under a temp folder, so it neither depends on nor collides with a system broker (Debian's
/// package may start one on 5672) or another test run. <see cref="StopAsync"/> and <see cref="StartAsync"/> restart it
/// on the same port and data folder (durable queues and persistent messages survive, as with a real restart).
/// From a CLI integration test: <c>await using var broker = await RabbitBroker.StartNewAsync();</c> then pass
/// <see cref="Uri"/> as <c>--broker</c>.
/// </summary>
public sealed class RabbitBroker : IAsyncDisposable
{
    /// <summary>The real start script; /usr/sbin/rabbitmq-server would `su rabbitmq` and drop our environment.</summary>
    public static string? ServerPath { get; } = FindServer();
    public static bool IsInstalled => ServerPath is not null;

    readonly string _folder = Directory.CreateTempSubdirectory("delight-rabbit-").FullName;
    readonly int _distributionPort = FreePort(), _epmdPort = FreePort();
    readonly StringBuilder _output = new();
    Process? _process;

    public int Port { get; } = FreePort();
    public string NodeName { get; } = $"delight-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40] + "@localhost";
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    /// <summary>Starts a new node and waits until it accepts AMQP connections.</summary>
    public static async Task<RabbitBroker> StartNewAsync()
    {
        var broker = new RabbitBroker();
        try { await broker.StartAsync(); }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
        return broker;
    }

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (ServerPath is null) throw new InvalidOperationException("rabbitmq-server is not installed; run .ci/install-rabbitmq.sh.");
        if (_process is { HasExited: false }) throw new InvalidOperationException("the broker is already running.");
        var config = Path.Combine(_folder, "rabbitmq.conf");
        File.WriteAllText(config, $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\n");
        File.WriteAllText(Path.Combine(_folder, "enabled_plugins"), "[].\n");
        Directory.CreateDirectory(Path.Combine(_folder, "home"));
        var start = new ProcessStartInfo(ServerPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder,
        };
        var environment = start.Environment;
        environment["HOME"] = Path.Combine(_folder, "home"); // a private Erlang cookie
        environment["RABBITMQ_NODENAME"] = NodeName;
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_NODE_PORT"] = Port.ToString();
        environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString();
        environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
        environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia");
        environment["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log");
        environment["RABBITMQ_LOGS"] = "-";
        environment["RABBITMQ_CONFIG_FILE"] = config;
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins");
        environment["RABBITMQ_PID_FILE"] = Path.Combine(_folder, "rabbit.pid");
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(90));
    }

    async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var factory = new ConnectionFactory { Uri = new System.Uri(Uri), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with code {_process.ExitCode} before accepting connections:\n{Output}");
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (Exception e) when (waited.Elapsed < timeout && e is not InvalidOperationException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops the node gracefully (SIGTERM to the start script, which stops the VM), as a broker restart would.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString()]) { UseShellExecute = false }))
            await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Runs <c>rabbitmqctl</c> against this node (same private Erlang cookie and epmd port), e.g. to add a user or a
    /// vhost; fails with its output when it fails.
    /// </summary>
    public async Task<string> ControlAsync(params string[] args)
    {
        var control = Path.Combine(Path.GetDirectoryName(ServerPath!)!, "rabbitmqctl");
        var start = new ProcessStartInfo(control, ["-n", NodeName, .. args])
            { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        start.Environment["HOME"] = Path.Combine(_folder, "home");
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_folder, "rabbitmq.conf");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        if (process.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} exited {process.ExitCode}:\n{text}");
        return text;
    }

    /// <summary>Everything the node printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // The private epmd daemon outlives the node; stop it so nothing of ours keeps running.
        try
        {
            var stopEpmd = new ProcessStartInfo("epmd", ["-kill"]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            stopEpmd.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
            using var epmd = Process.Start(stopEpmd);
            if (epmd is not null) await epmd.WaitForExitAsync();
        }
        catch (System.ComponentModel.Win32Exception) { } // epmd not on PATH: nothing was started under that name
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string? FindServer()
    {
        const string debian = "/usr/lib/rabbitmq/bin/rabbitmq-server";
        if (File.Exists(debian)) return debian;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, "rabbitmq-server");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>
/// A test that needs a real broker. Skipped with a reason when rabbitmq-server is not installed, except when the
/// environment variable CI is set: then it runs and fails, because .ci/install-rabbitmq.sh should have installed it
/// (a missing broker in CI is a broken pipeline, never a silent pass). Same pattern as MnistFact.
/// </summary>
public sealed class RabbitFactAttribute : FactAttribute
{
    public RabbitFactAttribute()
    {
        if (!RabbitBroker.IsInstalled && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Skip = "rabbitmq-server is not installed; run .ci/install-rabbitmq.sh (with CI set, this test fails instead).";
    }
}

/// <summary>A <see cref="RabbitFactAttribute"/> with data: skipped or failed on the same terms.</summary>
public sealed class RabbitTheoryAttribute : TheoryAttribute
{
    public RabbitTheoryAttribute()
    {
        if (!RabbitBroker.IsInstalled && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Skip = "rabbitmq-server is not installed; run .ci/install-rabbitmq.sh (with CI set, this test fails instead).";
    }
}

/// <summary>One broker node shared by the broker tests of a collection (starting one takes ~7 s); each test uses its own run name.</summary>
public sealed class RabbitBrokerFixture : IAsyncLifetime
{
    RabbitBroker? _broker;

    public RabbitBroker Broker => _broker ?? throw new InvalidOperationException(
        "rabbitmq-server is not installed; run .ci/install-rabbitmq.sh.");

    public async Task InitializeAsync()
    {
        if (RabbitBroker.IsInstalled) _broker = await RabbitBroker.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null) await _broker.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitCollection : ICollectionFixture<RabbitBrokerFixture>
{
    public const string Name = "rabbit broker";
}
