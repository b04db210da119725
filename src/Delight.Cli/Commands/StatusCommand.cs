using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Delight.Distributed;
using Delight.RabbitMq;

namespace Delight.Cli.Commands;

/// <summary>delight status (--broker URI | --broker-file PATH | DELIGHT_BROKER) --run NAME [--json]</summary>
static class StatusCommand
{
    /// <summary>The learner publishes every ~2 s; several missed in a row mean it is stuck, stopped or cut off from the broker.</summary>
    const double SilentAfterSeconds = 10;
    static readonly JsonSerializerOptions s_json = new(LearnerStatus.Json) { WriteIndented = true };

    public static Command Create(TextWriter output)
    {
        var broker = BrokerFlags.Broker();
        var brokerFile = BrokerFlags.BrokerFile();
        var run = BrokerFlags.Run();
        var json = new Option<bool>("--json") { Description = "Print one JSON object (queues, actors, the learner's last status) instead of the table." };
        var command = new Command("status", "Show a distributed run as the broker sees it: queue depths, connected actors, the learner's newest version, dead letters by reason and rows/s. Reads only; changes nothing.")
            { broker, brokerFile, run, json };
        command.SetAction(parse =>
        {
            var options = BrokerFlags.Resolve(parse, broker, brokerFile) with { ClientName = "delight-status", StartupTimeout = TimeSpan.FromSeconds(10) };
            var runName = BrokerFlags.ParseRun(parse.GetValue(run)!);
            var status = Read(options, runName);
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(status, s_json));
            else Print(status, output);
            return 0;
        });
        return command;
    }

    static RunStatus Read(BrokerOptions options, RunName run) => Task.Run(async () =>
    {
        await using var connection = new BrokerConnection(options);
        return await RunStatus.ReadAsync(connection, run, CancellationToken.None);
    }).GetAwaiter().GetResult();

    static void Print(RunStatus status, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"run '{status.Run}' on {status.Broker} at {status.TimeUtc:yyyy-MM-dd HH:mm:ss} UTC"));
        output.WriteLine();
        var width = new[] { status.Rollouts, status.DeadLetters, status.Hello, status.Credits }.Max(q => q.Name.Length);
        output.WriteLine($"{"queue".PadRight(width)}  {"messages",9}  {"consumers",9}");
        foreach (var queue in new[] { status.Rollouts, status.DeadLetters, status.Hello, status.Credits })
            output.WriteLine(queue.Exists
                ? string.Create(c, $"{queue.Name.PadRight(width)}  {queue.Messages,9}  {queue.Consumers,9}")
                : $"{queue.Name.PadRight(width)}  {"absent",9}");
        output.WriteLine();
        output.WriteLine(status.ConnectedActors is { } actors
            ? string.Create(c, $"connected actors: {actors}")
            : $"connected actors: unknown (no {status.Credits.Name} queue)");
        if (status.Learner is not { } learner)
        {
            output.WriteLine("no learner status yet");
            return;
        }
        output.WriteLine(string.Create(c,
            $"learner: {learner.Host} pid {learner.ProcessId}, epoch {learner.Epoch}, version {learner.Version}, step {learner.Step}/{learner.Steps}, updated {status.LearnerStatusAgeSeconds:0.#} s ago{(status.LearnerStatusAgeSeconds > SilentAfterSeconds ? " (silent since: is the learner still running?)" : "")}"));
        var refused = learner.RowsRefused.Values.Sum();
        output.WriteLine(string.Create(c,
            $"rows: {learner.RowsPerSecond:0.#}/s applied lately; {learner.RowsSampled} sampled, {learner.RowsApplied} applied, {refused} refused{ByReason(learner.RowsRefused)}"));
        var deadLetters = learner.DeadLetters.Values.Sum();
        output.WriteLine(string.Create(c, $"dead letters: {deadLetters}{ByReason(learner.DeadLetters)}"));
    }

    /// <summary>" (too-stale 30, wrong-run 2)", largest first; empty when there are none.</summary>
    static string ByReason(IReadOnlyDictionary<string, long> counts)
    {
        var nonZero = counts.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return nonZero.Count == 0 ? "" : " (" + string.Join(", ", nonZero.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}"))) + ")";
    }
}
