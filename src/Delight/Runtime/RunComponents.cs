using Delight.Actors;
using Delight.Frictions;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;
using Delight.Versions;

namespace Delight.Runtime;

/// <summary>
/// The one place a run's components are built from its options: the environment, policies, actors, the version
/// source, the learner with its loss, optimizer and screen, and the rollout check. Every random stream is split from
/// the run's root by purpose ("init", "loss", "learner", "staleness", an actor's name), so building one component
/// never shifts another's draws. Used by <see cref="TrainingSession"/> (and so every runtime) and by remote actors,
/// which need only the environment, a policy and an actor.
/// </summary>
public sealed class RunComponents
{
    public RunComponents(TrainOptions options)
    {
        options.Validate();
        Options = options;
        Root = new Rng(options.Seed);
        Environment = options.Environment();
        BatchRows = options.PromptsPerBatch * options.SamplesPerPrompt;
        Frictions = options.Frictions;
    }

    public TrainOptions Options { get; }
    /// <summary>The run's root stream; components split their own streams from it by name.</summary>
    public Rng Root { get; }
    public ITokenEnvironment Environment { get; }
    /// <summary>Rows of one rollout: prompts × samples.</summary>
    public int BatchRows { get; }
    public FrictionOptions Frictions { get; }

    /// <summary>A policy of the run's architecture, sized for a batch or an evaluation chunk (uninitialised).</summary>
    public ISequencePolicy CreatePolicy() => PolicyFactory.Create(Environment, TrainingSession.PolicyRows(Options), Options.Model);

    /// <summary>An empty rollout of the run's shape.</summary>
    public Rollout CreateRollout() => new(BatchRows, Environment.PromptLength, Environment.AnswerLength);

    /// <summary>An actor with its own random streams: split from the root by <paramref name="name"/> (so actor i's draws never depend on actor j's), or <paramref name="rng"/>.</summary>
    public TokenActor CreateActor(ISequencePolicy policy, string name, FrictionOptions? frictions = null, Rng? rng = null) =>
        new(Environment, policy, rng ?? Root.Split(name), frictions ?? Frictions);

    /// <summary>Where the actor's parameters come from each step: the learner's current ones, or with --staleness older ones.</summary>
    public IVersionSource CreateVersionSource(ISequencePolicy learner) => Frictions.Staleness.Versions > 0
        ? new Staleness(Frictions.Staleness, learner.Parameters.BufferLength, Root.Split("staleness"))
        : new CurrentVersion();

    /// <summary>The learner of <paramref name="policy"/>: the method's loss, the optimizer, the screen and the run's rollout check.</summary>
    public Learner CreateLearner(ISequencePolicy policy)
    {
        var loss = LossCatalog.Create(Options.Loss, Root.Split("loss"));
        Optimizer optimizer = Options.OptimizerKind == OptimizerKind.Sgd
            ? new Sgd(Options.LearningRate)
            : new Adam(policy.Parameters.BufferLength, Options.LearningRate);
        var learnerOptions = Options.LearnerOptions();
        var check = new RolloutCheck(RolloutShape.For(Environment, BatchRows), RolloutCheck.NeedsOf(loss, learnerOptions.Screen == ScreenMode.Speculative));
        return new Learner(policy, loss, optimizer, learnerOptions, Root.Split("learner"), check);
    }
}
