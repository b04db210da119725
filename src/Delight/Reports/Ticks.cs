using System.Globalization;

namespace Delight.Reports;

/// <summary>
/// Axis ticks at "nice" numbers (1, 2 or 5 × 10^k apart; Heckbert, Graphics Gems 1990) and their labels. The axis
/// runs from the first tick to the last, so every tick sits on the axis ends or inside.
/// </summary>
public static class Ticks
{
    /// <summary>About <paramref name="target"/> evenly spaced nice ticks covering [min, max].</summary>
    public static double[] Linear(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (min > max) (min, max) = (max, min);
        if (min == max)
        {
            // One value: give it some room (±10%, or ±1 around zero) instead of dividing by a zero range.
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        var step = Nice((max - min) / Math.Max(1, target - 1), round: true);
        var first = Math.Floor(min / step);
        var last = Math.Ceiling(max / step);
        var ticks = new double[(int)(last - first) + 1];
        // Multiply rather than accumulate, then drop the float noise (0.30000000000000004) step size can leave.
        for (var i = 0; i < ticks.Length; i++) ticks[i] = Clean((first + i) * step, step);
        return ticks;
    }

    /// <summary>
    /// Ticks for a log axis over [min, max] (both &gt; 0): the powers of ten around the data, thinned to at most
    /// about seven, with 2 and 5 in between when the data spans barely more than one decade.
    /// </summary>
    public static double[] Log(double min, double max)
    {
        if (!(min > 0) || !(max > 0)) throw new ArgumentOutOfRangeException(nameof(min), "a log axis needs positive values.");
        if (min > max) (min, max) = (max, min);
        var low = (int)Math.Floor(Math.Log10(min) + 1e-9);
        var high = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (high == low) high++;
        var decades = high - low;
        if (decades <= 2)
        {
            var ticks = new List<double>();
            for (var k = low; k < high; k++)
                foreach (var m in (ReadOnlySpan<double>)[1, 2, 5]) ticks.Add(m * Math.Pow(10, k));
            ticks.Add(Math.Pow(10, high));
            return [.. ticks];
        }
        var every = (decades + 5) / 6;
        var start = low - ((low % every) + every) % every; // multiples of the stride stay put as the range moves
        var end = high + ((every - ((high % every) + every) % every) % every);
        return [.. Enumerable.Range(0, (end - start) / every + 1).Select(i => Math.Pow(10, start + i * every))];
    }

    /// <summary>
    /// Labels for a set of ticks: on a linear axis one SI suffix for the whole axis (k, M, G, T) so labels stay short and comparable,
    /// the fewest decimals that print every tick exactly, and exponent form for tiny values. Culture-invariant.
    /// </summary>
    public static string[] Labels(IReadOnlyList<double> ticks)
    {
        var largest = ticks.Count == 0 ? 0 : ticks.Max(Math.Abs);
        var (scale, suffix) = largest switch
        {
            >= 1e12 => (1e12, "T"),
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            >= 1e4 => (1e3, "k"),
            _ => (1.0, ""),
        };
        if (scale == 1 && ticks.Any(t => t != 0 && Math.Abs(t) < 1e-3))
            return [.. ticks.Select(t => t == 0 ? "0" : t.ToString("0.##E+0", CultureInfo.InvariantCulture))];
        // Evenly spaced (linear) ticks share one decimal count (0.0, 0.5, 1.0); log ticks drop trailing zeros (0.1, 1, 10)
        // and each takes its own suffix, so a span of decades reads 100, 1k, 10k rather than 0.1k, 1k, 10k.
        var evenlySpaced = ticks.Count < 3 || Enumerable.Range(2, ticks.Count - 2)
            .All(i => Math.Abs(ticks[i] - ticks[i - 1] - (ticks[1] - ticks[0])) <= 1e-9 * Math.Abs(ticks[1] - ticks[0]));
        if (!evenlySpaced && scale != 1)
            return [.. ticks.Select(t => Suffixed(t))];
        var decimals = 0;
        while (decimals < 6 && ticks.Any(t => Math.Abs(Math.Round(t / scale, decimals) - t / scale) > 1e-9 * Math.Max(1, Math.Abs(t / scale))))
            decimals++;
        var format = evenlySpaced ? "F" + decimals.ToString(CultureInfo.InvariantCulture) : "0.######";
        return [.. ticks.Select(t => (t / scale).ToString(format, CultureInfo.InvariantCulture) + (t == 0 ? "" : suffix))];
    }

    /// <summary>One tick in its own SI unit: 500, 1k, 2.5M.</summary>
    static string Suffixed(double tick)
    {
        var (scale, suffix) = Math.Abs(tick) switch
        {
            >= 1e12 => (1e12, "T"),
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            >= 1e3 => (1e3, "k"),
            _ => (1.0, ""),
        };
        return (tick / scale).ToString("0.######", CultureInfo.InvariantCulture) + (tick == 0 ? "" : suffix);
    }

    /// <summary>The nice number (1, 2, 5 or 10 × 10^k) nearest to x (round) or at least x.</summary>
    static double Nice(double x, bool round)
    {
        var exponent = Math.Floor(Math.Log10(x));
        var power = Math.Pow(10, exponent);
        var fraction = x / power;
        double nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    static double Clean(double value, double step)
    {
        var digits = Math.Clamp(-(int)Math.Floor(Math.Log10(step)) + 1, 0, 15);
        var rounded = Math.Round(value, digits);
        return rounded == 0 ? 0 : rounded; // no "-0"
    }
}
