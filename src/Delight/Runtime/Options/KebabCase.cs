namespace Delight.Runtime;

/// <summary>
/// Enum members as flags and config files spell them: <c>IsPg</c> is <c>is-pg</c>, <c>AbsAdvantage</c> is
/// <c>abs-advantage</c>. Parsing also accepts underscores (<c>abs_advantage</c>) and any case.
/// </summary>
public static class KebabCase
{
    /// <summary>The kebab-case spelling of a PascalCase name.</summary>
    public static string Of(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) text.Append('-');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>The kebab-case spelling of an enum value (<c>Method.IsPg</c> → <c>is-pg</c>).</summary>
    public static string Of<T>(T value) where T : struct, Enum => Of(value.ToString());

    /// <summary>The member of <paramref name="type"/> spelled <paramref name="text"/>, or null.</summary>
    public static object? Parse(Type type, string text)
    {
        var key = text.Trim().Replace('_', '-').ToLowerInvariant();
        foreach (var name in Enum.GetNames(type))
            if (Of(name) == key) return Enum.Parse(type, name);
        return null;
    }

    /// <summary>The member of <typeparamref name="T"/> spelled <paramref name="text"/>; an error listing the choices otherwise.</summary>
    public static T Parse<T>(string text) where T : struct, Enum =>
        Parse(typeof(T), text) is T value ? value : throw new ArgumentException($"'{text}' is not one of: {string.Join(", ", Enum.GetNames<T>().Select(Of))}.", nameof(text));
}
