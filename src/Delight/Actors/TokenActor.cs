using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Actors;

/// <summary>
/// Fills a rollout: draws prompts, repeats each for its group of samples, samples answers with the policy's KV cache
/// while recording behaviour log-probs, applies the actor-side frictions, and scores every row. The actor owns its
/// random streams, one per purpose, so switching a friction on never shifts the draws of the others.
/// </summary>
public sealed class TokenActor
{
    readonly Rng _promptRng;
    readonly Rng _sampleRng;
    readonly Rng _rewardRng;
    readonly Rng _frictionRng;
    readonly int[] _scratchAnswer;
    readonly Environments.Bandits.ContaminationOptions _contamination;

    public TokenActor(ITokenEnvironment environment, ISequencePolicy policy, Rng rng, FrictionOptions? frictions = null)
    {
        Environment = environment;
        Policy = policy;
        Frictions = frictions ?? new FrictionOptions();
        Frictions.Validate();
        if (Frictions.DiscoveryProb > 0 && environment is not ISupervisedTask)
            throw new ArgumentException($"--discovery-prob needs a task that knows its correct answer; '{environment.Name}' does not.");
        _promptRng = rng.Split("prompts");
        _sampleRng = rng.Split("samples");
        _rewardRng = rng.Split("rewards");
        _frictionRng = rng.Split("frictions");
        _scratchAnswer = new int[environment.AnswerLength];
        if (Frictions.Contamination > 0)
        {
            if (environment.PromptLength != 1 || environment.AnswerLength != 1)
                throw new ArgumentException($"--contamination applies to one-step tasks (a bandit, mnist); '{environment.Name}' answers with {environment.AnswerLength} tokens.");
            _contamination = Frictions.ContaminationArm is { } arm
                ? Environments.Bandits.ContaminationOptions.FixedArm(Frictions.Contamination, arm)
                : Environments.Bandits.ContaminationOptions.Uniform(Frictions.Contamination);
            try { _contamination.Validate(environment.VocabularySize); }
            catch (ArgumentException e) { throw new ArgumentException($"--contamination-arm: {e.Message}"); }
        }
        if (Frictions.LogitNoise > 0)
        {
            // Drawn once: a persistent per-token bias σ·u, like the reference's fixed logit noise.
            var noise = rng.Split("logit-noise");
            var bias = new float[environment.VocabularySize];
            for (var v = 0; v < bias.Length; v++) bias[v] = Frictions.LogitNoise * (float)noise.NextNormal();
            policy.SamplingLogitBias = bias;
        }
    }

    public ITokenEnvironment Environment { get; }
    /// <summary>The parameters the actor samples with (the learner's, or its own copy of an older version).</summary>
    public ISequencePolicy Policy { get; }
    public FrictionOptions Frictions { get; }

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
        var tokens = rollout.Tokens.AsSpan();
        for (var g = 0; g < promptCount; g++)
        {
            var first = tokens.Slice(g * samplesPerPrompt * length, prompt);
            Environment.SamplePrompt(_promptRng, first);
            for (var s = 1; s < samplesPerPrompt; s++)
                first.CopyTo(tokens.Slice((g * samplesPerPrompt + s) * length, prompt));
        }
        Policy.Sample(tokens, rollout.BehaviourLogProbs, rows, prompt, length, _sampleRng);
        if (_contamination.Rate > 0) Contaminate(rollout, rows);
        for (var r = 0; r < rows; r++)
        {
            var friction = stale ? RowFriction.Stale : RowFriction.None;
            friction |= ReplaceAnswer(rollout, r);
            var reward = Environment.Reward(rollout.Prompt(r), rollout.Answer(r), _rewardRng);
            if (Frictions.RewardFlipProb > 0 && _frictionRng.NextFloat() < Frictions.RewardFlipProb)
            {
                reward = _frictionRng.NextFloat() < 0.5f ? 1f : 0f;
                friction |= RowFriction.RewardFlip;
            }
            if (Frictions.RewardNoiseStd > 0) reward += Frictions.RewardNoiseStd * (float)_frictionRng.NextNormal();
            rollout.Rewards[r] = reward;
            rollout.RowFrictions[r] = friction;
        }
    }

    /// <summary>
    /// Redraws each row's action from μ = (1 − ρ)π + ρq with the policy's distribution from the sampling forward, and
    /// records the exact log μ(a): the contaminated-sampling model, where behaviour probabilities are known.
    /// </summary>
    void Contaminate(Rollout rollout, int rows)
    {
        var k = Environment.VocabularySize;
        ReadOnlySpan<float> pi = Policy.PositionLogProbs;
        for (var r = 0; r < rows; r++)
        {
            var action = Environments.Bandits.ContaminatedSampler.Sample(pi.Slice(r * k, k), _contamination, _frictionRng, out var logMu);
            rollout.Tokens[r * 2 + 1] = action;
            rollout.BehaviourLogProbs[r * 2 + 1] = (float)logMu;
        }
    }

    /// <summary>
    /// Discovery first, then random, then bug (the reference's precedence). An injected answer's recorded log-probs
    /// claim certainty (log 1 = 0): the actor reports behaviour probabilities that are wrong.
    /// </summary>
    RowFriction ReplaceAnswer(Rollout rollout, int row)
    {
        var f = Frictions;
        if (f.DiscoveryProb == 0 && f.RandomProb == 0 && f.BugProb == 0) return RowFriction.None;
        // One uniform per friction per row, always drawn, so each friction's rate is independent of the others'.
        float uDiscovery = _frictionRng.NextFloat(), uRandom = _frictionRng.NextFloat(), uBug = _frictionRng.NextFloat();
        var answer = rollout.Tokens.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength);
        RowFriction injected;
        if (uDiscovery < f.DiscoveryProb)
        {
            ((ISupervisedTask)Environment).WriteTarget(rollout.Prompt(row), _scratchAnswer);
            _scratchAnswer.CopyTo(answer);
            injected = RowFriction.Discovery;
        }
        else if (uRandom < f.RandomProb)
        {
            for (var t = 0; t < answer.Length; t++) answer[t] = _frictionRng.NextInt(Environment.VocabularySize);
            injected = RowFriction.Random;
        }
        else if (uBug < f.BugProb)
        {
            answer.Clear(); // the landmine answer: all zeros
            injected = RowFriction.Bug;
        }
        else return RowFriction.None;
        rollout.BehaviourLogProbs.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength).Clear();
        return injected;
    }
}
