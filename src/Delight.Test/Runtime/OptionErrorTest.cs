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
}
