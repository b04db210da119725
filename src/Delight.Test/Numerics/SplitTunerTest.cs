using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>The tuner's decisions from recorded (synthetic) timings: no clock is read, so nothing here is timed.</summary>
public class SplitTunerTest
{
    /// <summary>Runs <paramref name="calls"/> decisions where a split costs <paramref name="splitTicks"/> and serial 100.</summary>
    static int Splits(SplitTuner tuner, int slot, int calls, long splitTicks)
    {
        var splits = 0;
        for (var i = 0; i < calls; i++)
        {
            var split = tuner.ShouldSplit(slot);
            if (split) splits++;
            tuner.Record(slot, split, split ? splitTicks : 100, 1000);
        }
        return splits;
    }

    [Fact]
    public void SplitTunerTest_SplitTwiceAsFast_IsChosenExceptForProbes()
    {
        var tuner = new SplitTuner();
        var slot = tuner.Slot(1000);
        Splits(tuner, slot, 10, 50); // learning: both ways measured
        var splits = Splits(tuner, slot, 1000, 50);
        Assert.InRange(splits, 1000 - 1000 / SplitTuner.ProbeEvery, 999);
    }

    [Fact]
    public void SplitTunerTest_SplitMuchSlower_ProbesBackOff()
    {
        var tuner = new SplitTuner();
        var slot = tuner.Slot(1000);
        Splits(tuner, slot, 10, 3000);
        // Intervals 16, 32, 64, … : far fewer than one probe in 16 over 4000 calls (a split probe is two calls).
        var splits = Splits(tuner, slot, 4000, 3000);
        Assert.InRange(splits, 2, 20);
    }

    [Fact]
    public void SplitTunerTest_LoadChanges_ChoiceFollows()
    {
        var tuner = new SplitTuner();
        var slot = tuner.Slot(1000);
        Splits(tuner, slot, 200, 3000);      // splitting loses (a busy machine)
        Splits(tuner, slot, 3000, 20);       // the machine frees up: a probe sees the split win
        Assert.InRange(Splits(tuner, slot, 100, 20), 90, 100);
    }

    [Fact]
    public void SplitTunerTest_SplitAfterSerialPaysAWakeUp_ProbeMeasuresTheWarmCall()
    {
        // Serial costs 100. A split right after a serial call finds the worker asleep and costs 3000 (the wake-up); a
        // split right after a split costs 20. Measuring the waking call would confirm serial forever.
        var tuner = new SplitTuner();
        var slot = tuner.Slot(1000);
        var previousSplit = false;
        var splits = 0;
        for (var i = 0; i < 400; i++)
        {
            var split = tuner.ShouldSplit(slot);
            var ticks = !split ? 100 : previousSplit ? 20 : 3000;
            tuner.Record(slot, split, ticks, 1000);
            previousSplit = split;
            if (i >= 300 && split) splits++;
        }
        Assert.InRange(splits, 90, 100);
    }

    [Fact]
    public void SplitTunerTest_Slots_SeparateSizesAndVariants()
    {
        var tuner = new SplitTuner(variants: 2);
        Assert.NotEqual(tuner.Slot(1 << 20, 0), tuner.Slot(1 << 21, 0));
        Assert.NotEqual(tuner.Slot(1 << 20, 0), tuner.Slot(1 << 20, 1));
        Assert.Equal(tuner.Slot(1 << 20, 1), tuner.Slot((1 << 21) - 1, 1));
    }
}
