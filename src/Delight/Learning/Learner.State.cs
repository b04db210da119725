using Delight.Numerics;
using Delight.Runtime;

namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>Version, step counter, optimizer and random streams: with the parameters, all a continuation needs.</summary>
    public void SaveState(TrainingState state)
    {
        state.Put("learner.version", PolicyVersion);
        state.Put("learner.step_index", _stepIndex);
        state.Put("optimizer.steps", Optimizer.StepCount);
        if (Optimizer is Adam adam)
        {
            state.Put("optimizer.m", adam.FirstMoment);
            state.Put("optimizer.v", adam.SecondMoment);
        }
        if (_screen is { } screen)
        {
            state.Put("learner.kondo", screen.Random);
            // The rate-targeted stochastic gate's price is a quantile of recent priorities: a continuation needs them.
            if (screen.Options.TracksQuantile)
            {
                var (scores, count, next) = screen.History;
                state.Put("learner.kondo.history", scores);
                state.Put("learner.kondo.history_count", count);
                state.Put("learner.kondo.history_next", next);
            }
        }
        if (Loss is Losses.DelightfulPg { Random: { } rng }) state.Put("learner.loss", rng);
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; counters beyond <paramref name="maxSteps"/> updates are refused.</summary>
    public void RestoreState(TrainingState state, long maxSteps)
    {
        PolicyVersion = state.GetLong("learner.version", 0, maxSteps);
        _stepIndex = state.GetLong("learner.step_index", 0, maxSteps);
        Optimizer.RestoreStepCount(state.GetLong("optimizer.steps", 0, maxSteps));
        if (Optimizer is Adam adam)
        {
            state.Get("optimizer.m", adam.FirstMoment);
            state.Get("optimizer.v", adam.SecondMoment, nonNegative: true);
        }
        if (_screen is { } screen)
        {
            state.Get("learner.kondo", screen.Random);
            if (screen.Options.TracksQuantile)
            {
                var scores = new float[screen.History.Scores.Length];
                state.Get("learner.kondo.history", scores);
                screen.RestoreHistory(scores, (int)state.GetLong("learner.kondo.history_count"), (int)state.GetLong("learner.kondo.history_next"));
            }
        }
        if (Loss is Losses.DelightfulPg { Random: { } rng }) state.Get("learner.loss", rng);
    }
}
