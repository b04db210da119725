using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>Broker URIs as they may be shown: never with their password, even when they do not parse.</summary>
public static class BrokerUri
{
    /// <summary>
    /// <paramref name="text"/> with the password of its user info replaced by <c>***</c>: whatever sits between the
    /// first ':' after the scheme's "//" (or the start) and the last '@'. Works on text that is not a valid URI, which
    /// is exactly when a URI gets echoed in an error.
    /// </summary>
    public static string MaskPassword(string text)
    {
        var at = text.LastIndexOf('@');
        if (at < 0) return text;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var userStart = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        var colon = text.IndexOf(':', userStart, at - userStart);
        return colon < 0 ? text : string.Concat(text.AsSpan(0, colon + 1), "***", text.AsSpan(at));
    }

    /// <summary>The URI as messages show it: normalised, with its password (if any) as <c>***</c>; masked text when it does not parse.</summary>
    public static string Display(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return MaskPassword(text);
        try { return new UriBuilder(uri) { Password = uri.UserInfo.Contains(':') ? "***" : "" }.Uri.ToString(); }
        catch (Exception e) when (e is ArgumentException or UriFormatException) { return MaskPassword(text); }
    }
}
