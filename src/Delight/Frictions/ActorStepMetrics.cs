namespace Delight.Frictions;

/// <summary>What the frictions did to one rollout: lag of the parameters it was sampled with, and row fractions.</summary>
public record struct ActorStepMetrics(long Lag, float BugFraction, float DiscoveryFraction, float RandomFraction, float RewardFlipFraction)
{
    public static ActorStepMetrics Of(Rollout rollout, long learnerVersion)
    {
        int bug = 0, discovery = 0, random = 0, flip = 0;
        for (var r = 0; r < rollout.RowCount; r++)
        {
            var f = rollout.RowFrictions[r];
            if (f.HasFlag(RowFriction.Bug)) bug++;
            if (f.HasFlag(RowFriction.Discovery)) discovery++;
            if (f.HasFlag(RowFriction.Random)) random++;
            if (f.HasFlag(RowFriction.RewardFlip)) flip++;
        }
        float n = Math.Max(1, rollout.RowCount);
        return new ActorStepMetrics(learnerVersion - rollout.PolicyVersion, bug / n, discovery / n, random / n, flip / n);
    }
}

/// <summary>Friction fractions and lag over a whole run (summary.json "frictions").</summary>
public record struct FrictionTotals
{
    public long Rows;
    public long BugRows;
    public long DiscoveryRows;
    public long RandomRows;
    public long RewardFlipRows;
    public long Steps;
    public long LagSum;
    public long MaxLag;
    public long MinLag;

    public void Add(in ActorStepMetrics step, int rows)
    {
        Rows += rows;
        BugRows += (long)Math.Round(step.BugFraction * rows);
        DiscoveryRows += (long)Math.Round(step.DiscoveryFraction * rows);
        RandomRows += (long)Math.Round(step.RandomFraction * rows);
        RewardFlipRows += (long)Math.Round(step.RewardFlipFraction * rows);
        MinLag = Steps == 0 ? step.Lag : Math.Min(MinLag, step.Lag);
        Steps++;
        LagSum += step.Lag;
        MaxLag = Math.Max(MaxLag, step.Lag);
    }

    public readonly double Fraction(long count) => Rows == 0 ? 0 : (double)count / Rows;
    public readonly double MeanLag => Steps == 0 ? 0 : (double)LagSum / Steps;
}
