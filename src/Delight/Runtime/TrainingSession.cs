using System.Diagnostics;
using Delight.Actors;
using Delight.Frictions;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// What every runtime shares: the environment, the learner's policy, the learner, the evaluator and the run's
/// accounting, built from the options with one random stream per purpose. A runtime only decides where rollouts
/// come from (this thread, actor threads, a broker); <see cref="Learn"/> is the same learner step for all of them.
/// </summary>
public sealed class TrainingSession
{
    readonly Evaluator _evaluator;
    readonly UpdateDirections? _directions;
    readonly BatchDirections? _batchDirections;
    readonly Stopwatch _clock = new();
    double _wallBefore; // seconds run before a resume
    WorkTotals _work;
    FrictionTotals _frictions;

    public TrainingSession(TrainOptions options)
    {
        Components = new RunComponents(options);
        Policy = Components.CreatePolicy();
        Policy.Initialize(Root.Split("init"));
        Learner = Components.CreateLearner(Policy);
        if (Environment.Bandit is { } bandit)
            _directions = new UpdateDirections(bandit);
        else if (options.Evaluation.DirectionEvery > 0)
            _batchDirections = BatchDirections.For(Environment, Policy)
                ?? throw new OptionException("--direction-every", $"the task '{Environment.Name}' has no correct answer to measure the update against; drop --direction-every.");
        _evaluator = new Evaluator(Environment, Policy, options.Evaluation.Rows, Root.Split("evaluation").NextUInt64());
    }

    /// <summary>Where the environment, policies, actors and the learner come from.</summary>
    public RunComponents Components { get; }
    public TrainOptions Options => Components.Options;
    /// <summary>The run's root stream; runtimes split their own streams from it by name.</summary>
    public Rng Root => Components.Root;
    public ITokenEnvironment Environment => Components.Environment;
    /// <summary>The learner's policy (the evaluator reads it too).</summary>
    public ISequencePolicy Policy { get; }
    public Learner Learner { get; }
    /// <summary>The rules every rollout of this run must meet: the learner's, and the distributed receiver's.</summary>
    public RolloutCheck RolloutCheck => Learner.RolloutCheck!;
    public FrictionOptions Frictions => Components.Frictions;
    public int BatchRows => Components.BatchRows;
    public int StepsDone { get; private set; }
    public double WallSeconds => _wallBefore + _clock.Elapsed.TotalSeconds;
    public Evaluation Initial { get; private set; } = Evaluation.None;

    /// <summary>Rows a policy's buffers are sized for: a batch, or up to 100 evaluation rows at a time.</summary>
    public static int PolicyRows(TrainOptions options) => Math.Max(options.PromptsPerBatch * options.SamplesPerPrompt, Math.Min(options.Evaluation.Rows, 100));

    /// <summary>Starts the clock; a fresh run measures the untrained policy first (a resumed one restored it).</summary>
    public void Start()
    {
        _clock.Start();
        if (StepsDone == 0) Initial = Evaluate();
    }

    /// <summary>The options that fix a run's trajectory: all but --steps, which only says where it stops.</summary>
    public static string Identity(TrainOptions options) =>
        string.Join(';', OptionTable.Values(options).Where(v => v.Name is not ("steps" or "eval-every" or "log-every" or "checkpoint-every" or "tensorboard")).Select(v => $"{v.Name}={OptionEntry.Format(v.Value)}"));

    /// <summary>Most steps a state may record: the --steps bound.</summary>
    static int MaxSteps => (int)OptionTable.Find("steps")!.Max;

    /// <summary>
    /// The options whose value in <paramref name="identity"/> (a saved <see cref="Identity"/>) differs from
    /// <paramref name="options"/>'. Compared by name, not position; an option the saved identity lacks (added to Delight
    /// after the state was written) agrees when it has its default value, which every earlier run had.
    /// </summary>
    public static List<string> IdentityDifferences(string identity, TrainOptions options)
    {
        static Dictionary<string, string> Parse(string text) => text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(x => x.Split('=', 2)).ToDictionary(x => x[0], x => x.Length > 1 ? x[1] : "", StringComparer.Ordinal);
        var theirs = Parse(identity);
        var defaults = Parse(Identity(new TrainOptions { Task = new() { Name = options.Task.Name } }));
        return [.. Parse(Identity(options))
            .Where(x => theirs.TryGetValue(x.Key, out var saved) ? saved != x.Value : defaults.GetValueOrDefault(x.Key) != x.Value)
            .Select(x => x.Key)];
    }

    public void SaveState(TrainingState state)
    {
        state.Put("run.identity", Identity(Options));
        state.Put("run.steps", StepsDone);
        state.Put("run.wall_seconds", WallSeconds);
        state.Put("policy", Policy.Parameters.Values);
        Learner.SaveState(state);
        state.Put("initial.reward", Initial.Reward);
        state.Put("initial.error", Initial.Error);
        state.Put("initial.greedy_sequence_error", Initial.GreedySequenceError);
        state.Put("initial.greedy_token_error", Initial.GreedyTokenError);
        AccountingState.Put(state, _work, _frictions);
    }

