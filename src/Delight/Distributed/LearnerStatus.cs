using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delight.Distributed;

/// <summary>
/// What a learner tells operators about itself, every couple of seconds, through <see cref="ILearnerTransport.PublishStatusAsync"/>: UTF-8 JSON
/// (camelCase), so <c>delight status --json</c>, a dashboard or <c>rabbitmqadmin get</c> can read it without Delight.
/// Counts are totals since the run began (they survive a resume when the learner restores them); rows/s is over the
/// last interval only.
/// </summary>
public sealed record LearnerStatus
{
    public required string Run { get; init; }
    /// <summary>The learner's incarnation: a resumed or restarted learner has a higher one.</summary>
    public required ulong Epoch { get; init; }
    /// <summary>Newest policy version published.</summary>
    public required long Version { get; init; }
    public required long Step { get; init; }
    /// <summary>The steps target (--steps).</summary>
    public required long Steps { get; init; }
    /// <summary>Rows the actors sampled and sent (applied + refused + in flight).</summary>
    public long RowsSampled { get; init; }
    public long RowsApplied { get; init; }
    /// <summary>Rows refused, by reason (<see cref="RejectReasons.WireName"/>).</summary>
    public IReadOnlyDictionary<string, long> RowsRefused { get; init; } = new Dictionary<string, long>();
    /// <summary>Rollouts dead-lettered, by reason (<see cref="RejectReasons.WireName"/>).</summary>
    public IReadOnlyDictionary<string, long> DeadLetters { get; init; } = new Dictionary<string, long>();
    /// <summary>Rows applied per second over the last interval between two statuses.</summary>
    public double RowsPerSecond { get; init; }
    /// <summary>When the learner wrote this status (UTC): an old one means the learner is stuck or gone.</summary>
    public required DateTime TimeUtc { get; init; }
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>A status stamped now, on this machine, for this process: the fields every learner fills the same way.</summary>
    public static LearnerStatus Now(RunName run, ulong epoch, long version, long step, long steps) => new()
    {
        Run = run.Value,
        Epoch = epoch,
        Version = version,
        Step = step,
        Steps = steps,
        TimeUtc = DateTime.UtcNow,
        Host = Environment.MachineName,
        ProcessId = Environment.ProcessId,
    };

    /// <summary>Serialised by generated code (<see cref="LearnerStatusJson"/>), so it works where reflection-based JSON is off (NativeAOT, file-based apps).</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, LearnerStatusJson.Default.LearnerStatus);

    /// <exception cref="FormatException">the bytes are not a learner status</exception>
    public static LearnerStatus FromUtf8Json(ReadOnlySpan<byte> json)
    {
        try { return JsonSerializer.Deserialize(json, LearnerStatusJson.Default.LearnerStatus) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new FormatException($"not a learner status message: {e.Message}", e); }
    }
}

/// <summary>The status's JSON contract, generated at build time; the same names and number handling as <see cref="LearnerStatus.Json"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(LearnerStatus))]
internal sealed partial class LearnerStatusJson : JsonSerializerContext;
