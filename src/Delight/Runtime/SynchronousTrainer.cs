using System.Diagnostics;
using Delight.Actors;
using Delight.Environments;
using Delight.Frictions;
using Delight.Versions;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// The default runtime: sample a batch with the current parameters, learn from it, repeat. Deterministic: one seed
/// fixes every prompt, sample and metric. Streams are split by purpose so evaluation never shifts training draws.
/// </summary>
public sealed class SynchronousTrainer
{
    readonly Rollout _rollout;
    readonly Rollout _evaluationRollout;
    readonly TokenActor _actor;
    readonly TokenActor _evaluator;
    readonly TransformerPolicy _actorPolicy;
    readonly SnapshotRing? _snapshots;
    readonly Rng _lagRng;

    public SynchronousTrainer(TrainOptions options)
    {
        options.Validate();
        Options = options;
        var rng = new Rng(options.Seed);
        Environment = options.Environment();
        var batchRows = options.PromptsPerBatch * options.SamplesPerPrompt;
        Policy = new TransformerPolicy(new TransformerOptions
        {
            VocabularySize = Environment.VocabularySize,
            SequenceLength = Environment.PromptLength + Environment.AnswerLength,
            MaxRows = Math.Max(batchRows, Math.Min(options.EvaluationRows, 100)),
        });
        Policy.Initialize(rng.Split("init"));
        var loss = LossCatalog.Create(options.Method, options.LossOptions(), rng.Split("loss"));
        Learner = new Learner(Policy, loss, new Adam(Policy.Parameters.BufferLength, options.LearningRate), options.LearnerOptions(), rng.Split("learner"));
        _rollout = new Rollout(batchRows, Environment.PromptLength, Environment.AnswerLength);
        _evaluationRollout = new Rollout(Policy.Options.MaxRows, Environment.PromptLength, Environment.AnswerLength);
        var frictions = options.Frictions();
        // A stale or mismatched actor samples with its own copy of the parameters; the evaluator always uses the
        // learner's current ones, without frictions.
        _actorPolicy = frictions.Staleness > 0 || frictions.LogitNoise > 0 ? new TransformerPolicy(Policy.Options) : Policy;
        if (frictions.Staleness > 0) _snapshots = new SnapshotRing(frictions.Staleness + 1, Policy.Parameters.BufferLength);
        _lagRng = rng.Split("staleness");
        _actor = new TokenActor(Environment, _actorPolicy, rng.Split("actor"), frictions);
        _evaluator = new TokenActor(Environment, Policy, rng.Split("evaluation"));
    }

    public TrainOptions Options { get; }
    public ITokenEnvironment Environment { get; }
    public TransformerPolicy Policy { get; }
    public Learner Learner { get; }

    /// <summary>The actor's side of the last step: lag and friction fractions.</summary>
    public ActorStepMetrics LastActorMetrics { get; private set; }

    /// <summary>Runs every step, calling <paramref name="onStep"/> after each (step number from 1, its metrics).</summary>
    public RunSummary Run(Action<int, LearnerStepMetrics, double>? onStep = null)
    {
        var clock = Stopwatch.StartNew();
        var initial = Evaluate();
        var work = new WorkTotals();
        var frictions = new FrictionTotals();
        for (var step = 1; step <= Options.Steps; step++)
        {
            var version = Learner.PolicyVersion;
            var sampleVersion = SyncActor(version);
            _actor.Fill(_rollout, Options.PromptsPerBatch, Options.SamplesPerPrompt, sampleVersion, stale: sampleVersion < version);
            LastActorMetrics = ActorStepMetrics.Of(_rollout, version);
            frictions.Add(LastActorMetrics, _rollout.RowCount);
            if (Learner.Loss is CrossEntropy) ReplaceAnswersWithTargets(_rollout);
            var metrics = Learner.Step(_rollout);
            work.SampleRows += _rollout.RowCount;
            work.SampleTokens += (long)_rollout.RowCount * (_rollout.Length - 1);
            work.ForwardRows += metrics.ForwardRows;
            work.BackwardRows += metrics.BackwardRows;
            work.ForwardTokens += metrics.ForwardTokens;
            work.BackwardTokens += metrics.BackwardTokens;
            work.ForwardFlops += metrics.ForwardFlops;
            work.BackwardFlops += metrics.BackwardFlops;
            onStep?.Invoke(step, metrics, clock.Elapsed.TotalSeconds);
        }
        var final = Evaluate();
        return new RunSummary(Options, Options.Steps, clock.Elapsed.TotalSeconds, initial, final, work, Policy.Parameters.Count) { Frictions = frictions };
    }

    /// <summary>
    /// Gives the actor the parameters it samples with this step and returns their version: the learner's current
    /// one, or with --staleness D one D' versions older (D' uniform in [0, D] or fixed, never older than exists).
    /// </summary>
    long SyncActor(long version)
    {
        if (_snapshots is { } ring)
        {
            ring.Publish(version, Policy.Parameters);
            var f = _actor.Frictions;
            long lag = f.StalenessMode == StalenessMode.Uniform ? _lagRng.NextInt(f.Staleness + 1) : f.Staleness;
            lag = Math.Min(lag, version - ring.Oldest);
            ring.Load(version - lag, _actorPolicy.Parameters);
            return version - lag;
        }
        if (!ReferenceEquals(_actorPolicy, Policy)) _actorPolicy.Parameters.CopyValuesFrom(Policy.Parameters.Values);
        return version;
    }

    /// <summary>
    /// The oracle learns from the correct answers: rewards (and so the logged error) stay those of the policy's own
    /// samples, while the tokens the learner reads become the targets. Behaviour log-probs no longer describe them.
    /// </summary>
    void ReplaceAnswersWithTargets(Rollout rollout)
    {
        var task = Environment as ISupervisedTask
            ?? throw new OptionException("--method", $"ce needs a task that knows its correct answer; '{Environment.Name}' does not.");
        for (var r = 0; r < rollout.RowCount; r++)
            task.WriteTarget(rollout.Prompt(r), rollout.Tokens.AsSpan(r * rollout.Length + rollout.PromptLength, rollout.AnswerLength));
        rollout.HasBehaviourLogProbs = false;
    }

    /// <summary>1 − mean reward of the policy's own samples on <see cref="TrainOptions.EvaluationRows"/> fresh prompts.</summary>
    public Evaluation Evaluate()
    {
        double sum = 0;
        var remaining = Options.EvaluationRows;
        while (remaining > 0)
        {
            var rows = Math.Min(remaining, _evaluationRollout.Capacity);
            _evaluator.Fill(_evaluationRollout, rows, 1, Learner.PolicyVersion);
            for (var r = 0; r < rows; r++) sum += _evaluationRollout.Rewards[r];
            remaining -= rows;
        }
        var reward = sum / Options.EvaluationRows;
        return new Evaluation(reward, Environment.Error(reward));
    }
}
