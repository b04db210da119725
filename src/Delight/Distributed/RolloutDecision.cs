using System.Globalization;

namespace Delight.Distributed;

/// <summary>What the learner did with a rollout: applied it (<see cref="RejectReason.None"/>) or refused it for a reason.</summary>
public readonly record struct RolloutDecision(RolloutOrigin Origin, RejectReason Reason)
{
    public bool Applied => Reason == RejectReason.None;
}

/// <summary>
/// The decisions a checkpoint holds but the broker may not have heard of yet (acks in flight when the learner died).
/// A resumed learner settles a redelivered copy of one of these as decided instead of applying it a second time.
/// Saved in the training state as "actor:sequence:reason;…".
/// </summary>
public static class DecisionWindow
{
    public static string Save(IEnumerable<RolloutDecision> decisions) => string.Join(';', decisions.Select(d =>
        string.Create(CultureInfo.InvariantCulture, $"{d.Origin.ActorId:x16}:{d.Origin.Sequence}:{(int)d.Reason}")));

    /// <exception cref="FormatException">the text is not what <see cref="Save"/> writes</exception>
    public static Dictionary<RolloutOrigin, RejectReason> Restore(string text)
    {
        var window = new Dictionary<RolloutOrigin, RejectReason>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = part.Split(':');
            if (f.Length != 3
                || !ulong.TryParse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var actor)
                || !ulong.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequence)
                || !int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var reason)
                || reason < 0 || reason >= RejectReasons.Count)
                throw new FormatException($"'{part}' is not an actor:sequence:reason decision.");
            window[new RolloutOrigin(actor, sequence)] = (RejectReason)reason;
        }
        return window;
    }
}
