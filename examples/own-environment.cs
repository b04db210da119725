#:project ../src/Delight/Delight.csproj
// DG on your own task: a new ITokenEnvironment (sort three digits) behind a flaky verifier (a reward friction), with
// the library's transformer, actor and learner. Run: dotnet run examples/own-environment.cs [steps]
using Delight;
using Delight.Actors;
using Delight.Environments;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Runtime;

var steps = args.Length > 0 ? int.Parse(args[0]) : 200;
var environment = new FlakyVerifier(new SortDigits(), failureProb: 0.1f);
const int prompts = 10, samples = 10; // ten prompts, each answered ten times: the grouped baseline compares them

var policy = PolicyFactory.Create(environment, maxRows: prompts * samples);
var rng = new Rng(seed: 1);
policy.Initialize(rng.Split("init"));
var loss = LossCatalog.Create(new LossOptions { Method = Method.Dg, Eta = 1f });
var learner = new Learner(policy, loss, new Adam(policy.Parameters.BufferLength, learningRate: 3e-3f));
var actor = new TokenActor(environment, policy, rng.Split("actor"));
var rollout = new Rollout(prompts * samples, environment.PromptLength, environment.AnswerLength);

float first = 0, last = 0;
for (var step = 1; step <= steps; step++)
{
    actor.Fill(rollout, prompts, samples, learner.PolicyVersion);
    var metrics = learner.Step(rollout);
    if (step == 1) first = metrics.RewardMean;
    last = metrics.RewardMean;
    if (step % 50 == 0) Console.WriteLine($"step {step,4}  reward {metrics.RewardMean:F3}  gate {metrics.GateMean:F3}");
}
Console.WriteLine($"{environment.Name}: reward {first:F3} -> {last:F3} after {steps} steps ({policy.Parameters.Count} parameters)");

/// <summary>Prompt: three digits in [0, 4); answer: the same digits sorted. Reward: the fraction in place.</summary>
sealed class SortDigits : ITokenEnvironment
{
    public string Name => "sort-digits";
    public int VocabularySize => 4;
    public int PromptLength => 3;
    public int AnswerLength => 3;

    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        for (var i = 0; i < prompt.Length; i++) prompt[i] = rng.NextInt(VocabularySize);
    }

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
    {
        Span<int> sorted = stackalloc int[3];
        prompt.CopyTo(sorted);
        sorted.Sort();
        var correct = 0;
        for (var i = 0; i < 3; i++) correct += answer[i] == sorted[i] ? 1 : 0;
        return correct / 3f;
    }
}

/// <summary>A friction: the verifier wrongly scores 0 with probability p, drawn from the actor's reward stream.</summary>
sealed class FlakyVerifier(ITokenEnvironment inner, float failureProb) : TokenEnvironmentWrapper(inner)
{
    // The change to the reward beneath: training sees it; the error is measured on the task's own score.
    protected override float ApplyTo(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float reward, Rng rng) =>
        rng.NextFloat() < failureProb ? 0f : reward;
}
