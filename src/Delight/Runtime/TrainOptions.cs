using Delight.Environments;
using Delight.Frictions;
using Delight.Learning;
using Delight.Losses;
using Delight.Policies;
using Delight.Screens;

namespace Delight.Runtime;

/// <summary>
/// The run specification: the run's length and seed, and one typed part per component — the task, the model, the
/// loss, the screen, the batch, the optimizer, the frictions, the runtime, the evaluation and the output. Every
/// option is an <see cref="OptionAttribute"/> property of the part that reads it, with its default declared there
/// (or in the component it configures); <see cref="OptionTable"/> finds them all, so a flag, a config key and a
/// sweep axis are one name. <see cref="Validate"/> runs each part's checks before anything is written; every error
/// is an <see cref="OptionException"/> naming the flag.
/// </summary>
public sealed record TrainOptions
{
    [Option("steps", "Learner steps.", Min = 1, Max = 1e8)]
    public int Steps { get; init; } = 300;
    [Option("seed", "Run seed; same seed, same metrics (synchronous and simulated-lag runtimes).")]
    public ulong Seed { get; init; }

    /// <summary>The task and its shape and reward knobs (--task, --prompt-length, --vocab, --landmine, …).</summary>
    public TaskOptions Task { get; init; } = new();
    /// <summary>The network's size: --width --layers --heads --ff (transformer), --hidden (MLP); null keeps the defaults.</summary>
    public ModelOptions Model { get; init; } = new();
    /// <summary>The method and its options (--method, --eta, --epsilon, …); an option the method does not read is refused.</summary>
    public LossOptions Loss { get; init; } = new();
    /// <summary>The Kondo gate and the screen mode (--kondo-*, --screen).</summary>
    public ScreenOptions Screen { get; init; } = new();
    /// <summary>The batch shape and baseline (--prompts, --samples, --advantage); unset parts take the task's defaults.</summary>
    public BatchOptions Batch { get; init; } = new();
    /// <summary>The optimizer and learning rate (--optimizer, --lr); unset parts take the task's defaults.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();
    /// <summary>Actor frictions (--staleness, --bug-prob, …), one record per friction.</summary>
    public FrictionOptions Frictions { get; init; } = new();
    /// <summary>sync or async, and the async runtime's actors and admission control.</summary>
    public RuntimeOptions Runtime { get; init; } = new();
    /// <summary>How error and gradient directions are measured, and how often.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();
    /// <summary>Metrics, checkpoints and TensorBoard cadence.</summary>
    public OutputOptions Output { get; init; } = new();

    /// <summary>The task's batch shape, optimizer and baseline, for whatever the options leave unset.</summary>
    public TaskDefaults Defaults => TaskCatalog.Defaults(Task.Name);
    /// <summary>Prompts per batch; each is sampled <see cref="SamplesPerPrompt"/> times (the reference's 10 × 10).</summary>
    public int PromptsPerBatch => Batch.Prompts ?? Defaults.Prompts;
    public int SamplesPerPrompt => Batch.Samples ?? Defaults.Samples;
    /// <summary>The baseline in force: the option, else the task's (grouped for token tasks, expected-confidence for mnist).</summary>
    public AdvantageEstimator Advantage => Batch.Advantage ?? Defaults.Advantage;
    public float LearningRate => Optimizer.LearningRate ?? Defaults.LearningRate;
    public OptimizerKind OptimizerKind => Optimizer.Kind ?? Defaults.Optimizer;

    /// <summary>The environment: the task with its reward wrappers. Reward noise and flips are actor frictions.</summary>
    public ITokenEnvironment Environment() => TaskCatalog.Create(Task);

    /// <summary>The learner's options: the Kondo gate (for method kondo, or any method given a rate or price), the screen mode and the baseline.</summary>
    public LearnerOptions LearnerOptions() => new() { Kondo = Screen.Gate(Loss.Method), Screen = Screen.Mode, Advantage = Advantage };

