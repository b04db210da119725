namespace Delight.Runtime;

/// <summary>
/// Marks a property as a run option: its name is at once the CLI flag (<c>--name</c>), the key in a config file and
/// in the run folder's resolved config, and a sweep axis. One declaration, so the four never drift apart.
/// </summary>
/// <remarks>
/// A numeric option declares its allowed range here (<see cref="Min"/>, <see cref="Max"/>), beside the option itself:
/// every way of setting it (flag, config file, sweep axis, a learner's config message) is checked against it when the
/// value is read, and the fuzz test reads the ranges from the option table, so a new option is covered automatically.
/// The bounds keep silly values from hanging, overflowing or exhausting memory; finer rules (a probability's sum,
/// products such as prompts × samples) are checked by the part that holds the option, when <see cref="TrainOptions.Validate"/>
/// runs.
/// </remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string name, string help) : Attribute
{
    public string Name { get; } = name;
    public string Help { get; } = help;
    /// <summary>Smallest value accepted (numeric options only).</summary>
    public double Min { get; set; } = double.NaN;
    /// <summary>Largest value accepted (numeric options only).</summary>
    public double Max { get; set; } = double.NaN;
    /// <summary>
    /// The methods (<c>--method</c> names, comma-separated) that read this option; null when every method does. Any
    /// other method refuses the option when it is given a value other than its default, rather than ignore it.
    /// </summary>
    public string? Methods { get; set; }
}
