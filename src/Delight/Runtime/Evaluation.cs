namespace Delight.Runtime;

/// <summary>
/// How good the policy is at one point of a run. <see cref="Error"/> is the papers' measure: for tasks with a held-out
/// set (MNIST's test images) the greedy policy's error on it; otherwise 1 − mean reward of the policy's own samples
/// on fresh prompts (the fraction wrong for ±1 rewards). The greedy errors decode the most likely answer for held-out
/// prompts: whole answers wrong (sequence) and answer tokens wrong (token); NaN when the task knows no targets.
/// </summary>
public readonly record struct Evaluation(double Reward, double Error, double GreedySequenceError = double.NaN, double GreedyTokenError = double.NaN)
{
    public static Evaluation None => new(double.NaN, double.NaN);
}
