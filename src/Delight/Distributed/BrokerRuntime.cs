using System.Globalization;
using System.Text;
using System.Text.Json;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Distributed;

/// <summary>
/// The learner of a distributed run: rollouts come from remote actors through the broker, and each one is either
/// applied by <see cref="TrainingSession.Learn"/> (the same learner step as every runtime) and then acknowledged, or
/// dead-lettered with a reason. Admission control is at the learner: a rollout sampled more than --max-lag versions
/// ago is dead-lettered <c>too-stale</c>; actors pace themselves (one batch per new version), so with few actors most
/// rollouts arrive in time. The new parameters are published after every step, the config once at start (and to every
/// late joiner), and finished once --steps is reached.
/// </summary>
public sealed class BrokerRuntime : ITrainingRuntime
{
    /// <summary>
    /// Unacknowledged rollouts held by the learner. Two, not the receiver's default four: a rollout waiting in learner
    /// memory ages as surely as one in the queue, and two are enough to overlap the network with a step.
    /// </summary>
    const int Prefetch = 2;

    readonly BrokerOptions _broker;
    readonly BrokerTopology _topology;
    readonly RolloutCheck _check;
    readonly float[] _published;
    readonly Numerics.ParameterSet _parameters;
    RolloutReceiver? _receiver;
    RolloutCounts _before; // counted by the learner runs this one resumed
    long _received, _applied, _refused;

    public BrokerRuntime(TrainOptions options, BrokerOptions broker, RunName run)
    {
        if (options.Staleness > 0)
            throw new OptionException("--staleness", "--staleness simulates lag in the sync runtime; remote actors have real lag, bounded by --max-lag. Drop --staleness.");
        Session = new TrainingSession(options);
        _broker = broker;
        _topology = new BrokerTopology(run);
        _check = Session.RolloutCheck;
        _parameters = Session.Policy.Parameters;
        _published = new float[_parameters.BufferLength];
    }

    public TrainingSession Session { get; }

    /// <summary>Received, applied and rejected so far, this run's earlier learners included.</summary>
    public RolloutCounts Rollouts
    {
        get
        {
            var invalid = InvalidOnArrival;
            return new RolloutCounts(_before.Received + _received + invalid, _before.Applied + _applied, _before.Rejected + _refused + invalid);
        }
    }

    /// <summary>Messages the receiver dead-lettered before the learner saw them (corrupt, foreign, wrong shape).</summary>
    long InvalidOnArrival => _receiver is { } r ? r.Rejected - r.RejectedFor(RejectReason.TooStale) - r.RejectedFor(RejectReason.UnknownVersion) : 0;

    /// <summary>The resolved options as JSON, the format of config.json: what actors build their task and policy from.</summary>
    public static string ConfigJson(TrainOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) RunFolder.WriteOptions(writer, options);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        Session.Start();
        var options = Session.Options;
        var connection = new BrokerConnection(_broker with { ClientName = $"delight-learner-{_topology.Run}" });
        ParameterPublisher? publisher = null;
        try
        {
            publisher = Wait(ParameterPublisher.StartAsync(connection, _topology, ConfigJson(options), cancel));
            _receiver = Wait(RolloutReceiver.StartAsync(connection, _topology, _check, new RolloutReceiverOptions { Prefetch = Prefetch }, cancel));
            Publish(publisher);
            while (Session.StepsDone < options.Steps && !cancel.IsCancellationRequested)
            {
                ReceivedRollout received;
                try { received = _receiver.ReceiveAsync(cancel).AsTask().GetAwaiter().GetResult(); }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested) { break; }
                _received++;
                if (Refusal(received.Rollout.PolicyVersion) is { } refusal)
                {
                    _refused++;
                    Wait(_receiver.RejectAsync(received, refusal.Reason, refusal.Detail).AsTask());
                    continue;
                }
                var report = Session.Learn(received.Rollout);
                // Ack after applying: a learner that dies before this line gets the rollout redelivered.
                Wait(_receiver.AcceptAsync(received).AsTask());
                _applied++;
                Publish(publisher);
                onStep?.Invoke(report);
            }
            if (Session.StepsDone >= options.Steps) Wait(publisher.PublishFinishedAsync($"reached step {Session.StepsDone}", CancellationToken.None));
            var summary = Session.Finish() with { Rollouts = Rollouts };
            return summary;
        }
        finally
        {
            if (_receiver is { } receiver)
            {
                _before = Rollouts; // a receiver's counts die with it; keep them for a later Run or SaveState
                _received = _applied = _refused = 0;
                _receiver = null;
                Wait(receiver.DisposeAsync().AsTask());
            }
            if (publisher is not null) Wait(publisher.DisposeAsync().AsTask());
            Wait(connection.DisposeAsync().AsTask());
        }
    }

    /// <summary>Why the learner at its current version refuses a rollout sampled with <paramref name="version"/>, if it does.</summary>
    (RejectReason Reason, string Detail)? Refusal(long version)
    {
        var current = Session.Learner.PolicyVersion;
        var lag = current - version;
        var maxLag = Session.Options.MaxLag;
        if (lag > maxLag)
            return (RejectReason.TooStale, string.Create(CultureInfo.InvariantCulture,
                $"sampled with version {version}, {lag} behind the learner's {current}; --max-lag is {maxLag}"));
        if (lag < 0)
            return (RejectReason.UnknownVersion, string.Create(CultureInfo.InvariantCulture,
                $"sampled with version {version}, newer than the learner's {current}: published by a learner that crashed after its last checkpoint"));
        return null;
    }

    void Publish(ParameterPublisher publisher)
    {
        _parameters.CopyValuesTo(_published);
        Wait(publisher.PublishAsync(Session.Learner.PolicyVersion, ParameterLayout.Of(_parameters), _published, CancellationToken.None));
    }

    /// <summary>The learner loop is synchronous; the transport is async. Bridge here, on the learner's thread.</summary>
    static void Wait(Task task) => task.GetAwaiter().GetResult();

    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public void SaveState(TrainingState state)
    {
        Session.SaveState(state);
        var r = Rollouts;
        state.Put("rollouts", string.Join(',', r.Received, r.Applied, r.Rejected));
    }

    public void RestoreState(TrainingState state, string source)
    {
        Session.RestoreState(state, source);
        if (!state.Has("rollouts")) return; // a checkpoint of a local run, continued by remote actors
        var r = state.GetString("rollouts").Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        _before = new RolloutCounts(r[0], r[1], r[2]);
        _received = _applied = _refused = 0;
    }
}
