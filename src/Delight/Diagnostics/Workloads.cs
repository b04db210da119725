using Delight.Actors;
using Delight.Environments;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;
using Delight.Screens;

namespace Delight.Diagnostics;

/// <summary>
/// The workloads `delight bench` and the BenchmarkDotNet suite time, built once so each call is one unit of work
/// and allocates nothing. Shapes are the papers' defaults: reversal H = 10, M = 2 with 10 prompts × 10 samples,
/// and the MNIST bandit with batch 100 on a 784-100-100-10 MLP.
/// </summary>
public sealed class ReversalWorkload
{
    readonly TokenActor _actor;
    readonly Rollout _rollout;
    readonly Learner _learner;
    readonly Learner _pgLearner;
    readonly Learner _dgLearner;
    readonly Learner _kondoLearner;
    readonly Learner _speculativeLearner;
    readonly float[] _dLogProbs;
    readonly int[] _allRows = new int[100];
    readonly Rng _sampleRng = new(2);
    readonly int _prompt, _length;

    /// <param name="peaked">
    /// Scale the output head so the policy is saturated, like a trained one: log-probs near 0 and −100, where
    /// subnormal floats appear if nothing guards against them.
    /// </param>
    /// <param name="size">the transformer's size; null is the papers' (<see cref="ModelSize.Default"/>)</param>
    public ReversalWorkload(bool peaked = false, ModelSize? size = null)
    {
        Size = size ?? ModelSize.Default;
        _prompt = Size.PromptLength;
        _length = Size.Length;
        _dLogProbs = new float[100 * Size.AnswerLength];
        var environment = new ReversalEnvironment(new ReversalOptions { PromptLength = Size.PromptLength });
        Policy = new TransformerPolicy(Size.Options(maxRows: 100));
        Policy.Initialize(new Rng(1));
        if (peaked)
        {
            var head = Policy.Parameters["head.weight"].Value;
            foreach (ref var w in head) w *= 200f;
        }
        _actor = new TokenActor(environment, Policy, new Rng(3));
        _rollout = new Rollout(100, environment.PromptLength, environment.AnswerLength);
        _learner = new Learner(Policy, new DelightfulPg(), new Adam(Policy.Parameters.BufferLength));
        _pgLearner = new Learner(Policy, new Reinforce(), new Adam(Policy.Parameters.BufferLength));
        _dgLearner = new Learner(Policy, new DelightfulPg(), new Adam(Policy.Parameters.BufferLength));
        // Row granularity: exactly 10% of the rows reach the backward pass (the screened trainer's semantics).
        var kondo = new KondoOptions { Rate = 0.1f, Granularity = KondoGranularity.Row };
        _kondoLearner = new Learner(Policy, new Reinforce(), new Adam(Policy.Parameters.BufferLength), new LearnerOptions { Kondo = kondo }, new Rng(7));
        // Audits off: the benchmark measures the screen's steady state.
        _speculativeLearner = new Learner(Policy, new Reinforce(), new Adam(Policy.Parameters.BufferLength),
            new LearnerOptions { Kondo = kondo, Screen = ScreenMode.Speculative, ScreenAuditEvery = 0 }, new Rng(7));
        for (var r = 0; r < 100; r++) _allRows[r] = r;
        _dLogProbs.AsSpan().Fill(-1e-3f);
        _actor.Fill(_rollout, 10, 10, 0);
        MakeEveryRowLearn();
    }

    public TransformerPolicy Policy { get; }
    public ModelSize Size { get; }

    /// <summary>100 sequences: prompt L/2 (10), answer L − L/2 (10) sampled with the KV cache.</summary>
    public void Sample() => Policy.Sample(_rollout.Tokens, _rollout.BehaviourLogProbs, 100, _prompt, _length, _sampleRng);

    /// <summary>Learner forward + backward + Adam on 100 × L (20) tokens (every row kept, whatever ran before).</summary>
    public void Learn()
    {
        MakeEveryRowLearn();
        _pgLearner.Step(_rollout);
    }

    /// <summary>Teacher-forced forward over the 100 × L batch, storing activations.</summary>
    public void Forward() => Policy.Forward(_rollout.Tokens, 100, _length, _prompt);

