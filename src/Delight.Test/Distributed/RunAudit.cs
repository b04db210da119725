using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;

namespace Delight.Test.Distributed;

/// <summary>
/// Reads back what a distributed run did, from the outside: what each actor says it sent (<c>--record</c>), what the
/// learner says it applied (<c>rollouts.csv</c>), and what sits in the dead-letter queue. The exactly-once checks
/// compare the three.
/// </summary>
static class RunAudit
{
    public readonly record struct Sent(ulong Actor, ulong Sequence, ulong Epoch, long Version, int Rows);
    public readonly record struct Applied(int Step, ulong Actor, ulong Sequence, ulong Epoch, long Version, long Lag, int Rows);
    public readonly record struct Dead(string Reason, ulong Actor, ulong Sequence);

    public static List<Sent> ReadSent(IEnumerable<string> recordFiles) =>
        [.. recordFiles.Where(File.Exists).SelectMany(File.ReadLines).Where(l => l.Length > 0).Select(l =>
        {
            var f = l.Split(',');
            return new Sent(Hex(f[0]), ulong.Parse(f[1], CultureInfo.InvariantCulture), Hex(f[2]), long.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[5], CultureInfo.InvariantCulture));
        })];

    public static List<Applied> ReadApplied(string runFolder) =>
        [.. File.ReadLines(Path.Combine(runFolder, AppliedLog.FileName)).Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var f = l.Split(',');
            return new Applied(int.Parse(f[0], CultureInfo.InvariantCulture), Hex(f[1]), ulong.Parse(f[2], CultureInfo.InvariantCulture), Hex(f[3]),
                long.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture));
        })];

    /// <summary>Drains the run's dead-letter queue: each message's reason and, when it is a Delight rollout, its origin.</summary>
    public static async Task<List<Dead>> DrainDeadLettersAsync(string uri, string run)
    {
        await using var broker = new BrokerConnection(new BrokerOptions(uri));
        await using var channel = await broker.OpenChannelAsync(publisherConfirms: false, CancellationToken.None);
        var queue = new BrokerTopology(new RunName(run)).DeadLetterQueue;
        var dead = new List<Dead>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            var reason = Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers![BrokerTopology.ReasonHeader]!);
            var body = message.Body.Span;
            var isRollout = body.Length >= MessageHeader.Size && body[..4].SequenceEqual("DLGT"u8);
            dead.Add(isRollout
                ? new Dead(reason, BinaryPrimitives.ReadUInt64LittleEndian(body[16..]), BinaryPrimitives.ReadUInt64LittleEndian(body[24..]))
                : new Dead(reason, 0, 0));
        }
        return dead;
    }

    /// <summary>Publishes <paramref name="body"/> as is to the run's rollout queue (persistent, confirmed): a stray or poisoned message.</summary>
    public static async Task PublishToRolloutQueueAsync(string uri, string run, byte[] body)
    {
        await using var broker = new BrokerConnection(new BrokerOptions(uri));
        await using var channel = await broker.OpenChannelAsync(publisherConfirms: true, CancellationToken.None);
        await channel.BasicPublishAsync("", new BrokerTopology(new RunName(run)).RolloutQueue, mandatory: true, new BasicProperties { Persistent = true }, body);
    }

    /// <summary>
    /// Every rollout an actor sent was applied exactly once or dead-lettered (never both), and the learner applied
    /// nothing no actor sent… except the last rollout of an actor killed between the broker's confirm and its record line.
    /// </summary>
    public static void AssertEveryRolloutDecidedOnce(IReadOnlyList<Sent> sent, IReadOnlyList<Applied> applied, IReadOnlyList<Dead> dead, int steps)
    {
        var appliedOrigins = applied.Select(a => (a.Actor, a.Sequence)).ToList();
        Assert.Equal(appliedOrigins.Count, appliedOrigins.Distinct().Count()); // no rollout applied twice
        Assert.Equal(Enumerable.Range(1, steps), applied.Select(a => a.Step)); // one rollout per step, every step once
        var deadOrigins = dead.Where(d => d.Actor != 0).Select(d => (d.Actor, d.Sequence)).ToHashSet();
        var appliedSet = appliedOrigins.ToHashSet();
        var both = appliedSet.Intersect(deadOrigins).ToList();
        Assert.True(both.Count == 0, "applied and dead-lettered: " + string.Join(", ", both.Select(o =>
            $"{o} applied at step {applied.First(a => (a.Actor, a.Sequence) == o).Step}, dead as {string.Join('/', dead.Where(d => (d.Actor, d.Sequence) == o).Select(d => d.Reason))}")));
        var undecided = sent.Select(s => (s.Actor, s.Sequence)).Where(o => !appliedSet.Contains(o) && !deadOrigins.Contains(o)).ToList();
        Assert.True(undecided.Count == 0, $"{undecided.Count} confirmed rollouts were neither applied nor dead-lettered: {string.Join(", ", undecided.Take(5))}");
    }

    /// <summary>Waits until the learner writing <paramref name="runFolder"/> has logged <paramref name="step"/> (metrics.csv is flushed at every checkpoint).</summary>
    public static async Task WaitForStepAsync(DelightProcess learner, string runFolder, int step, TimeSpan patience)
    {
        var csv = Path.Combine(runFolder, "metrics.csv");
        using var timeout = new CancellationTokenSource(patience);
        while (LastLoggedStep(csv) < step)
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"the learner did not reach step {step}:\n{learner.Output}");
            await Task.Delay(50);
        }
    }

    static int LastLoggedStep(string csv)
    {
        if (!File.Exists(csv)) return 0;
        using var stream = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var last = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var comma = last.IndexOf(',');
        return comma > 0 && int.TryParse(last[..comma], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step) ? step : 0;
    }

    static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
