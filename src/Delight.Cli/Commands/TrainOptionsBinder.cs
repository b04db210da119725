using System.CommandLine;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// The run options as CLI flags, generated from <see cref="OptionTable"/> so a flag, a config key and a sweep axis are
/// one name. Precedence: built-in defaults, then the --config file, then the flags actually given.
/// </summary>
sealed class TrainOptionsBinder
{
    readonly List<(OptionEntry Entry, Option Option)> _options = [];

    public TrainOptionsBinder(IEnumerable<string>? only = null)
    {
        var defaults = new TrainOptions();
        var names = only?.ToHashSet();
        foreach (var entry in OptionTable.Entries)
        {
            if (names is not null && !names.Contains(entry.Name)) continue;
            var value = entry.Get(defaults);
            var help = entry.Help + (value is null or false ? "" : $" [default: {OptionEntry.Format(value)}]");
            Option option = entry.ValueType == typeof(bool)
                ? new Option<bool>("--" + entry.Name) { Description = help }
                : new Option<string>("--" + entry.Name) { Description = help, HelpName = entry.IsEnum ? string.Join("|", entry.Choices) : entry.ValueType.Name.ToLowerInvariant() switch { "single" => "number", "int32" or "int64" or "uint64" => "integer", var t => t } };
            _options.Add((entry, option));
        }
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    /// <summary>The options the user gave on the command line, applied over <paramref name="start"/>.</summary>
    public TrainOptions Bind(ParseResult parse, TrainOptions start)
    {
        var options = start;
        foreach (var (entry, option) in _options)
        {
            if (parse.GetResult(option) is not { } result || result.Implicit) continue;
            object? value = option is Option<bool> flag
                ? parse.GetValue(flag)
                : entry.Parse(parse.GetValue((Option<string>)option) ?? "", "the command line");
            options = entry.With(options, value);
        }
        return options;
    }
}