    /// <summary>Backward over every row of the last forward (call <see cref="Forward"/> once first).</summary>
    public void Backward()
    {
        Policy.Parameters.ZeroGradients();
        Policy.Backward(_allRows, _dLogProbs);
    }

    /// <summary>Dense DG learn step (forward, weights, backward on every row with a non-zero coefficient, Adam).</summary>
    public void DgLearn()
    {
        MakeEveryRowLearn();
        _dgLearner.Step(_rollout);
    }

    /// <summary>Kondo at ρ = 10% with the exact screen: full forward, screen, backward on kept rows, Adam.</summary>
    public LearnerStepMetrics KondoLearn()
    {
        MakeEveryRowLearn();
        return _kondoLearner.Step(_rollout);
    }

    /// <summary>Kondo at ρ = 10% screened from the actor's log-probs: forward and backward on kept rows only.</summary>
    public LearnerStepMetrics KondoSpeculativeLearn()
    {
        MakeEveryRowLearn();
        return _speculativeLearner.Step(_rollout);
    }

    /// <summary>A whole Kondo-10% step: sample, reward, speculative screen, learn on kept rows.</summary>
    public LearnerStepMetrics KondoStep()
    {
        _actor.Fill(_rollout, 10, 10, _speculativeLearner.PolicyVersion);
        return _speculativeLearner.Step(_rollout);
    }

    /// <summary>A whole DG step: sample, reward, learn.</summary>
    public LearnerStepMetrics DgStep()
    {
        _actor.Fill(_rollout, 10, 10, _learner.PolicyVersion);
        return _learner.Step(_rollout);
    }

    /// <summary>Distinct rewards inside every group, so no row has a zero advantage and backward covers all rows.</summary>
    void MakeEveryRowLearn()
    {
        for (var r = 0; r < 100; r++) _rollout.Rewards[r] = (r % 10) / 10f;
    }

    /// <summary>FLOPs of one <see cref="Learn"/> (forward, backward; <see cref="ModelSize.LearnFlops"/>).</summary>
    public double LearnFlops() => Size.LearnFlops(100);

    /// <summary>FLOPs of one <see cref="Sample"/>.</summary>
    public double SampleFlops() => Size.SampleFlops(100);
}

/// <summary>MNIST-shaped contextual bandit step with random images: forward, sample, reward, DG weights, backward, Adam.</summary>
public sealed class MnistWorkload
{
    const int Rows = 100;
    readonly float[] _images = new float[Rows * 784];
    readonly int[] _labels = new int[Rows];
    readonly int[] _actions = new int[Rows];
    readonly float[] _logProbs = new float[Rows];
    readonly float[] _dLogProbs = new float[Rows];
    readonly int[] _rows = new int[Rows];
    readonly Adam _adam;
    readonly DelightfulPg _dg = new();
    readonly Rng _rng = new(5);

    public MnistWorkload()
    {
        Policy = new MlpPolicy(new MlpOptions { MaxRows = Rows });
        Policy.Initialize(new Rng(4));
        _adam = new Adam(Policy.Parameters.BufferLength);
        var rng = new Rng(6);
        // Random images with MNIST's sparsity: about 19% of pixels lit.
        for (var i = 0; i < _images.Length; i++) _images[i] = rng.NextDouble() < 0.19 ? (float)rng.NextDouble() : 0f;
        for (var r = 0; r < Rows; r++) { _labels[r] = rng.NextInt(10); _rows[r] = r; }
    }

    public MlpPolicy Policy { get; }

    public void DgStep()
    {
        var logProbs = Policy.Forward(_images, Rows);
        Policy.SampleActions(_actions, _logProbs, _rng);
        for (var r = 0; r < Rows; r++)
        {
            // Expected-confidence baseline b = Σ_a π(a|x)² (the reference's label-free estimate of π(correct|x)).
            var baseline = 0f;
            for (var a = 0; a < 10; a++) { var p = MathF.Exp(logProbs[r * 10 + a]); baseline += p * p; }
            var advantage = (_actions[r] == _labels[r] ? 1f : 0f) - baseline;
            var gate = _dg.Gate(advantage * -_logProbs[r]);
            _dLogProbs[r] = -gate * advantage / Rows;
        }
        Policy.Parameters.ZeroGradients();
        Policy.Backward(_rows, _dLogProbs);
        _adam.Step(Policy.Parameters);
    }
}
