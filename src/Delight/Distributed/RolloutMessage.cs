using Delight.Frictions;

namespace Delight.Distributed;

/// <summary>Who sent a rollout: the actor's id and its per-actor sequence number (duplicates share both).</summary>
public readonly record struct RolloutOrigin(ulong ActorId, ulong Sequence);

/// <summary>
/// Which parameters and which permission a rollout came from: the learner incarnation (<see cref="LearnerLineage"/>)
/// whose parameters it was sampled with, and the credit it answers (0: none, e.g. an actor predating credits).
/// </summary>
public readonly record struct RolloutStamp(ulong Epoch, ulong Credit);

/// <summary>
/// Codec for <see cref="MessageKind.Rollout"/>. Header counts: A = rows, B = prompt length, C = answer length,
/// D = samples per prompt; flags bit 0 = behaviour log-probs present, bit 1 = task scores present. Payload, L = prompt +
/// answer length:
/// <code>
/// tokens      int32[rows·L]   prompt then answer per row
/// logProbs    float32[rows·L] only when flags bit 0 is set
/// rewards     float32[rows]
/// frictions   uint8[rows]     RowFriction bits
/// taskScores  float32[rows]   only when flags bit 1 is set (an actor that predates them sends none)
/// </code>
/// </summary>
public static class RolloutMessage
{
    const byte HasBehaviourLogProbsFlag = 1;
    const byte HasTaskScoresFlag = 2;

    public static int PayloadLength(int rowCount, int length, bool hasLogProbs, bool hasTaskScores = false) =>
        rowCount * length * sizeof(int) + (hasLogProbs ? rowCount * length * sizeof(float) : 0) + rowCount * (sizeof(float) + 1)
        + (hasTaskScores ? rowCount * sizeof(float) : 0);

    /// <summary>Encodes <paramref name="rollout"/>'s first RowCount rows into <paramref name="buffer"/> (reused; no allocation once grown).</summary>
    public static void Encode(Rollout rollout, RunName run, RolloutOrigin origin, MessageBuffer buffer) => Encode(rollout, run, origin, default, buffer);

    /// <summary>Encodes with the epoch of the sampling parameters and the credit answered.</summary>
    public static void Encode(Rollout rollout, RunName run, RolloutOrigin origin, RolloutStamp stamp, MessageBuffer buffer)
    {
        var rows = rollout.RowCount;
        var cells = rows * rollout.Length;
        var hasLogProbs = rollout.HasBehaviourLogProbs;
        var hasTaskScores = rollout.HasTaskScores;
        var header = new MessageHeader
        {
            Kind = MessageKind.Rollout,
            Flags = (byte)((hasLogProbs ? HasBehaviourLogProbsFlag : 0) | (hasTaskScores ? HasTaskScoresFlag : 0)),
            PayloadLength = PayloadLength(rows, rollout.Length, hasLogProbs, hasTaskScores),
            ActorId = origin.ActorId,
            Sequence = origin.Sequence,
            PolicyVersion = rollout.PolicyVersion,
            CountA = rows,
            CountB = rollout.PromptLength,
            CountC = rollout.AnswerLength,
            CountD = rollout.SamplesPerPrompt,
            Epoch = stamp.Epoch,
            Credit = stamp.Credit,
        };
        var runName = run.Utf8.Span;
        var message = buffer.Reset(MessageHeader.MessageLength(runName, header.PayloadLength));
        var payload = message[MessageHeader.PayloadOffset(runName)..];
        LittleEndian.Write(rollout.Tokens.AsSpan(0, cells), payload);
        payload = payload[(cells * sizeof(int))..];
        if (hasLogProbs)
        {
            LittleEndian.Write(rollout.BehaviourLogProbs.AsSpan(0, cells), payload);
            payload = payload[(cells * sizeof(float))..];
        }
        LittleEndian.Write(rollout.Rewards.AsSpan(0, rows), payload);
        payload = payload[(rows * sizeof(float))..];
        for (var r = 0; r < rows; r++) payload[r] = (byte)rollout.RowFrictions[r];
        if (hasTaskScores) LittleEndian.Write(rollout.TaskScores.AsSpan(0, rows), payload[rows..]);
        header.Write(message, runName);
    }

    /// <summary>
    /// Decodes <paramref name="message"/> into <paramref name="destination"/> (capacity ≥ MaxRows, the lengths of the
    /// check's shape) and validates it with <paramref name="check"/>, the rules the learner applies, so a rollout the
    /// learner could not use is refused here, before it reaches the learner. On failure the destination's content is
    /// unspecified and must not be used.
    /// </summary>
    public static DecodeResult Decode(ReadOnlySpan<byte> message, RunName run, RolloutCheck check, Rollout destination, out RolloutOrigin origin) =>
        Decode(message, run, check, destination, out origin, out _);

