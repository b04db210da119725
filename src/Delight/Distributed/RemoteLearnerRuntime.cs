using System.Globalization;
using System.Text;
using System.Text.Json;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Distributed;

/// <summary>
/// The learner of a distributed run. Rollouts come from remote actors through a transport (<see cref="ILearnerTransport"/>,
/// connected by the <see cref="ITransportConnector"/> the caller chose); each one is applied by
/// <see cref="TrainingSession.Learn"/> (the same learner step as every runtime) or refused with a reason.
/// <list type="bullet">
/// <item>Flow control: the learner keeps <see cref="DistributedLearnerOptions.Credits"/> batches in flight
/// (<see cref="ILearnerTransport.ReplaceCreditAsync"/>), so actors sample what it will apply instead of what it would throw away.</item>
/// <item>Exactly once: decisions are acknowledged only after a checkpoint holds them
/// (<see cref="ICheckpointedRuntime.CheckpointWritten"/>); the checkpoint saves the decisions the broker may not have
/// heard of, and the learner's incarnations (<see cref="LearnerLineage"/>), so a resumed learner neither applies a
/// rollout twice nor takes one sampled with parameters that died with its predecessor.</item>
/// <item>Poison never kills: a rollout the method cannot use is refused on arrival, one the step throws on is refused as
/// <c>learner-error</c>, and one the process died on twice as <c>poison</c> (<see cref="PoisonGuard"/>).</item>
/// <item>A learner that produces non-finite parameters stops before publishing them (<see cref="DivergedException"/>).</item>
/// </list>
/// </summary>
public sealed class RemoteLearnerRuntime : ICheckpointedRuntime, IDisposable
{
    /// <summary>Decisions that may wait for a checkpoint; at this many the learner writes one between steps.</summary>
    const int CommitThreshold = 256;
    /// <summary>At the end, the learner refuses rollouts still arriving until none has come for this long.</summary>
    static readonly TimeSpan s_drainQuiet = TimeSpan.FromSeconds(1);
    static readonly TimeSpan s_drainMax = TimeSpan.FromSeconds(10);
    /// <summary>How often the learner tells <c>delight status</c> where it is (also while it waits for rollouts).</summary>
    static readonly TimeSpan s_statusEvery = TimeSpan.FromSeconds(2);

    readonly ITransportConnector _connector;
    readonly RunName _run;
    readonly DistributedLearnerOptions _distributed;
    readonly RolloutCheck _check;
    readonly float[] _published;
    readonly Numerics.ParameterSet _parameters;
    readonly RolloutLedger _ledger = new();
    LearnerLineage _lineage = new();
    Dictionary<RolloutOrigin, RejectReason> _settled = [];
    string? _seen;
    ILearnerTransport? _transport;
    PoisonGuard? _poison;
    AppliedLog? _applied;
    readonly System.Diagnostics.Stopwatch _sinceStatus = new();
    long _rowsAtStatus;

    /// <param name="transport">the message engine the run goes through (e.g. RabbitMQ's connector)</param>
    public RemoteLearnerRuntime(TrainOptions options, ITransportConnector transport, RunName run, DistributedLearnerOptions? distributed = null)
    {
        if (options.Frictions.Staleness.Versions > 0)
            throw new OptionException("--staleness", "--staleness simulates lag in the sync runtime; remote actors have real lag, bounded by --max-lag. Drop --staleness.");
        if (options.Output.CheckpointEvery < 1)
            throw new OptionException("--checkpoint-every", "the learner acknowledges rollouts when a checkpoint holds them, so it needs --checkpoint-every >= 1 (default 100).");
        if (options.Output.CheckpointEvery > MaxCheckpointEvery)
            throw new OptionException("--checkpoint-every", $"--checkpoint-every {options.Output.CheckpointEvery} is too large for the learner: rollouts wait unacknowledged until a checkpoint, and the broker allows {MaxCheckpointEvery}; use a smaller value.");
        Session = new TrainingSession(options);
        _connector = transport;
        _run = run;
        _distributed = distributed ?? new DistributedLearnerOptions();
        _check = Session.RolloutCheck;
        _parameters = Session.Policy.Parameters;
        _published = new float[_parameters.BufferLength];
    }

