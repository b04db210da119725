using System.Diagnostics;
using System.Numerics;

namespace Delight.Numerics;

/// <summary>
/// Decides, per size of a pass, whether splitting it over a <see cref="WorkerPool"/> pays, by timing both ways as the
/// program runs: the "parallelism that never loses" rule. Whether a split helps depends on the shape (a tiny GEMM
/// cannot repay waking a worker), on the machine, and on how busy the machine is right now (on a shared, oversubscribed
/// machine a worker may not get a core for milliseconds, and a fork-join waits for it). No fixed threshold is right
/// for all three, so the tuner measures.
/// <para>
/// Passes are grouped by size bucket (⌊log2 flops⌋, plus a small caller-chosen variant). Each bucket keeps a moving
/// average of the time per flop of serial and of split calls; a call runs the way that is currently faster, except
/// that the first calls of a bucket try both and, now and then, a call tries the other way, so the choice follows a
/// change of load. Probes start every <see cref="ProbeEvery"/> calls and back off while they keep confirming the choice.
/// </para>
/// <para>
/// The choice never changes a result: callers only use the tuner where every split gives the same bits. State is a
/// few fixed arrays (no allocation per call); concurrent use from several threads only races on the averages, which
/// at worst makes one choice on slightly stale figures.
/// </para>
/// </summary>
public sealed class SplitTuner
{
    const int Buckets = 64;
    const int Warmup = 3;
    const double Smoothing = 0.2;

    /// <summary>
    /// At first, one call in this many runs the way that is not currently preferred. Each probe that confirms the
    /// choice doubles the interval (up to <see cref="MaxProbeInterval"/>), so a way that keeps losing badly (a split on
    /// an oversubscribed machine can be 30× slower) is retried rarely; a probe that changes the choice resets it.
    /// </summary>
    public const int ProbeEvery = 16;

    const int MaxProbeInterval = 1024;

    readonly int _variants;
    readonly double[] _serial;
    readonly double[] _split;
    readonly int[] _serialCount;
    readonly int[] _splitCount;
    readonly int[] _interval;
    readonly int[] _sinceProbe;
    readonly bool[] _probing;
    readonly bool[] _lastSplit;
    readonly bool[] _wakePending;

    /// <param name="variants">distinct kinds of call sharing this tuner (e.g. GEMM transpose flags), each with its own buckets</param>
    public SplitTuner(int variants = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(variants, 1);
        _variants = variants;
        var n = Buckets * variants;
        _serial = new double[n];
        _split = new double[n];
        _serialCount = new int[n];
        _splitCount = new int[n];
        _interval = new int[n];
        _sinceProbe = new int[n];
        _probing = new bool[n];
        _lastSplit = new bool[n];
        _wakePending = new bool[n];
        Array.Fill(_interval, ProbeEvery);
    }

    /// <summary>The slot for a call of <paramref name="flops"/> of kind <paramref name="variant"/>.</summary>
    public int Slot(long flops, int variant = 0) =>
        Math.Min(Buckets - 1, BitOperations.Log2((ulong)Math.Max(1, flops))) * _variants + variant;

    /// <summary>
    /// True when the call in <paramref name="slot"/> should be split. A split right after a serial call of the same
    /// size is always followed by a second split, and only that second one is measured (see <see cref="Record"/>).
    /// </summary>
    public bool ShouldSplit(int slot)
    {
        if (_wakePending[slot]) return true;
        // Learning: whichever way has fewer samples (serial first), until both have a few.
        if (_serialCount[slot] < Warmup || _splitCount[slot] < Warmup) return _splitCount[slot] < _serialCount[slot];
        var splitFaster = _split[slot] < _serial[slot];
        if (++_sinceProbe[slot] < _interval[slot]) return splitFaster;
        _sinceProbe[slot] = 0;
        _probing[slot] = true;
        return !splitFaster;
    }

    /// <summary>
    /// Records how long a call took (<paramref name="ticks"/> of <see cref="Stopwatch"/>) and how it ran. A split
    /// call right after a serial one of the same size is not measured: while a size runs serially the workers go to
    /// sleep, and that first split pays for waking them (tens of microseconds on a virtual machine, more than a
    /// mid-sized GEMM saves), so counting it would make every probe of the split confirm serial, forever. The next
    /// call is split again (<see cref="ShouldSplit"/>) and measured instead.
    /// </summary>
    public void Record(int slot, bool split, long ticks, long flops)
    {
        if (split && !_lastSplit[slot])
        {
            _lastSplit[slot] = true;
            _wakePending[slot] = true;
            return;
        }
        _wakePending[slot] = false;
        _lastSplit[slot] = split;
        var before = _split[slot] < _serial[slot];
        var perFlop = (double)ticks / Math.Max(1, flops);
        if (split) Update(_split, _splitCount, slot, perFlop);
        else Update(_serial, _serialCount, slot, perFlop);
        if (!_probing[slot]) return;
        // A probe that beats the current choice replaces its way's average outright: the stale average of a way that
        // lost under load would otherwise take many (backed-off) probes to forget. A fluke is undone by the next probe.
        if (split && perFlop < _serial[slot]) _split[slot] = perFlop;
        if (!split && perFlop < _split[slot]) _serial[slot] = perFlop;
        _probing[slot] = false;
        var confirmed = (_split[slot] < _serial[slot]) == before;
        _interval[slot] = confirmed ? Math.Min(MaxProbeInterval, 2 * _interval[slot]) : ProbeEvery;
    }

    static void Update(double[] average, int[] count, int slot, double value)
    {
        // The first sample is usually a cold one (caches, a sleeping worker): the average starts at the second.
        var n = ++count[slot];
        average[slot] = n <= 2 ? value : average[slot] + Smoothing * (value - average[slot]);
    }

    /// <summary>The moving averages of a slot, ticks per flop (for tests and diagnostics).</summary>
    public (double Serial, double Split) Averages(int slot) => (_serial[slot], _split[slot]);

    /// <summary>Stopwatch ticks now.</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
