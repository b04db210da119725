namespace Delight.Runtime;

/// <summary>
/// Marks a property as a run option: its name is at once the CLI flag (<c>--name</c>), the key in a config file and
/// in the run folder's resolved config, and a sweep axis. One declaration, so the four never drift apart.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string name, string help) : Attribute
{
    public string Name { get; } = name;
    public string Help { get; } = help;
}
