using Delight.Losses;
using Delight.Runtime;

namespace Delight.Test.RuntimeTests;

/// <summary>
/// Every option's error names a flag that exists: each option of the table, set to values a user might wrongly give,
/// under every method, either builds a run or fails with an <see cref="OptionException"/> whose flag is in the option
/// table and whose message names it. Any other exception is a user error shown as a bug, or a phantom flag.
/// </summary>
public class OptionErrorTest
{
    static readonly TrainOptions s_base = new() { Steps = 1, Task = new() { PromptLength = 4 }, Batch = new() { Prompts = 2, Samples = 2 }, Evaluation = new() { Rows = 10 } };

    static IEnumerable<object?> BadValues(OptionEntry entry)
    {
        var type = entry.ValueType;
        if (type == typeof(int) || type == typeof(long)) return [Convert.ChangeType(-1, type), Convert.ChangeType(0, type)];
        if (type == typeof(float)) return [-1f, 0f, 2f, float.NaN, float.PositiveInfinity];
        if (type == typeof(string)) return ["no-such-value", ""];
        if (type == typeof(bool)) return [true];
        if (type.IsEnum) return [Enum.ToObject(type, 99)]; // set in code: parsing never yields it
        return []; // ulong seeds: every value is valid
    }

    [Fact]
    public void OptionErrorTest_EveryOptionError_NamesAFlagThatExists()
    {
        var failures = new List<string>();
        var refused = 0;
        foreach (var method in Enum.GetValues<Method>())
            foreach (var entry in OptionTable.Entries)
                foreach (var value in BadValues(entry))
                {
                    var options = entry.With(s_base with { Loss = new() { Method = method } }, value);
                    var what = $"--method {KebabCase.Of(method)} --{entry.Name} {OptionEntry.Format(value)}";
                    try
                    {
                        var session = new TrainingSession(options);
                        session.Components.CreateActor(session.Components.CreatePolicy(), "actor");
                    }
                    catch (OptionException e)
                    {
                        refused++;
                        if (OptionTable.Find(e.Option) is null) failures.Add($"{what}: names '{e.Option}', which is not an option: {e.Message}");
                        else if (!e.Message.Contains(e.Option, StringComparison.Ordinal) && !e.Message.Contains($"'{e.Option.TrimStart('-')}'", StringComparison.Ordinal))
                            failures.Add($"{what}: the message does not name {e.Option}: {e.Message}");
                    }
                    catch (Exception e)
                    {
                        failures.Add($"{what}: {e.GetType().Name} instead of an option error: {e.Message}");
                    }
                }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(refused > 100, $"only {refused} refusals: the bad values are not reaching the checks");
    }

    /// <summary>A valid value other than the option's default (null for an option with no such value here).</summary>
    static object? OtherValue(OptionEntry entry, object? current)
    {
        var type = entry.ValueType;
        object? value = type == typeof(bool) ? true
            : type == typeof(float) ? (float)(entry.Min + (entry.Max - entry.Min) / 3)
            : type == typeof(int) ? (int)entry.Min + 1
            : type.IsEnum ? Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1)
            : null;
        return Equals(value, current) ? null : value;
    }

    [Fact]
    public void OptionErrorTest_AnOptionTheMethodDoesNotRead_IsRefusedNamingItsFlag()
    {
        var declared = 0;
        foreach (var entry in OptionTable.Entries.Where(e => e.Methods is not null))
            foreach (var method in Enum.GetValues<Method>().Where(m => !entry.Methods!.Contains(KebabCase.Of(m))))
            {
                var start = s_base with { Loss = new() { Method = method } };
                var value = OtherValue(entry, entry.Get(start));
                Assert.NotNull(value);
                var e = Assert.Throws<OptionException>(() => entry.With(start, value).Validate());
                Assert.Equal("--" + entry.Name, e.Option);
                Assert.Contains($"not an option of {KebabCase.Of(method)}", e.Message);
                declared++;
            }
        Assert.True(declared > 50, $"only {declared} method/option pairs");
        // The methods that do read an option accept it.
        foreach (var (name, method) in new[] { ("epsilon", Method.Ppo), ("eta", Method.Dg), ("beta", Method.Pmpo), ("delta", Method.Vaco), ("truncation", Method.IsPg) })
            OptionTable.Find(name)!.With(s_base with { Loss = new() { Method = method } }, 0.3f).Validate();
    }

    [Fact]
    public void OptionErrorTest_AKondoOptionWithoutAGate_IsRefusedNamingItsFlag()
    {
        foreach (var entry in OptionTable.Entries.Where(e => e.Name.StartsWith("kondo-", StringComparison.Ordinal) && e.Name is not ("kondo-rate" or "kondo-price")))
        {
            var value = OtherValue(entry, entry.Get(s_base));
            if (value is null) continue;
            var e = Assert.Throws<OptionException>(() => entry.With(s_base, value).Validate());
            Assert.Equal("--" + entry.Name, e.Option);
            Assert.Contains("Kondo gate", e.Message);
        }
    }
}