    /// <summary>As above, and the rollout's <see cref="RolloutStamp"/> (epoch and credit).</summary>
    public static DecodeResult Decode(ReadOnlySpan<byte> message, RunName run, RolloutCheck check, Rollout destination, out RolloutOrigin origin,
        out RolloutStamp stamp)
    {
        var shape = check.Shape;
        if (destination.Capacity < shape.MaxRows || destination.PromptLength != shape.PromptLength || destination.AnswerLength != shape.AnswerLength)
            throw new ArgumentException(
                $"destination rollout ({destination.Capacity} rows, {destination.PromptLength}+{destination.AnswerLength} tokens) cannot hold shape {shape}.",
                nameof(destination));
        origin = default;
        stamp = default;
        var result = MessageHeader.TryRead(message, MessageKind.Rollout, run.Utf8.Span, out var header, out var payload);
        if (!result.IsValid) return result;
        origin = new RolloutOrigin(header.ActorId, header.Sequence);
        stamp = new RolloutStamp(header.Epoch, header.Credit);

        // Framing: what must hold before the payload can be copied into the destination at all.
        int rows = header.CountA, promptLength = header.CountB, answerLength = header.CountC, samplesPerPrompt = header.CountD;
        if (promptLength != shape.PromptLength || answerLength != shape.AnswerLength)
            return DecodeResult.Fail(RejectReason.WrongShape,
                $"prompt+answer length {promptLength}+{answerLength}; the task's is {shape.PromptLength}+{shape.AnswerLength}.");
        if (rows > shape.MaxRows)
            return DecodeResult.Fail(RejectReason.TooManyRows, $"{rows} rows; the learner accepts at most {shape.MaxRows}.");
        if (rows < 0)
            return DecodeResult.Fail(RejectReason.WrongShape, $"{rows} rows: need >= 1 row and whole groups.");
        var hasLogProbs = (header.Flags & HasBehaviourLogProbsFlag) != 0;
        var hasTaskScores = (header.Flags & HasTaskScoresFlag) != 0;
        var expectedLength = PayloadLength(rows, shape.Length, hasLogProbs, hasTaskScores);
        if (header.PayloadLength != expectedLength)
            return DecodeResult.Fail(RejectReason.BadLength, $"payload of {header.PayloadLength} bytes; {rows} rows of this shape take {expectedLength}.");

        var cells = rows * shape.Length;
        LittleEndian.Read(payload, destination.Tokens.AsSpan(0, cells));
        payload = payload[(cells * sizeof(int))..];
        var logProbs = destination.BehaviourLogProbs.AsSpan(0, cells);
        if (hasLogProbs)
        {
            LittleEndian.Read(payload, logProbs);
            payload = payload[(cells * sizeof(float))..];
        }
        else logProbs.Clear();
        LittleEndian.Read(payload, destination.Rewards.AsSpan(0, rows));
        payload = payload[(rows * sizeof(float))..];
        for (var r = 0; r < rows; r++) destination.RowFrictions[r] = (RowFriction)payload[r];
        if (hasTaskScores) LittleEndian.Read(payload[rows..], destination.TaskScores.AsSpan(0, rows));
        destination.HasTaskScores = hasTaskScores;
        destination.RowCount = rows;
        destination.SamplesPerPrompt = samplesPerPrompt;
        destination.PolicyVersion = header.PolicyVersion;
        destination.HasBehaviourLogProbs = hasLogProbs;

        var verdict = check.Check(destination);
        return verdict.IsValid ? DecodeResult.Ok : DecodeResult.Fail(Reason(verdict.Fault), verdict.Message);
    }

    static RejectReason Reason(RolloutFault fault) => fault switch
    {
        RolloutFault.WrongShape => RejectReason.WrongShape,
        RolloutFault.TooManyRows => RejectReason.TooManyRows,
        RolloutFault.TokenOutOfVocabulary => RejectReason.TokenOutOfVocabulary,
        RolloutFault.NonFiniteReward => RejectReason.NonFiniteReward,
        RolloutFault.NonFiniteLogProb => RejectReason.NonFiniteLogProb,
        RolloutFault.PositiveLogProb => RejectReason.PositiveLogProb,
        RolloutFault.BadField => RejectReason.BadField,
        // Well-formed, but the run's method cannot learn from it: refused on arrival, before the learner sees it.
        RolloutFault.MissingLogProbs => RejectReason.NeedsBehaviourLogProbs,
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown rollout fault"),
    };
}
