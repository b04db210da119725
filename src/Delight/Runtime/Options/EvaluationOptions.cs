namespace Delight.Runtime;

/// <summary>The evaluation part of a run: how error is measured, and how often (<see cref="Evaluator"/>).</summary>
public sealed record EvaluationOptions
{
    [Option("eval-rows", "Fresh prompts sampled (and held-out prompts decoded greedily) to measure error.", Min = 1, Max = 100_000)]
    public int Rows { get; init; } = 1000;
    [Option("eval-every", "Evaluate every N steps (0: only before and after training).", Min = 0, Max = 1e8)]
    public int Every { get; init; }
    [Option("direction-every", "Supervised tasks (mnist, reversal, …): every N steps log grad_cosine_oracle, the cosine of the update to the cross-entropy direction on the batch, and on mnist grad_cosine_true, to the exact on-policy gradient (one forward and two backwards extra; 0: never). Bandits log both every step.", Min = 0, Max = 1e8)]
    public int DirectionEvery { get; init; }

    public void Validate()
    {
        if (Rows <= 0) throw new OptionException("--eval-rows", $"--eval-rows must be a positive integer, got {Rows}.");
        if (Every < 0) throw new OptionException("--eval-every", $"--eval-every must be >= 0, got {Every}.");
        if (DirectionEvery < 0) throw new OptionException("--direction-every", $"--direction-every must be >= 0, got {DirectionEvery}.");
    }
}