    /// <summary>
    /// Every check, each done by the part (or the component) that reads the option, before anything is written:
    /// ranges of the option table, then each part, then the products of options that size memory.
    /// </summary>
    public void Validate()
    {
        foreach (var entry in OptionTable.Entries) entry.CheckRange(entry.Get(this), "the options");
        if (Steps <= 0) throw new OptionException("--steps", $"--steps must be a positive integer, got {Steps}.");
        if (PromptsPerBatch <= 0) throw new OptionException("--prompts", $"--prompts must be a positive integer, got {PromptsPerBatch}.");
        if (SamplesPerPrompt <= 0) throw new OptionException("--samples", $"--samples must be a positive integer, got {SamplesPerPrompt}.");
        if (!Enum.IsDefined(OptimizerKind)) throw new OptionException("--optimizer", $"--optimizer {(int)OptimizerKind} is unknown; choose adam or sgd.");
        if (!Enum.IsDefined(Advantage)) throw new OptionException("--advantage", $"--advantage {(int)Advantage} is unknown; choose grouped, global or expected-confidence.");
        if (Advantage == AdvantageEstimator.Grouped && SamplesPerPrompt == 1)
            throw new OptionException("--advantage", "the grouped baseline with --samples 1 gives every row advantage 0, so nothing is learned; use --advantage global or expected-confidence, or --samples 2 or more.");
        Evaluation.Validate();
        Output.Validate();
        Runtime.Validate(Frictions.Staleness.Versions);
        Environment();
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new OptionException("--lr", $"--lr {LearningRate} must be a positive number.");
        Frictions.Validate();
        // The loss checks the method's options (and refuses the others); the learner its screen and baseline.
        LossCatalog.Create(Loss, new Numerics.Rng(0));
        Screen.Validate(Loss.Method);
        LearnerOptions().Validate();
        if ((long)PromptsPerBatch * SamplesPerPrompt > MaxBatchRows)
            throw new OptionException("--prompts", $"--prompts {PromptsPerBatch} × --samples {SamplesPerPrompt} = {(long)PromptsPerBatch * SamplesPerPrompt} rows per batch is above the {MaxBatchRows} supported; lower --prompts or --samples.");
        CheckMemory();
    }

    /// <summary>Most rows in one batch (prompts × samples).</summary>
    public const int MaxBatchRows = 10_000;
    /// <summary>Most floats the simulated-lag snapshot ring may hold ((--staleness + 1) parameter copies; 1 GiB).</summary>
    public const long MaxSnapshotFloats = 1L << 28;
    /// <summary>Most floats a whole run may hold: policies, optimizer, snapshots and queued batches (8 GiB).</summary>
    public const double MaxRunFloats = 1L << 31;

    /// <summary>
    /// Products of options that size memory, computed before anything is allocated: the policy's shape, the snapshots
    /// --staleness keeps, and the whole run (a policy copy per actor, the async runtime's queued batches). The error
    /// names the largest part and the flags that size it.
    /// </summary>
    void CheckMemory()
    {
        var environment = Environment();
        (long Parameters, double Activations) policy;
        try { policy = PolicyFactory.CheckShape(environment, TrainingSession.PolicyRows(this), Model); }
        catch (ArgumentException e) when (e is not OptionException) // a size flag the task cannot use names itself
        {
            throw new OptionException("--task", $"the policy for this task and batch is too large: {e.Message} Lower --prompts × --samples, --prompt-length, --answer-length, --vocab, --arms or --contexts.");
        }
        var parameters = policy.Parameters;
        var staleness = Frictions.Staleness.Versions;
        var async = Runtime.Kind == RuntimeKind.Async;
        if ((staleness + 1L) * parameters > MaxSnapshotFloats)
            throw new OptionException("--staleness", $"--staleness {staleness} keeps {staleness + 1} copies of the {parameters} parameters, more than the {MaxSnapshotFloats} floats supported; lower --staleness to at most {MaxSnapshotFloats / parameters - 1}.");
        var copies = 1 + (async ? Runtime.Actors : staleness > 0 || Frictions.LogitNoise.Std > 0 ? 1 : 0);
        var batchFloats = 4.0 * PromptsPerBatch * SamplesPerPrompt * (environment.PromptLength + environment.AnswerLength);
        (string What, string Flag, string Fix, double Floats)[] parts =
        [
            ($"{copies} policy copies of {parameters} parameters and {policy.Activations:0} activation floats each", async ? "--actors" : "--prompts",
                async ? "--actors or the model and batch size" : "the model and batch size", copies * (2.0 * parameters + policy.Activations)),
            ($"{staleness + 1} parameter snapshots", "--staleness", "--staleness", staleness > 0 ? (staleness + 1.0) * parameters : 0),
            ($"{Runtime.MaxLag + 1} queued batches of {batchFloats:0} floats", "--max-lag", "--max-lag or --prompts × --samples", async ? (Runtime.MaxLag + 1.0) * batchFloats : 0),
        ];
        var total = parts.Sum(p => p.Floats) + 2.0 * parameters; // + Adam's two moments
        if (total > MaxRunFloats)
        {
            var largest = parts.MaxBy(p => p.Floats);
            throw new OptionException(largest.Flag, $"this run would hold about {total * 4 / (1 << 30):0.#} GiB, more than the {MaxRunFloats * 4 / (1 << 30):0} GiB supported; most of it is {largest.What}: lower {largest.Fix}.");
        }
    }
}
