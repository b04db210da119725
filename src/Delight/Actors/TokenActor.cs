using Delight.Numerics;
using Delight.Policies;

namespace Delight.Actors;

/// <summary>
/// Fills a rollout: draws prompts, repeats each for its group of samples, samples answers with the policy's KV cache
/// while recording behaviour log-probs, and scores every row. The actor owns its random streams.
/// </summary>
public sealed class TokenActor(ITokenEnvironment environment, TransformerPolicy policy, Rng rng)
{
    readonly Rng _promptRng = rng.Split("prompts");
    readonly Rng _sampleRng = rng.Split("samples");
    readonly Rng _rewardRng = rng.Split("rewards");

    public ITokenEnvironment Environment { get; } = environment;
    public TransformerPolicy Policy { get; } = policy;

    public void Fill(Rollout rollout, int promptCount, int samplesPerPrompt, long policyVersion)
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
        for (var r = 0; r < rows; r++)
            rollout.Rewards[r] = Environment.Reward(rollout.Prompt(r), rollout.Answer(r), _rewardRng);
    }
}