    /// <summary>Continues from <paramref name="state"/>; refuses a state written for other options.</summary>
    public void RestoreState(TrainingState state, string source)
    {
        var differ = IdentityDifferences(state.GetString("run.identity"), Options);
        if (differ.Count > 0)
            throw new OptionException("--resume", $"{source} was written for other options ({string.Join(", ", differ)} differ from config.json); resume with the run's own config, or start a new run.");
        StepsDone = state.GetInt("run.steps", 0, MaxSteps);
        _wallBefore = state.GetDouble("run.wall_seconds", 0);
        state.Get("policy", Policy.Parameters.Values);
        Learner.RestoreState(state, MaxSteps);
        Initial = new Evaluation(state.GetDouble("initial.reward"), state.GetDouble("initial.error"),
            state.GetDouble("initial.greedy_sequence_error", 0, 1, allowNaN: true), state.GetDouble("initial.greedy_token_error", 0, 1, allowNaN: true));
        (_work, _frictions) = AccountingState.Get(state, source);
    }

    public Evaluation Evaluate() => _evaluator.Evaluate(Learner.PolicyVersion);

    /// <summary>One learner step on <paramref name="rollout"/>, accounted; evaluates after it when the schedule says so.</summary>
    public StepReport Learn(Rollout rollout)
    {
        var actor = ActorStepMetrics.Of(rollout, Learner.PolicyVersion);
        _frictions.Add(actor, rollout.RowCount);
        // The task's own error on the batch: reward flips, noise and penalties change what is learned, not the error.
        var batchError = Environment.Error(rollout.MeanTaskScore());
        if (Learner.Loss.LearnsFromTargets) ReplaceAnswersWithTargets(rollout);
        _directions?.Before(Policy.Parameters.Values);
        // StepsDone counts from 0 here, so step k (1-based) is measured when k is a multiple of --direction-every.
        var measureBatch = _batchDirections is not null && (StepsDone + 1) % Options.Evaluation.DirectionEvery == 0;
        if (measureBatch) _batchDirections!.Before(rollout);
        var metrics = Learner.Step(rollout);
        StepsDone++;
        _work.SampleRows += rollout.RowCount;
        _work.SampleTokens += (long)rollout.RowCount * (rollout.Length - 1);
        _work.ForwardRows += metrics.ForwardRows;
        _work.BackwardRows += metrics.BackwardRows;
        _work.ForwardTokens += metrics.ForwardTokens;
        _work.BackwardTokens += metrics.BackwardTokens;
        _work.ForwardFlops += metrics.ForwardFlops;
        _work.BackwardFlops += metrics.BackwardFlops;
        // Every --eval-every steps and at the last step, so a run cut at step k and resumed logs what an
        // uninterrupted one does (evaluations are reseeded, so they do not depend on when they happen).
        var every = Options.Evaluation.Every;
        Evaluation? evaluation = null;
        if ((every > 0 && StepsDone % every == 0) || StepsDone == Options.Steps)
        {
            evaluation = Evaluate();
            _last = (StepsDone, evaluation.Value);
        }
        var report = new StepReport(StepsDone, Learner.PolicyVersion, metrics, actor, batchError, evaluation, WallSeconds);
        if (_directions is { } d)
        {
            var (truth, oracle) = d.After(Policy.Parameters.Gradients);
            report = report with { TrueGradientCosine = truth, OracleCosine = oracle };
        }
        else if (measureBatch)
        {
            var (truth, oracle) = _batchDirections!.After(Policy.Parameters.Gradients);
            report = report with { TrueGradientCosine = truth, OracleCosine = oracle };
        }
        return report;
    }

    (int Step, Evaluation Evaluation) _last = (-1, default);

    public RunSummary Finish()
    {
        var final = _last.Step == StepsDone ? _last.Evaluation : Evaluate();
        _clock.Stop();
        return new RunSummary(Options, StepsDone, WallSeconds, Initial, final, _work, Policy.Parameters.Count) { Frictions = _frictions };
    }

    /// <summary>
    /// The oracle learns from the correct answers: rewards (and so the logged error) stay those of the policy's own
    /// samples, while the tokens the learner reads become the targets. Behaviour log-probs no longer describe them.
    /// </summary>
    void ReplaceAnswersWithTargets(Rollout rollout)
    {
        var task = Environment.Targets
            ?? throw new OptionException("--method", $"ce needs a task that knows its correct answer; '{Environment.Name}' does not.");
        for (var r = 0; r < rollout.RowCount; r++)
            task.WriteTarget(rollout.Prompt(r), rollout.Tokens.AsSpan(r * rollout.Length + rollout.PromptLength, rollout.AnswerLength));
        rollout.HasBehaviourLogProbs = false;
    }
}
