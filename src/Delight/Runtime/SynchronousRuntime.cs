using Delight.Actors;
using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;
using Delight.Versions;

namespace Delight.Runtime;

/// <summary>
/// The default runtime: sample a batch, learn from it, repeat, on one thread. Deterministic: one seed fixes every
/// prompt, sample and metric. With --staleness D it simulates lag: the actor samples with a snapshot D' versions old
/// (D' uniform in [0, D] or fixed), still bit-reproducible.
/// </summary>
public sealed class SynchronousRuntime : ITrainingRuntime
{
    readonly Rollout _rollout;
    readonly TokenActor _actor;
    readonly ISequencePolicy _actorPolicy;
    readonly SnapshotRing? _snapshots;
    readonly Rng _lagRng;

    public SynchronousRuntime(TrainOptions options)
    {
        Session = new TrainingSession(options);
        var env = Session.Environment;
        _rollout = new Rollout(Session.BatchRows, env.PromptLength, env.AnswerLength);
        var frictions = Session.Frictions;
        // A stale or mismatched actor samples with its own copy of the parameters; the evaluator always uses the
        // learner's current ones, without frictions.
        _actorPolicy = frictions.Staleness > 0 || frictions.LogitNoise > 0 ? Session.CreatePolicy() : Session.Policy;
        if (frictions.Staleness > 0) _snapshots = new SnapshotRing(frictions.Staleness + 1, Session.Policy.Parameters.BufferLength);
        _lagRng = Session.Root.Split("staleness");
        _actor = Session.CreateActor(_actorPolicy, "actor");
    }

    public TrainingSession Session { get; }

    public RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        Session.Start();
        var options = Session.Options;
        while (Session.StepsDone < options.Steps && !cancel.IsCancellationRequested)
        {
            var version = Session.Learner.PolicyVersion;
            var sampleVersion = SyncActor(version);
            _actor.Fill(_rollout, options.PromptsPerBatch, options.SamplesPerPrompt, sampleVersion, stale: sampleVersion < version);
            var report = Session.Learn(_rollout); // not inside onStep?.Invoke(…): a null callback would skip the step
            onStep?.Invoke(report);
        }
        return Session.Finish();
    }

    public void SaveState(TrainingState state)
    {
        Session.SaveState(state);
        _actor.SaveState(state, "actor");
        state.Put("staleness", _lagRng);
        if (_snapshots is { } ring) ring.SaveState(state);
    }

    public void RestoreState(TrainingState state, string source)
    {
        Session.RestoreState(state, source);
        _actor.RestoreState(state, "actor");
        state.Get("staleness", _lagRng);
        _snapshots?.RestoreState(state);
    }

    /// <summary>
    /// Gives the actor the parameters it samples with this step and returns their version: the learner's current
    /// one, or with --staleness D one D' versions older (never older than exists).
    /// </summary>
    long SyncActor(long version)
    {
        var policy = Session.Policy;
        if (_snapshots is { } ring)
        {
            ring.Publish(version, policy.Parameters);
            var f = _actor.Frictions;
            long lag = f.StalenessMode == StalenessMode.Uniform ? _lagRng.NextInt(f.Staleness + 1) : f.Staleness;
            lag = Math.Min(lag, version - ring.Oldest);
            ring.Load(version - lag, _actorPolicy.Parameters);
            return version - lag;
        }
        if (!ReferenceEquals(_actorPolicy, policy)) _actorPolicy.Parameters.CopyValuesFrom(policy.Parameters.Values);
        return version;
    }
}
