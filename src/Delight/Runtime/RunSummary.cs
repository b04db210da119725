namespace Delight.Runtime;

/// <summary>Reward and error of the policy's own samples on fresh prompts (error = 1 − mean reward).</summary>
public readonly record struct Evaluation(double Reward, double Error);

/// <summary>Work done by a run, summed over steps.</summary>
public record struct WorkTotals(long ForwardRows, long BackwardRows, long ForwardTokens, long BackwardTokens, long SampleRows, long SampleTokens)
{
    public long ForwardFlops;
    public long BackwardFlops;
}

public sealed record RunSummary(
    TrainOptions Options, int StepsDone, double WallSeconds, Evaluation Initial, Evaluation Final, WorkTotals Work, long ParameterCount)
{
    public Frictions.FrictionTotals Frictions { get; init; }
}
