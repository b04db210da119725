namespace Delight.Distributed;

/// <summary>
/// A broker problem the caller cannot retry away: a malformed URI, refused credentials, or a broker unreachable for
/// longer than <see cref="BrokerOptions.UnreachableTimeout"/>. The message is one line naming the broker URI
/// (password removed), fit to print as the CLI's error.
/// </summary>
public sealed class BrokerException(string message, Exception? inner = null) : Exception(message, inner);