    /// <summary>The learner's own limit on --checkpoint-every: the uncommitted rollouts it implies must fit RabbitMQ's 16-bit prefetch.</summary>
    public const int MaxCheckpointEvery = 50_000;

    public TrainingSession Session { get; }

    /// <summary>This incarnation's epoch (0 before <see cref="Run"/>).</summary>
    public ulong Epoch => _lineage.Current;

    /// <summary>Received, applied and rejected so far, this run's earlier learners included.</summary>
    public RolloutCounts Rollouts => _ledger.Snapshot();

    public Action? WriteCheckpoint { private get; set; }

    /// <summary>The resolved options as JSON, the format of config.json: what actors build their task and policy from.</summary>
    public static string ConfigJson(TrainOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) RunFolder.WriteOptions(writer, options);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Connects, takes the run (a second learner is refused), and grants the first credits — everything that can fail
    /// on a bad broker URI, credentials or a held run — so a caller can do this before it writes anything.
    /// </summary>
    public void Connect(CancellationToken cancel = default)
    {
        if (_transport is not null) return;
        _lineage.Begin(LearnerLineage.NewEpoch(), Session.Learner.PolicyVersion);
        try
        {
            _transport = Wait(_connector.ConnectLearnerAsync(_run, new LearnerTransportOptions(ConfigJson(Session.Options), _check)
            {
                MaxUncommitted = Session.Options.Output.CheckpointEvery + CommitThreshold + _distributed.Credits + 16,
                LockWait = _distributed.LockWait,
                OnInvalid = reason => _ledger.Refused(reason, 0),
                Decided = _settled,
                Seen = _seen,
            }, cancel));
            if (!AllFinite(_parameters.Values)) throw new DivergedException(Session.StepsDone, "the parameters are not finite before the first publish");
            Publish(cancel);
            Wait(_transport.ResetCreditsAsync(Epoch, _distributed.Credits, Session.Learner.PolicyVersion, cancel));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        Connect(cancel);
        if (_distributed.RunFolder is { } folder)
        {
            _poison ??= new PoisonGuard(folder);
            _applied ??= new AppliedLog(folder, Session.StepsDone);
            if (_poison.Suspect.Deaths > 0)
                Notice($"the previous learner died applying rollout {Describe(_poison.Suspect.Origin)} ({_poison.Suspect.Deaths} time(s)); it is refused as poison at {PoisonGuard.Limit}.");
        }
        Session.Start();
        var options = Session.Options;
        var transport = _transport!;
        PublishStatus(cancel);
        while (Session.StepsDone < options.Steps && !cancel.IsCancellationRequested)
        {
            if (Receive(cancel) is not { } received) continue;
            var credit = received.Stamp.Credit;
            if (Refusal(received) is { } refusal) Refuse(received, refusal.Reason, refusal.Detail);
            else if (Apply(received, onStep, cancel) is { } error) Refuse(received, RejectReason.LearnerError, error);
            Wait(transport.ReplaceCreditAsync(credit, Session.Learner.PolicyVersion, cancel));
            if (transport.Pending >= CommitThreshold) WriteCheckpoint?.Invoke();
        }
        if (Session.StepsDone >= options.Steps) FinishRun(cancel);
        PublishStatus(cancel);
        return Session.Finish() with { Rollouts = Rollouts };
    }

    /// <summary>The next rollout, or null after <see cref="s_statusEvery"/> without one (the status is published meanwhile).</summary>
    ReceivedRollout? Receive(CancellationToken cancel)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        wait.CancelAfter(s_statusEvery);
        try { return _transport!.ReceiveAsync(wait.Token).AsTask().GetAwaiter().GetResult(); }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            PublishStatus(cancel);
            return null;
        }
        finally { if (_sinceStatus.Elapsed >= s_statusEvery) PublishStatus(cancel); }
    }

    /// <summary>Tells <c>delight status</c> where the learner is: version, counts by reason, rows/s since the last status.</summary>
    void PublishStatus(CancellationToken cancel)
    {
        if (_transport is not { } transport) return;
        var counts = Rollouts;
        var rows = counts.Rows!;
        var seconds = _sinceStatus.Elapsed.TotalSeconds;
        var status = LearnerStatus.Now(_run, Epoch, Session.Learner.PolicyVersion, Session.StepsDone, Session.Options.Steps) with
        {
            RowsSampled = rows.Received,
            RowsApplied = rows.Applied,
            RowsRefused = rows.RejectedByReason,
            DeadLetters = counts.RejectedByReason ?? new Dictionary<string, long>(),
            RowsPerSecond = seconds > 0 && _sinceStatus.IsRunning ? (rows.Applied - _rowsAtStatus) / seconds : 0,
        };
        _rowsAtStatus = rows.Applied;
        _sinceStatus.Restart();
        Wait(transport.PublishStatusAsync(status, cancel));
    }

    /// <summary>Applies the rollout; returns the step's exception message when it threw (the learner goes on without it).</summary>
    string? Apply(ReceivedRollout received, Action<StepReport>? onStep, CancellationToken cancel)
    {
        var rollout = received.Rollout;
        var sampledWith = new PolicyStamp(received.Stamp.Epoch, rollout.PolicyVersion);
        var lag = Session.Learner.PolicyVersion - rollout.PolicyVersion;
        StepReport report;
        _poison?.BeforeApply(received.Origin);
        try { report = Session.Learn(rollout); }
        catch (Exception e) when (e is not (OutOfMemoryException or DivergedException))
        {
            _poison?.AfterApply();
            Notice($"rollout {Describe(received.Origin)} made the learner step throw; refused as learner-error: {e}");
            return $"{e.GetType().Name}: {e.Message}";
        }
        _poison?.AfterApply();
        if (!AllFinite(_parameters.Values))
            throw new DivergedException(Session.StepsDone, $"the parameters are not finite after applying rollout {Describe(received.Origin)}");
        // The verdict hands the buffer back to the transport, which refills it with the next delivery at once: read
        // what the ledger and rollouts.csv need first (reading it afterwards once logged another rollout's origin).
        var (origin, rows) = (received.Origin, rollout.RowCount);
        Wait(_transport!.AcceptAsync(received).AsTask());
        _ledger.Applied(rows);
        _applied?.Applied(Session.StepsDone, origin, sampledWith, lag, rows);
        Publish(cancel);
        onStep?.Invoke(report);
        return null;
    }

    void Refuse(ReceivedRollout received, RejectReason reason, string detail)
    {
        var rows = received.Rollout.RowCount; // before the verdict: it hands the buffer back
        Wait(_transport!.RejectAsync(received, reason, detail).AsTask());
        _ledger.Refused(reason, rows);
    }

    /// <summary>Why the learner refuses <paramref name="received"/>, if it does: poison, unknown parameters, too stale.</summary>
    (RejectReason Reason, string Detail)? Refusal(ReceivedRollout received)
    {
        if (_poison?.IsPoison(received.Origin) == true)
            return (RejectReason.Poison, string.Create(CultureInfo.InvariantCulture, $"the learner process died {PoisonGuard.Limit} times applying this rollout"));
        var version = received.Rollout.PolicyVersion;
        var current = Session.Learner.PolicyVersion;
        var stamp = new PolicyStamp(received.Stamp.Epoch, version);
        if (!_lineage.Contains(stamp, current))
            return (RejectReason.UnknownVersion, string.Create(CultureInfo.InvariantCulture,
                $"sampled with version {version} of learner epoch {stamp.Epoch:x16}, which this run's history does not hold (published by a learner that died after its last checkpoint)"));
        var lag = current - version;
        var maxLag = Session.Options.Runtime.MaxLag;
        if (lag > maxLag)
            return (RejectReason.TooStale, string.Create(CultureInfo.InvariantCulture,
                $"sampled with version {version}, {lag} behind the learner's {current}; --max-lag is {maxLag}"));
        return null;
    }

    /// <summary>Withdraws the credits, tells the actors, and refuses what still arrives (every sent rollout gets a verdict).</summary>
    void FinishRun(CancellationToken cancel)
    {
        Wait(_transport!.WithdrawCreditsAsync(cancel));
        Wait(_transport.PublishFinishedAsync($"reached step {Session.StepsDone}", CancellationToken.None));
        var drain = System.Diagnostics.Stopwatch.StartNew();
        while (drain.Elapsed < s_drainMax && !cancel.IsCancellationRequested)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            quiet.CancelAfter(s_drainQuiet);
            ReceivedRollout received;
            try { received = _transport.ReceiveAsync(quiet.Token).AsTask().GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { break; }
            Refuse(received, RejectReason.RunFinished, string.Create(CultureInfo.InvariantCulture, $"the learner reached --steps {Session.Options.Steps} first"));
        }
    }

    /// <summary>
    /// Publishes the current parameters, which the caller has checked are finite (once per step, in Apply). Ctrl-C
    /// interrupts a publish the broker holds back (flow control); the step it follows is already decided.
    /// </summary>
    void Publish(CancellationToken cancel)
    {
        _parameters.CopyValuesTo(_published);
        Wait(_transport!.PublishParametersAsync(new PolicyStamp(Epoch, Session.Learner.PolicyVersion), ParameterLayout.Of(_parameters), _published, cancel));
    }

    static bool AllFinite(ReadOnlySpan<float> values)
    {
        // NaN and ±∞ have all exponent bits set; finite values never do.
        foreach (var bits in System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values))
            if ((bits & 0x7F800000) == 0x7F800000) return false;
        return true;
    }

    public void CheckpointWritten()
    {
        if (_transport is { } transport) Wait(transport.CommitAsync());
    }

    void Notice(string line) => _distributed.Log?.WriteLine($"learner: {line}");

    static string Describe(RolloutOrigin origin) => string.Create(CultureInfo.InvariantCulture, $"{origin.ActorId:x16}#{origin.Sequence}");

    /// <summary>The learner loop is synchronous; the transport is async. Bridge here, on the learner's thread.</summary>
    static void Wait(Task task) => task.GetAwaiter().GetResult();

    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public void SaveState(TrainingState state)
    {
        // Before the state is written: a learner killed between the two must find every applied line the state counts.
        _applied?.Flush();
        Session.SaveState(state);
        _ledger.Save(state);
        state.Put("distributed.epochs", _lineage.Save());
        var decisions = _transport?.Decisions() ?? _settled.Select(s => new RolloutDecision(s.Key, s.Value)).ToList();
        state.Put("distributed.decided", DecisionWindow.Save(decisions));
        if ((_transport?.SaveSeen() ?? _seen) is { } seen) state.Put("distributed.seen", seen);
    }

    public void RestoreState(TrainingState state, string source)
    {
        Session.RestoreState(state, source);
        _ledger.Restore(state);
        if (state.Has("rollouts") && !state.Has("rollouts.applied"))
            throw new Checkpoints.CheckpointException(source, "was written by a learner before exactly-once delivery (format 1 counts); finish that run with the Delight that started it, or start a new run.");
        try
        {
            if (state.Has("distributed.epochs")) _lineage = LearnerLineage.Restore(state.GetString("distributed.epochs"));
            if (state.Has("distributed.decided")) _settled = DecisionWindow.Restore(state.GetString("distributed.decided"));
            if (state.Has("distributed.seen"))
            {
                _seen = state.GetString("distributed.seen");
                new DuplicateFilter().Restore(_seen); // checked now, so a malformed state fails before anything connects
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            throw new Checkpoints.CheckpointException(source, $"has a malformed distributed state: {e.Message}");
        }
    }

    public void Dispose()
    {
        if (_transport is { } transport) Wait(transport.DisposeAsync().AsTask());
        _transport = null;
        _poison?.Dispose();
        _applied?.Dispose();
        _poison = null;
        _applied = null;
    }
}
