using Delight.Actors;
using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;
using Delight.Versions;

namespace Delight.Runtime;

/// <summary>
/// The default runtime: sample a batch, learn from it, repeat, on one thread. Deterministic: one seed fixes every
/// prompt, sample and metric. With --staleness D it simulates lag: the actor samples with a snapshot D' versions old
/// (D' uniform in [0, D] or fixed; the <see cref="Staleness"/> version source), still bit-reproducible.
/// </summary>
public sealed class SynchronousRuntime : ITrainingRuntime
{
    readonly Rollout _rollout;
    readonly TokenActor _actor;
    readonly ISequencePolicy _actorPolicy;
    readonly IVersionSource _versions;

    public SynchronousRuntime(TrainOptions options)
    {
        Session = new TrainingSession(options);
        var components = Session.Components;
        _rollout = components.CreateRollout();
        var frictions = components.Frictions;
        // A stale or mismatched actor samples with its own copy of the parameters; the evaluator always uses the
        // learner's current ones, without frictions.
        _actorPolicy = frictions.Staleness.Versions > 0 || frictions.LogitNoise.Std > 0 ? components.CreatePolicy() : Session.Policy;
        _versions = components.CreateVersionSource(Session.Policy);
        _actor = components.CreateActor(_actorPolicy, "actor");
    }

    public TrainingSession Session { get; }

    public RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        Session.Start();
        var options = Session.Options;
        while (Session.StepsDone < options.Steps && !cancel.IsCancellationRequested)
        {
            var version = Session.Learner.PolicyVersion;
            var sampleVersion = _versions.Load(version, Session.Policy.Parameters, _actorPolicy.Parameters);
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
        _versions.SaveState(state);
    }

    public void RestoreState(TrainingState state, string source)
    {
        Session.RestoreState(state, source);
        _actor.RestoreState(state, "actor");
        _versions.RestoreState(state);
    }
}
