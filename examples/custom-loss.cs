#:project ../src/Delight/Delight.csproj
// A custom loss plugged into the learner: learn only from better-than-average answers. A loss is a coefficient on
// ∇log π of each answer token; rows whose coefficients are all zero are never back-propagated.
// Run: dotnet run examples/custom-loss.cs [steps]
using Delight;
using Delight.Actors;
using Delight.Environments;
using Delight.Learning;
using Delight.Numerics;
using Delight.Runtime;

var steps = args.Length > 0 ? int.Parse(args[0]) : 200;
var environment = TaskCatalog.Create("reversal", new TaskOptions { PromptLength = 4 });
const int prompts = 10, samples = 10;

var policy = PolicyFactory.Create(environment, maxRows: prompts * samples);
var rng = new Rng(seed: 2);
policy.Initialize(rng.Split("init"));
var learner = new Learner(policy, new PositiveAdvantageOnly(), new Adam(policy.Parameters.BufferLength, learningRate: 1e-3f));
var actor = new TokenActor(environment, policy, rng.Split("actor"));
var rollout = new Rollout(prompts * samples, environment.PromptLength, environment.AnswerLength);

float first = 0, last = 0;
long forwardRows = 0, backwardRows = 0;
for (var step = 1; step <= steps; step++)
{
    actor.Fill(rollout, prompts, samples, learner.PolicyVersion);
    var metrics = learner.Step(rollout);
    (forwardRows, backwardRows) = (forwardRows + metrics.ForwardRows, backwardRows + metrics.BackwardRows);
    if (step == 1) first = metrics.RewardMean;
    last = metrics.RewardMean;
}
Console.WriteLine($"positive-advantage: reward {first:F3} -> {last:F3} after {steps} steps; backward on {backwardRows} of {forwardRows} rows");

/// <summary>
/// Per answer token t of row r: coefficient on ∇log π(a_rt) = max(U_r, 0), U = reward minus the prompt's mean.
/// Failures are ignored rather than pushed down (a filtered behaviour cloning of the policy's own successes).
/// </summary>
sealed class PositiveAdvantageOnly : ILoss
{
    public string Name => "positive-advantage";
    public bool NeedsBehaviourLogProbs => false;

    public void Coefficients(in Signals signals, Span<float> coefficients, out LossStatistics statistics)
    {
        var t = signals.TokensPerRow;
        for (var r = 0; r < signals.RowCount; r++)
            coefficients.Slice(r * t, t).Fill(MathF.Max(signals.Advantage[r], 0f));
        statistics = LossStatistics.Ungated;
    }
}
