using System.Globalization;
using System.Reflection;

namespace Delight.Runtime;

/// <summary>
/// Every <see cref="OptionAttribute"/> of <see cref="TrainOptions"/> and of its parts (records nested to any depth, such
/// as <c>Frictions.Bug</c>), with typed parsing, formatting and copy-with-one-value-changed. Enums are spelled in
/// kebab case (<c>IsPg</c> is <c>is-pg</c>). Built once by reflection; used at start-up only.
/// </summary>
public static class OptionTable
{
    public static IReadOnlyList<OptionEntry> Entries { get; } = Build();

    static readonly Dictionary<string, OptionEntry> ByName = Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

    public static OptionEntry? Find(string name) => ByName.GetValueOrDefault(name.StartsWith("--", StringComparison.Ordinal) ? name[2..] : name);

    /// <summary>The entry named <paramref name="name"/>, or an error naming the closest valid option.</summary>
    public static OptionEntry Get(string name, string where)
    {
        if (Find(name) is { } entry) return entry;
        var closest = Closest(name);
        throw new OptionException(name, $"unknown option '{name}' in {where}" + (closest is null ? "; see 'delight train --help' for the list." : $"; did you mean '{closest}'?"));
    }

    /// <summary>The valid option name with the smallest edit distance (null when nothing is close).</summary>
    public static string? Closest(string name)
    {
        var key = name.TrimStart('-').Replace('_', '-').ToLowerInvariant();
        var best = Entries.MinBy(e => EditDistance(key, e.Name));
        return best is not null && EditDistance(key, best.Name) <= Math.Max(2, key.Length / 2) ? best.Name : null;
    }

    /// <summary>The options as (name, value) in declaration order; values as the config file would spell them.</summary>
    public static IEnumerable<(string Name, object? Value)> Values(TrainOptions options) => Entries.Select(e => (e.Name, e.Get(options)));

    static OptionEntry[] Build()
    {
        var entries = new List<OptionEntry>();
        Collect(typeof(TrainOptions), [], entries);
        var twice = entries.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new InvalidOperationException($"option '{twice.Key}' is declared twice; every option has one home.");
        return [.. entries];
    }

    /// <summary>The options of <paramref name="type"/>, descending into its settable parts (records with options of their own).</summary>
    static void Collect(Type type, PropertyInfo[] path, List<OptionEntry> entries)
    {
        foreach (var p in type.GetProperties())
        {
            if (p.GetCustomAttribute<OptionAttribute>() is { } a) entries.Add(new OptionEntry(a, [.. path, p]));
            else if (p.CanWrite && IsPart(p.PropertyType)) Collect(p.PropertyType, [.. path, p], entries);
        }
    }

