namespace Delight.Distributed;

/// <summary>
/// Why a received message was refused. Each value has a stable wire name (<see cref="RejectReasons.WireName"/>)
/// written to the dead-letter header <c>x-delight-reason</c>, so dashboards and tests can count by reason.
/// </summary>
public enum RejectReason
{
    None = 0,
    /// <summary>Shorter than its header, or than the lengths the header announces.</summary>
    Truncated,
    /// <summary>The first four bytes are not "DLGT": not a Delight message at all.</summary>
    BadMagic,
    /// <summary>A format version this build does not read (see docs/distributed/message-format.md, versioning).</summary>
    UnsupportedVersion,
    /// <summary>A valid message of another kind (e.g. parameters sent to the rollout queue).</summary>
    WrongKind,
    /// <summary>The header's CRC-32C does not match: lengths and fields cannot be trusted.</summary>
    BadHeaderChecksum,
    /// <summary>The payload's CRC-32C does not match.</summary>
    BadPayloadChecksum,
    /// <summary>The payload length disagrees with the counts in the header, or a header field is out of range.</summary>
    BadLength,
    /// <summary>The message names another run (or none): a stray actor from an earlier run.</summary>
    WrongRun,
    /// <summary>Prompt/answer length or grouping differs from the task's, or there are no rows.</summary>
    WrongShape,
    /// <summary>More rows than the learner accepts in one rollout.</summary>
    TooManyRows,
    /// <summary>A prompt or answer token outside its vocabulary.</summary>
    TokenOutOfVocabulary,
    /// <summary>A reward is NaN or infinite.</summary>
    NonFiniteReward,
    /// <summary>A behaviour log-prob is NaN or infinite.</summary>
    NonFiniteLogProb,
    /// <summary>A behaviour log-prob is above 0, i.e. a probability above 1.</summary>
    PositiveLogProb,
    /// <summary>A row friction has bits no <see cref="Frictions.RowFriction"/> defines, or the policy version is negative.</summary>
    BadField,
    /// <summary>A parameter buffer whose count or layout fingerprint differs from the receiving policy's.</summary>
    WrongLayout,
    /// <summary>A parameter is NaN or infinite.</summary>
    NonFiniteParameter,
    /// <summary>Well-formed, but the learner decided not to apply it (the caller gives the detail).</summary>
    RejectedByLearner,
    /// <summary>Sampled with parameters more than --max-lag versions behind the learner's: admission control.</summary>
    TooStale,
    /// <summary>
    /// Sampled with parameters the learner's history does not contain: published by an incarnation that died after its
    /// last checkpoint (a version past that checkpoint, or from an epoch not in the lineage).
    /// </summary>
    UnknownVersion,
    /// <summary>The rollout has no behaviour log-probs, and the learner's method or screen reads them.</summary>
    NeedsBehaviourLogProbs,
    /// <summary>The learner step threw on this rollout (a bug or an input no check foresaw); the run goes on without it.</summary>
    LearnerError,
    /// <summary>The learner process died while applying this rollout, <see cref="PoisonGuard.Limit"/> times: it is not tried again.</summary>
    Poison,
    /// <summary>The learner reached --steps before it could apply this rollout.</summary>
    RunFinished,
}

public static class RejectReasons
{
    /// <summary>The kebab-case name written to <c>x-delight-reason</c>; stable across versions.</summary>
    public static string WireName(this RejectReason reason) => reason switch
    {
        RejectReason.None => "none",
        RejectReason.Truncated => "truncated",
        RejectReason.BadMagic => "bad-magic",
        RejectReason.UnsupportedVersion => "unsupported-version",
        RejectReason.WrongKind => "wrong-kind",
        RejectReason.BadHeaderChecksum => "bad-header-checksum",
        RejectReason.BadPayloadChecksum => "bad-payload-checksum",
        RejectReason.BadLength => "bad-length",
        RejectReason.WrongRun => "wrong-run",
        RejectReason.WrongShape => "wrong-shape",
        RejectReason.TooManyRows => "too-many-rows",
        RejectReason.TokenOutOfVocabulary => "token-out-of-vocabulary",
        RejectReason.NonFiniteReward => "non-finite-reward",
        RejectReason.NonFiniteLogProb => "non-finite-log-prob",
        RejectReason.PositiveLogProb => "positive-log-prob",
        RejectReason.BadField => "bad-field",
        RejectReason.WrongLayout => "wrong-layout",
        RejectReason.NonFiniteParameter => "non-finite-parameter",
        RejectReason.RejectedByLearner => "rejected-by-learner",
        RejectReason.TooStale => "too-stale",
        RejectReason.UnknownVersion => "unknown-version",
        RejectReason.NeedsBehaviourLogProbs => "needs-behaviour-log-probs",
        RejectReason.LearnerError => "learner-error",
        RejectReason.Poison => "poison",
        RejectReason.RunFinished => "run-finished",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown reject reason"),
    };

    /// <summary>Number of enum values, for per-reason counters indexed by <c>(int)reason</c>.</summary>
    public static int Count => (int)RejectReason.RunFinished + 1;
}
