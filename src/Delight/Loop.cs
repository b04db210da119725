using Delight.Numerics;

namespace Delight;

// The whole system in one file: the world, the data, the actor, the learner, the screen, the version source and the
// runtime. Environment → Actor (prompt → sample → frictions) → Rollout → RolloutCheck → Learner (forward → weights →
// screen → backward on kept rows → update) → policy version → version source → Actor. Each folder of this project
// holds one of these roles, in this order; the runtime decides who runs the actors (this thread, actor threads,
// remote processes).

// ── The world ────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// A stateless oracle over token sequences: it draws prompts and scores answers. All randomness comes from the Rng
/// the caller passes, so a seed fixes every prompt and reward.
/// </summary>
public interface ITokenEnvironment
{
    string Name { get; }
    /// <summary>Answer tokens are in [0, VocabularySize).</summary>
    int VocabularySize { get; }
    /// <summary>Prompt tokens are in [0, PromptVocabularySize): the vocabulary for token tasks, a context id (an image
    /// index, a bandit context) for one-step tasks.</summary>
    int PromptVocabularySize => VocabularySize;
    int PromptLength { get; }
    int AnswerLength { get; }
    void SamplePrompt(Rng rng, Span<int> prompt);
    float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng);

    /// <summary>
    /// The task's own score of the answer, without what reward wrappers add (a landmine's or a poison token's
    /// penalty, zero-prompt noise): the score errors are measured on, and the one reward frictions corrupt. A bare
    /// task's is its reward. Reward = <see cref="AddWrapperRewards"/>(TaskReward), drawing in the same order.
    /// </summary>
    float TaskReward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng) => Reward(prompt, answer, rng);

    /// <summary>What the reward wrappers add to a score, innermost first (egg stacks its penalties outside its reward
    /// noise, egg-spec §4); a bare task adds nothing.</summary>
    float AddWrapperRewards(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float score, Rng rng) => score;

    /// <summary>
    /// The papers' error for a mean reward of the policy's own samples: 1 − R for rewards in [0, 1] (reversal);
    /// tasks scored ±1 report the fraction wrong, (1 − R)/2.
    /// </summary>
    double Error(double meanReward) => 1 - meanReward;

    // What the task offers beyond prompts and rewards, declared by the task itself; reward wrappers pass on their
    // inner task's. Components read these, never the task's type.

    /// <summary>The correct answers (the cross-entropy oracle, discoveries, greedy errors); null when the task has none.</summary>
    ISupervisedTask? Targets => null;
    /// <summary>A fixed held-out set of prompts to evaluate on; null: evaluated on fresh prompts.</summary>
    IHeldOutPrompts? HeldOut => null;
    /// <summary>Features of each context for an MLP policy (MNIST's pixels); null: the policy reads the tokens.</summary>
    Policies.IContextFeatures? Features => null;
    /// <summary>The exact bandit model (a tabular policy, exact gradients); null for other tasks.</summary>
    Environments.Bandits.IBanditModel? Bandit => null;
}

/// <summary>A task that knows the correct answer to a prompt: the cross-entropy oracle learns from it.</summary>
public interface ISupervisedTask
{
    void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer);
}

/// <summary>
/// A task with a fixed held-out set of prompts (MNIST's test images): its error is the greedy policy's error on
/// them. Tasks without one are evaluated on fresh prompts from a stream the training never draws from.
/// </summary>
public interface IHeldOutPrompts
{
    int HeldOutCount { get; }
    void WriteHeldOutPrompt(int index, Span<int> prompt);
}

// ── The data ─────────────────────────────────────────────────────────────────────────────────────────────────

// Rollout (Rollouts/Rollout.cs): rows × tokens of one step, behaviour log-probs, rewards, the version sampled with.
// RolloutCheck (Rollouts/RolloutCheck.cs): the one set of rules a rollout must meet, for the learner and the wire.

// ── The actor ────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// Fills rollouts: draws prompts, samples answers recording behaviour log-probs, applies its frictions
/// (<see cref="Frictions.IFriction"/>: what each breaks, in a fixed order) and scores every row. <see cref="Actors.TokenActor"/>.
/// </summary>
public interface IActor
{
    /// <param name="policyVersion">the version of the parameters the actor's policy holds (stamped on the rollout)</param>
    /// <param name="stale">true when that version is older than the learner's (marks every row <see cref="Frictions.RowFriction.Stale"/>)</param>
    void Fill(Rollout rollout, int promptCount, int samplesPerPrompt, long policyVersion, bool stale = false);
}

/// <summary>
/// Where an actor's parameters come from each step: the learner's current ones (<see cref="Versions.CurrentVersion"/>)
/// or an older version (<see cref="Frictions.Staleness"/>). Returns the version loaded.
/// </summary>
public interface IVersionSource
{
    long Load(long learnerVersion, ParameterSet learner, ParameterSet actor);
    void SaveState(Runtime.TrainingState state);
    void RestoreState(Runtime.TrainingState state);
}

// ── The learner ──────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// Learns from one rollout per step and counts versions: <see cref="Learning.Learner"/>, in five numbered stages
/// (Learning/Learner.1.Forward.cs … Learner.5.Update.cs), after checking the rollout (<see cref="RolloutCheck"/>).
/// </summary>
public interface ILearner
{
    /// <summary>Number of updates applied.</summary>
    long PolicyVersion { get; }
    Learning.LearnerStepMetrics Step(Rollout rollout);
}

/// <summary>
/// A loss, seen by the learner as a coefficient on ∇log π of every answer token: the update is
/// Δθ ∝ Σ_t coefficient_t · ∇log π(a_t), normalised by the batch's token count.
/// </summary>
public interface ILoss
{
    string Name { get; }
    /// <summary>True when the loss reads the actor's behaviour log-probs (importance ratios, trust regions).</summary>
    bool NeedsBehaviourLogProbs { get; }
    /// <summary>True when the loss learns from the task's correct answers instead of the sampled ones (the oracle).</summary>
    bool LearnsFromTargets => false;
    /// <summary>Writes coefficient[row, token] from the signals and reports what it did.</summary>
    void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics);
}

/// <summary>
/// Decides which tokens reach the backward pass: keep[r·T + t] ∈ {0, 1} from the step's signals (1/p for a kept token
/// of a stochastic gate with Horvitz–Thompson weights). The learner then
/// back-propagates only rows with a kept token. <see cref="Screens.KondoScreen"/>.
/// </summary>
public interface IScreen
{
    void Mask(in Learning.Signals signals, Span<float> keep);
}

// ── The runtime ──────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// Where rollouts come from. Every runtime feeds the same <see cref="Runtime.TrainingSession.Learn"/>; they differ only
/// in who samples (this thread, actor threads, remote actors) and so in how stale the samples are.
/// </summary>
public interface ITrainingRuntime
{
    Runtime.TrainingSession Session { get; }
    /// <summary>Trains to the run's --steps, reporting every step as it is applied.</summary>
    Runtime.RunSummary Run(Action<Runtime.StepReport>? onStep = null, CancellationToken cancel = default);
    /// <summary>The session's state plus the runtime's own (actor streams, snapshot ring), between steps.</summary>
    void SaveState(Runtime.TrainingState state);
    void RestoreState(Runtime.TrainingState state, string source);
}