    /// <summary>A part is a record of Delight's (it has the compiler's clone method) other than the options themselves.</summary>
    static bool IsPart(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("Delight", StringComparison.Ordinal) == true && type.GetMethod("<Clone>$") is not null;

    static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>One run option: its name, help, type, and how to read it from or write it into a <see cref="TrainOptions"/>.</summary>
public sealed class OptionEntry
{
    readonly PropertyInfo[] _path; // from TrainOptions down to the option's own property
    readonly PropertyInfo _property;

    internal OptionEntry(OptionAttribute attribute, PropertyInfo[] path)
    {
        Name = attribute.Name;
        Help = attribute.Help;
        _path = path;
        _property = path[^1];
        Min = attribute.Min;
        Max = attribute.Max;
        Methods = attribute.Methods?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (IsNumeric && ValueType != typeof(ulong) && (double.IsNaN(Min) || double.IsNaN(Max)))
            throw new InvalidOperationException($"option '{Name}' is numeric but declares no Min and Max on its [Option]; every numeric option needs bounds.");
    }

    public string Name { get; }
    public string Help { get; }
    /// <summary>The methods that read this option (<see cref="OptionAttribute.Methods"/>); null when every method does.</summary>
    public IReadOnlyList<string>? Methods { get; }
    /// <summary>Smallest accepted value of a numeric option (NaN: unbounded, seeds only).</summary>
    public double Min { get; }
    /// <summary>Largest accepted value of a numeric option (NaN: unbounded, seeds only).</summary>
    public double Max { get; }
    public bool IsNumeric => ValueType == typeof(int) || ValueType == typeof(long) || ValueType == typeof(ulong) || ValueType == typeof(float);
    public bool IsBounded => !double.IsNaN(Min) && !double.IsNaN(Max);
    public bool IsEnum => ValueType.IsEnum;
    /// <summary>An enum's values as flags spell them, in declaration order (empty for other types).</summary>
    public IReadOnlyList<string> Choices => IsEnum ? [.. Enum.GetNames(ValueType).Select(KebabCase.Of)] : [];
    /// <summary>int, long, ulong, float, bool, string or an enum, possibly nullable.</summary>
    public Type Type => _property.PropertyType;
    public Type ValueType => Nullable.GetUnderlyingType(Type) ?? Type;
    public bool IsNullable => Nullable.GetUnderlyingType(Type) is not null || (Type == typeof(string) && IsNullableReference());

    public object? Get(TrainOptions options)
    {
        object value = options;
        foreach (var p in _path.AsSpan(0, _path.Length - 1)) value = p.GetValue(value)!;
        return _property.GetValue(value);
    }

    /// <summary>A copy of <paramref name="options"/> with this option set to <paramref name="value"/> (already typed).</summary>
    public TrainOptions With(TrainOptions options, object? value) => (TrainOptions)With(options, 0, value);

    object With(object record, int depth, object? value) =>
        Copy(record, _path[depth], depth == _path.Length - 1 ? value : With(_path[depth].GetValue(record)!, depth + 1, value));

    /// <summary>Parses a value as the CLI, a config file or a sweep axis spells it; errors name the option and the type.</summary>
    public object? Parse(string text, string where)
    {
        var t = text.Trim();
        if (IsNullable && (t.Length == 0 || t is "null" or "none" or "~")) return null;
        var inv = CultureInfo.InvariantCulture;
        object? value = ValueType switch
        {
            var x when x == typeof(string) => t,
            var x when x == typeof(bool) => t.ToLowerInvariant() switch { "true" or "yes" or "on" or "1" => true, "false" or "no" or "off" or "0" => false, _ => null },
            var x when x == typeof(int) => int.TryParse(t, NumberStyles.Integer, inv, out var i) ? i : null,
            var x when x == typeof(long) => long.TryParse(t, NumberStyles.Integer, inv, out var l) ? l : null,
            var x when x == typeof(ulong) => ulong.TryParse(t, NumberStyles.Integer, inv, out var u) ? u : null,
            var x when x == typeof(float) => float.TryParse(t, NumberStyles.Float, inv, out var f) ? f : null,
            var x when x.IsEnum => KebabCase.Parse(x, t) ?? throw new OptionException("--" + Name, $"--{Name} '{t}' is unknown (in {where}); choose one of: {string.Join(", ", Choices)}."),
            _ => throw new InvalidOperationException($"option '{Name}' has unsupported type {ValueType}."),
        };
        if (value is null && IsNumeric && IsBounded && double.TryParse(t, NumberStyles.Float, inv, out var d) && double.IsFinite(d) && (d < Min || d > Max))
            throw OutOfRange(t, where); // e.g. 3e9 for an int: say the range, not only the type
        if (value is float parsed && !float.IsFinite(parsed))
            throw new OptionException("--" + Name, $"'{Name}' in {where} must be a finite number{RangeText}, got '{text}'.");
        CheckRange(value, where);
        return value ?? throw new OptionException("--" + Name, $"'{Name}' in {where} must be {TypeName}{RangeText}, got '{text}'.");
    }

    /// <summary>Refuses a value outside the declared range (values set in code are checked by <see cref="TrainOptions.Validate"/>).</summary>
    public void CheckRange(object? value, string where)
    {
        if (value is Enum e && !Enum.IsDefined(ValueType, e))
            throw new OptionException("--" + Name, $"--{Name} {e:D} (in {where}) is not one of: {string.Join(", ", Choices)}.");
        if (!IsBounded || value is null) return;
        var x = value switch { int i => i, long l => l, ulong u => u, float f => (double)f, _ => double.NaN };
        if (double.IsNaN(x) && value is float) throw new OptionException("--" + Name, $"'{Name}' in {where} must be a finite number{RangeText}, got NaN.");
        if (x < Min || x > Max || (value is float && !double.IsFinite(x))) throw OutOfRange(Format(value), where);
    }

    OptionException OutOfRange(string text, string where) =>
        new("--" + Name, $"--{Name} {text} (in {where}) is out of range; give a value from {Format(Min)} to {Format(Max)}.");

    string RangeText => IsBounded ? $" from {Format(Min)} to {Format(Max)}" : "";

    /// <summary>The value as text a config file or a CLI flag would accept back.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Enum e => KebabCase.Of(e.ToString()),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public string TypeName => IsEnum ? "one of " + string.Join(", ", Choices) + (IsNullable ? " (or null)" : "") : (ValueType == typeof(string) ? "a string" : ValueType == typeof(bool) ? "true or false"
        : ValueType == typeof(float) ? "a number" : ValueType == typeof(ulong) ? "a non-negative integer" : "an integer") + (IsNullable ? " (or null)" : "");

    bool IsNullableReference() => new NullabilityInfoContext().Create(_property).WriteState == NullabilityState.Nullable;

    static object Copy(object record, PropertyInfo property, object? value)
    {
        // Records clone through their compiler-generated <Clone>$; the init-only setter is then set by reflection.
        var clone = record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;
        property.SetValue(clone, value);
        return clone;
    }
}
