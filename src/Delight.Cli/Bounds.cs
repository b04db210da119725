using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Delight.Cli;

/// <summary>
/// The allowed range of a numeric flag that is not a run option (those declare theirs on <c>[Option]</c>), declared
/// where the flag is created: <c>new Option&lt;int&gt;("--seeds").Within(1, 1000)</c>. A value outside it is a parse
/// error naming the flag, the value and the range; the fuzz test finds every numeric flag of every command and
/// requires a range, so a new flag cannot forget one.
/// </summary>
static class Bounds
{
    static readonly ConditionalWeakTable<Option, Range> s_ranges = [];

    public sealed record Range(double Min, double Max);

    public static Option<T> Within<T>(this Option<T> option, double min, double max)
    {
        s_ranges.Add(option, new Range(min, max));
        option.Validators.Add(result =>
        {
            if (result.Implicit) return;
            T? parsed;
            try { parsed = result.GetValueOrDefault<T>(); }
            catch (InvalidOperationException) { return; } // not a number at all: the parser reports that itself
            if (parsed is not { } value) return;
            var x = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (!(x >= min && x <= max))
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} {value} is out of range; give a value from {min:R} to {max:R}."));
        });
        return option;
    }

    /// <summary>The declared range of <paramref name="option"/>, or null when it has none.</summary>
    public static Range? Of(Option option) => s_ranges.TryGetValue(option, out var range) ? range : null;
}
