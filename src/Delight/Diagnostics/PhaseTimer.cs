using System.Diagnostics;

namespace Delight.Diagnostics;

/// <summary>The phases of a learner step and of sampling that <see cref="PhaseTimer"/> separates.</summary>
public enum StepPhase
{
    ForwardEmbedding,
    ForwardLayerNorm,
    ForwardQkv,
    ForwardAttention,
    ForwardOutProjection,
    ForwardFeedForward,
    ForwardResidual,
    ForwardHead,
    /// <summary>The whole forward as the calling thread saw it (wall clock, parallel parts included).</summary>
    ForwardTotal,
    LearnerPrescreen,
    LearnerWeights,
    LearnerScreen,
    BackwardHead,
    BackwardFeedForward,
    BackwardLayerNorm,
    BackwardOutProjection,
    BackwardAttention,
    BackwardQkv,
    BackwardEmbedding,
    BackwardGather,
    /// <summary>The whole backward as the calling thread saw it.</summary>
    BackwardTotal,
    ZeroGradients,
    Optimizer,
    DecodeStep,
    SampleSoftmax,
}

/// <summary>
/// Wall-clock time per <see cref="StepPhase"/>, accumulated across calls (in the style of Llm.cs's per-layer
/// timings), for `delight bench --phases`. Off by default: then <see cref="Start"/> returns 0 and <see cref="Stop"/>
/// does nothing, so the timed code pays one branch. On: one timestamp per boundary and an interlocked add, no
/// allocation. Phases timed inside parallel parts add up the time of every thread (CPU time, not wall time); the
/// *Total phases are taken on the calling thread and are wall time.
/// </summary>
public static class PhaseTimer
{
    static readonly int s_count = Enum.GetValues<StepPhase>().Length;
    static readonly long[] s_ticks = new long[s_count];
    static readonly long[] s_calls = new long[s_count];
    static volatile bool s_enabled;

    public static bool Enabled
    {
        get => s_enabled;
        set => s_enabled = value;
    }

    /// <summary>A start timestamp, or 0 when timing is off.</summary>
    public static long Start() => s_enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="phase"/>; returns a new start for the next phase.</summary>
    public static long Stop(StepPhase phase, long start)
    {
        if (start == 0) return 0;
        var now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref s_ticks[(int)phase], now - start);
        Interlocked.Increment(ref s_calls[(int)phase]);
        return now;
    }

    public static void Reset()
    {
        Array.Clear(s_ticks);
        Array.Clear(s_calls);
    }

    /// <summary>Accumulated milliseconds of <paramref name="phase"/> since the last <see cref="Reset"/>.</summary>
    public static double Milliseconds(StepPhase phase) => s_ticks[(int)phase] * 1000.0 / Stopwatch.Frequency;

    /// <summary>How many intervals were added to <paramref name="phase"/>.</summary>
    public static long Calls(StepPhase phase) => s_calls[(int)phase];
}
