using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Actors;

/// <summary>
/// Fills a rollout: prompt → sample → frictions on the batch → per row: frictions on the answer → the task's score →
/// frictions on the reward → the reward wrappers' penalties. The frictions that are on are built once, in the fixed order of <see cref="IFriction"/>; with none
/// on, the fill is the policy's own samples and the task's own rewards. The actor owns its random streams, one per
/// purpose (prompts, samples, rewards, frictions), so a friction never shifts the prompts, samples or task rewards.
/// </summary>
public sealed class TokenActor : IActor
{
    readonly Rng _promptRng;
    readonly Rng _sampleRng;
    readonly Rng _rewardRng;
    readonly Rng _frictionRng;
    readonly IBatchFriction[] _batchFrictions;
    readonly IAnswerFriction[] _answerFrictions;
    readonly IRewardFriction[] _rewardFrictions;

    public TokenActor(ITokenEnvironment environment, ISequencePolicy policy, Rng rng, FrictionOptions? frictions = null)
    {
        Environment = environment;
        Policy = policy;
        Frictions = frictions ?? new FrictionOptions();
        Frictions.Validate();
        _promptRng = rng.Split("prompts");
        _sampleRng = rng.Split("samples");
        _rewardRng = rng.Split("rewards");
        _frictionRng = rng.Split("frictions");
        var f = Frictions;
        // Discovery, random, bug: each draws its coin on every row once any of them is on, so each one's rate is
        // independent of the others'; the first that fires, in this order, writes the answer.
        _answerFrictions = f.ReplacesAnswers
            ? [new Discovery(f.Discovery, environment), new RandomAnswers(f.RandomAnswers, environment.VocabularySize), new Bug(f.Bug, policy)]
            : [];
        _batchFrictions = f.Contamination.Rate > 0 ? [new Contamination(f.Contamination, environment)] : [];
        _rewardFrictions = f.Reward.Any ? [new RewardCorruption(f.Reward)] : [];
        ISamplingFriction[] sampling = f.LogitNoise.Std > 0 ? [new LogitNoise(f.LogitNoise)] : [];
        foreach (var s in sampling) s.Attach(policy, rng.Split("logit-noise"));
        Applied = [.. sampling, .. _batchFrictions, .. _answerFrictions.Where(a => a.Probability > 0), .. _rewardFrictions];
    }

    public ITokenEnvironment Environment { get; }
    /// <summary>The parameters the actor samples with (the learner's, or its own copy of an older version).</summary>
    public ISequencePolicy Policy { get; }
    public FrictionOptions Frictions { get; }
    /// <summary>The frictions this actor applies, in the order it applies them (staleness is the runtime's version source).</summary>
    public IReadOnlyList<IFriction> Applied { get; }

    /// <summary>The actor's random streams, by purpose, for checkpoints.</summary>
    public void SaveState(Runtime.TrainingState state, string name)
    {
        state.Put(name + ".prompts", _promptRng);
        state.Put(name + ".samples", _sampleRng);
        state.Put(name + ".rewards", _rewardRng);
        state.Put(name + ".frictions", _frictionRng);
    }

    public void RestoreState(Runtime.TrainingState state, string name)
    {
        state.Get(name + ".prompts", _promptRng);
        state.Get(name + ".samples", _sampleRng);
        state.Get(name + ".rewards", _rewardRng);
        state.Get(name + ".frictions", _frictionRng);
    }

    public void Fill(Rollout rollout, int promptCount, int samplesPerPrompt, long policyVersion, bool stale = false)
    {
        int rows = promptCount * samplesPerPrompt, length = rollout.Length, prompt = rollout.PromptLength;
        if (rows > rollout.Capacity)
            throw new ArgumentException($"prompts × samples = {rows} exceeds the rollout capacity {rollout.Capacity}.");
        rollout.RowCount = rows;
        rollout.SamplesPerPrompt = samplesPerPrompt;
        rollout.PolicyVersion = policyVersion;
        rollout.HasBehaviourLogProbs = true;
        rollout.HasTaskScores = true;
        var tokens = rollout.Tokens.AsSpan();
        for (var g = 0; g < promptCount; g++)
        {
            var first = tokens.Slice(g * samplesPerPrompt * length, prompt);
            Environment.SamplePrompt(_promptRng, first);
            for (var s = 1; s < samplesPerPrompt; s++)
                first.CopyTo(tokens.Slice((g * samplesPerPrompt + s) * length, prompt));
        }
        Policy.Sample(tokens, rollout.BehaviourLogProbs, rows, prompt, length, _sampleRng);
        foreach (var batch in _batchFrictions) batch.Apply(rollout, Policy, _frictionRng);
        for (var r = 0; r < rows; r++)
        {
            var friction = stale ? RowFriction.Stale : RowFriction.None;
            friction |= ReplaceAnswer(rollout, r);
            // egg's order (egg-spec §4): the task's score, then reward noise and flips, then the wrappers' penalties
            // (landmine, poison, zero-prompt noise), so a coin flip never hides a landmine's penalty.
            var reward = Environment.TaskReward(rollout.Prompt(r), rollout.Answer(r), _rewardRng);
            rollout.TaskScores[r] = reward;
            foreach (var corruption in _rewardFrictions) reward = corruption.Apply(reward, _frictionRng, ref friction);
            rollout.Rewards[r] = Environment.AddWrapperRewards(rollout.Prompt(r), rollout.Answer(r), reward, _rewardRng);
            rollout.RowFrictions[r] = friction;
        }
    }

    /// <summary>Every answer friction draws its coin; the first that fired writes the row's answer.</summary>
    RowFriction ReplaceAnswer(Rollout rollout, int row)
    {
        IAnswerFriction? chosen = null;
        foreach (var friction in _answerFrictions)
        {
            var fired = friction.Fires(_frictionRng); // drawn even after one fired: the next row's draws stay aligned
            if (fired && chosen is null) chosen = friction;
        }
        if (chosen is null) return RowFriction.None;
        chosen.Inject(rollout, row, _frictionRng);
        return chosen.Mark;
    }
}
