using Delight.Distributed;
using Delight.Frictions;

namespace Delight.Test.Distributed;

public class RolloutMessageTest
{
    static readonly RunName s_run = new("test-run");
    // Prompt tokens are context ids in [0, 10); answer tokens in [0, 4).
    static readonly RolloutShape s_shape = new(promptLength: 2, answerLength: 3, vocabularySize: 4, promptVocabularySize: 10, maxRows: 8);
    static readonly RolloutCheck s_check = new(s_shape);
    static readonly RolloutOrigin s_origin = new(0xA1B2C3D4E5F60718, 42);

    internal static Rollout SampleRollout(RolloutShape shape, int rows = 4, int seed = 1)
    {
        var rollout = new Rollout(rows, shape.PromptLength, shape.AnswerLength) { RowCount = rows, SamplesPerPrompt = 2, PolicyVersion = 17 };
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < shape.Length; t++)
            {
                var i = r * shape.Length + t;
                var inPrompt = t < shape.PromptLength;
                rollout.Tokens[i] = (r * 7 + t * 3 + seed) % (inPrompt ? shape.PromptVocabularySize : shape.VocabularySize);
                rollout.BehaviourLogProbs[i] = inPrompt ? 0f : -0.25f * (t + r + seed);
            }
            rollout.Rewards[r] = r % 2 == 0 ? 1f : -0.5f * seed;
            rollout.RowFrictions[r] = r == 1 ? RowFriction.Bug | RowFriction.Stale : RowFriction.None;
        }
        return rollout;
    }

    static MessageBuffer Encode(Rollout rollout)
    {
        var buffer = new MessageBuffer();
        RolloutMessage.Encode(rollout, s_run, s_origin, buffer);
        return buffer;
    }

    static DecodeResult Decode(ReadOnlySpan<byte> message, RunName? run = null, RolloutShape? shape = null) =>
        RolloutMessage.Decode(message, run ?? s_run, new RolloutCheck(shape ?? s_shape), (shape ?? s_shape).NewRollout(), out _);

    [Fact]
    public void RolloutMessageTest_RoundTrip_GivesTheSameRolloutAndTheSameBytes()
    {
        var sent = SampleRollout(s_shape);
        var buffer = Encode(sent);
        var received = s_shape.NewRollout();

        var result = RolloutMessage.Decode(buffer.Written.Span, s_run, s_check, received, out var origin);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(s_origin, origin);
        Assert.Equal(sent.RowCount, received.RowCount);
        Assert.Equal(sent.SamplesPerPrompt, received.SamplesPerPrompt);
        Assert.Equal(sent.PolicyVersion, received.PolicyVersion);
        Assert.True(received.HasBehaviourLogProbs);
        var cells = sent.RowCount * s_shape.Length;
        Assert.Equal(sent.Tokens.AsSpan(0, cells), received.Tokens.AsSpan(0, cells));
        Assert.Equal(sent.BehaviourLogProbs.AsSpan(0, cells), received.BehaviourLogProbs.AsSpan(0, cells));
        Assert.Equal(sent.Rewards.AsSpan(0, sent.RowCount), received.Rewards.AsSpan(0, sent.RowCount));
        Assert.Equal(sent.RowFrictions.AsSpan(0, sent.RowCount).ToArray(), received.RowFrictions.AsSpan(0, sent.RowCount).ToArray());
        // Re-encoding the decoded rollout reproduces the message byte for byte.
        var again = new MessageBuffer();
        RolloutMessage.Encode(received, s_run, origin, again);
        Assert.Equal(buffer.Written.ToArray(), again.Written.ToArray());
    }

    [Fact]
    public void RolloutMessageTest_Layout_IsTheDocumentedOne()
    {
        var buffer = Encode(SampleRollout(s_shape));
        var bytes = buffer.Written.Span;
        Assert.Equal("DLGT"u8.ToArray(), bytes[..4].ToArray());
        Assert.Equal(MessageHeader.FormatVersion, BitConverter.ToUInt16(bytes[4..]));
        Assert.Equal((byte)MessageKind.Rollout, bytes[6]);
        Assert.Equal(s_run.Value.Length, BitConverter.ToUInt16(bytes[8..]));
        Assert.Equal(s_origin.Sequence, BitConverter.ToUInt64(bytes[24..]));
        Assert.Equal(4, BitConverter.ToInt32(bytes[40..]));
        Assert.Equal("test-run"u8.ToArray(), bytes.Slice(80, 8).ToArray());
        // 4 rows × 5 tokens × (int + float) + 4 rewards + 4 frictions.
        Assert.Equal(80 + 8 + 4 * 5 * 8 + 4 * 4 + 4, bytes.Length);
    }

    [Fact]
    public void RolloutMessageTest_EpochAndCredit_RoundTripAtTheirOffsets()
    {
        var buffer = new MessageBuffer();
        RolloutMessage.Encode(SampleRollout(s_shape), s_run, s_origin, new RolloutStamp(0x1122334455667788, 0x99AABBCCDDEEFF01), buffer);
        var bytes = buffer.Written.Span;
        Assert.Equal(0x1122334455667788UL, BitConverter.ToUInt64(bytes[56..]));
        Assert.Equal(0x99AABBCCDDEEFF01UL, BitConverter.ToUInt64(bytes[64..]));

        Assert.True(RolloutMessage.Decode(bytes, s_run, s_check, s_shape.NewRollout(), out var origin, out var stamp).IsValid);
        Assert.Equal(s_origin, origin);
        Assert.Equal(new RolloutStamp(0x1122334455667788, 0x99AABBCCDDEEFF01), stamp);
    }

    [Fact]
    public void RolloutMessageTest_WithoutLogProbs_OmitsThemAndDecodesZeros()
    {
        var sent = SampleRollout(s_shape);
        sent.HasBehaviourLogProbs = false;
        var buffer = Encode(sent);
        var received = s_shape.NewRollout();
        received.BehaviourLogProbs.AsSpan().Fill(-9f);

        Assert.True(RolloutMessage.Decode(buffer.Written.Span, s_run, s_check, received, out _).IsValid);
        Assert.False(received.HasBehaviourLogProbs);
        Assert.All(received.BehaviourLogProbs.Take(4 * s_shape.Length), p => Assert.Equal(0f, p));
        Assert.Equal(80 + 8 + 4 * 5 * 4 + 4 * 4 + 4, buffer.Length);
    }

    [Fact]
    public void RolloutMessageTest_TaskScores_RoundTripAfterTheFrictions_WhenFlagged()
    {
        var sent = SampleRollout(s_shape);
        sent.HasTaskScores = true;
        for (var r = 0; r < sent.RowCount; r++) sent.TaskScores[r] = 0.125f * r;
        var buffer = Encode(sent);
        var bytes = buffer.Written.Span;
        Assert.Equal(3, bytes[7]); // flags: log-probs (bit 0) and task scores (bit 1)
        // 4 rows × 5 tokens × (int + float) + 4 rewards + 4 frictions + 4 task scores, the last field.
        Assert.Equal(80 + 8 + 4 * 5 * 8 + 4 * 4 + 4 + 4 * 4, bytes.Length);
        Assert.Equal(0.375f, BitConverter.ToSingle(bytes[^4..]));

        var received = s_shape.NewRollout();
        Assert.True(RolloutMessage.Decode(bytes, s_run, s_check, received, out _).IsValid);
        Assert.True(received.HasTaskScores);
        Assert.Equal(sent.TaskScores.AsSpan(0, 4), received.TaskScores.AsSpan(0, 4));
        Assert.Equal(sent.Rewards.AsSpan(0, 4), received.Rewards.AsSpan(0, 4));
        Assert.Equal((0f + 0.125f + 0.25f + 0.375f) / 4, received.MeanTaskScore());

        // A rollout without them (an actor that predates them) decodes as before, and its batch error uses the rewards.
        var old = s_shape.NewRollout();
        Assert.True(RolloutMessage.Decode(Encode(SampleRollout(s_shape)).Written.Span, s_run, s_check, old, out _).IsValid);
        Assert.False(old.HasTaskScores);
        Assert.Equal(old.MeanReward(), old.MeanTaskScore());
    }

    [Fact]
    public void RolloutMessageTest_NonFiniteTaskScore_IsRefused()
    {
        var rollout = SampleRollout(s_shape);
        rollout.HasTaskScores = true;
        rollout.TaskScores[1] = float.NaN;
        var result = Decode(Encode(rollout).Written.Span);
        Assert.Equal(RejectReason.NonFiniteReward, result.Reason);
        Assert.Contains("task score", result.Message);
    }

    [Fact]
    public void RolloutMessageTest_WithoutLogProbsForAMethodThatNeedsThem_IsRefusedBeforeTheLearner()
    {
        // The learner's own RolloutCheck: what the decoder refuses is exactly what the learner would throw on.
        var sent = SampleRollout(s_shape);
        sent.HasBehaviourLogProbs = false;
        var check = new RolloutCheck(s_shape, RolloutCheck.NeedsOf(new Delight.Losses.Ppo(), speculativeScreen: false));
        var result = RolloutMessage.Decode(Encode(sent).Written.Span, s_run, check, s_shape.NewRollout(), out _);
        Assert.Equal(RejectReason.NeedsBehaviourLogProbs, result.Reason);
        Assert.Contains("method 'ppo' needs behaviour log-probs", result.Message);
        sent.HasBehaviourLogProbs = true;
        Assert.True(RolloutMessage.Decode(Encode(sent).Written.Span, s_run, check, s_shape.NewRollout(), out _).IsValid);
    }

    [Fact]
    public void RolloutMessageTest_EncodingAgain_ReusesTheBufferWithoutAllocating()
    {
        var rollout = SampleRollout(s_shape);
        var buffer = Encode(rollout);
        var received = s_shape.NewRollout();
        RolloutMessage.Decode(buffer.Written.Span, s_run, s_check, received, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RolloutMessage.Encode(rollout, s_run, new RolloutOrigin(1, (ulong)i), buffer);
            Assert.True(RolloutMessage.Decode(buffer.Written.Span, s_run, s_check, received, out _).IsValid);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0, RejectReason.BadMagic)]
    [InlineData(4, RejectReason.UnsupportedVersion)]
    [InlineData(7, RejectReason.BadHeaderChecksum)]   // flags
    [InlineData(12, RejectReason.BadHeaderChecksum)]  // payload length
    [InlineData(24, RejectReason.BadHeaderChecksum)]  // sequence
    [InlineData(40, RejectReason.BadHeaderChecksum)]  // row count
    [InlineData(56, RejectReason.BadHeaderChecksum)]  // epoch
    [InlineData(64, RejectReason.BadHeaderChecksum)]  // credit
    [InlineData(72, RejectReason.BadHeaderChecksum)]  // the payload CRC itself is covered by the header CRC
    [InlineData(77, RejectReason.BadHeaderChecksum)]  // the header CRC
    [InlineData(82, RejectReason.BadHeaderChecksum)]  // run name
    [InlineData(88, RejectReason.BadPayloadChecksum)] // first token
    [InlineData(-1, RejectReason.BadPayloadChecksum)] // last friction byte
    public void RolloutMessageTest_FlippedByte_IsRefusedWithItsReason(int offset, RejectReason expected)
    {
        var buffer = Encode(SampleRollout(s_shape));
        var bytes = buffer.WrittenSpan;
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;

        var result = Decode(bytes);

        Assert.Equal(expected, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(63)]
    [InlineData(70)]  // inside the run name
    [InlineData(100)] // inside the payload
    public void RolloutMessageTest_Truncated_IsRefusedAsTruncated(int length)
    {
        var buffer = Encode(SampleRollout(s_shape));
        Assert.Equal(RejectReason.Truncated, Decode(buffer.Written.Span[..length]).Reason);
    }

    [Fact]
    public void RolloutMessageTest_TrailingBytes_AreRefusedAsBadLength()
    {
        var buffer = Encode(SampleRollout(s_shape));
        var longer = buffer.Written.ToArray().Append((byte)0).ToArray();
        Assert.Equal(RejectReason.BadLength, Decode(longer).Reason);
    }

    [Fact]
    public void RolloutMessageTest_OtherRun_IsRefusedAsWrongRun()
    {
        var buffer = Encode(SampleRollout(s_shape));
        var result = Decode(buffer.Written.Span, run: new RunName("other-run"));
        Assert.Equal(RejectReason.WrongRun, result.Reason);
        Assert.Contains("test-run", result.Message);
    }

    [Fact]
    public void RolloutMessageTest_ParameterMessage_IsRefusedAsWrongKind()
    {
        var buffer = new MessageBuffer();
        ParameterMessage.Encode(s_run, 3, new ParameterLayout(2, 7), [1f, 2f], buffer);
        Assert.Equal(RejectReason.WrongKind, Decode(buffer.Written.Span).Reason);
    }

    [Fact]
    public void RolloutMessageTest_OtherShapes_AreRefused()
    {
        var buffer = Encode(SampleRollout(s_shape));
        Assert.Equal(RejectReason.WrongShape, Decode(buffer.Written.Span, shape: new RolloutShape(3, 2, 4, 10, 8)).Reason);
        Assert.Equal(RejectReason.TooManyRows, Decode(buffer.Written.Span, shape: new RolloutShape(2, 3, 4, 10, 3)).Reason);

        var ungrouped = SampleRollout(s_shape);
        ungrouped.SamplesPerPrompt = 3; // 4 rows are not whole groups of 3
        Assert.Equal(RejectReason.WrongShape, Decode(Encode(ungrouped).Written.Span).Reason);

        var empty = SampleRollout(s_shape);
        empty.RowCount = 0;
        Assert.Equal(RejectReason.WrongShape, Decode(Encode(empty).Written.Span).Reason);
    }

    [Theory]
    [InlineData(2, 4)]   // first answer token == vocabulary size
    [InlineData(0, 10)]  // prompt token == prompt vocabulary size
    [InlineData(4, -1)]  // negative answer token
    public void RolloutMessageTest_TokenOutsideItsVocabulary_IsRefused(int position, int token)
    {
        var rollout = SampleRollout(s_shape);
        rollout.Tokens[s_shape.Length + position] = token;
        var result = Decode(Encode(rollout).Written.Span);
        Assert.Equal(RejectReason.TokenOutOfVocabulary, result.Reason);
        Assert.Contains("row 1", result.Message);
    }

    [Fact]
    public void RolloutMessageTest_PromptTokenValidOnlyInPromptVocabulary_IsAccepted()
    {
        var rollout = SampleRollout(s_shape);
        rollout.Tokens[0] = 9; // ≥ answer vocabulary 4, < prompt vocabulary 10
        Assert.True(Decode(Encode(rollout).Written.Span).IsValid);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void RolloutMessageTest_NonFiniteReward_IsRefused(float reward)
    {
        var rollout = SampleRollout(s_shape);
        rollout.Rewards[2] = reward;
        Assert.Equal(RejectReason.NonFiniteReward, Decode(Encode(rollout).Written.Span).Reason);
    }

    [Theory]
    [InlineData(float.NaN, RejectReason.NonFiniteLogProb)]
    [InlineData(float.NegativeInfinity, RejectReason.NonFiniteLogProb)]
    [InlineData(0.01f, RejectReason.PositiveLogProb)]
    public void RolloutMessageTest_BadLogProb_IsRefused(float logProb, RejectReason expected)
    {
        var rollout = SampleRollout(s_shape);
        rollout.BehaviourLogProbs[3 * s_shape.Length + 4] = logProb;
        var result = Decode(Encode(rollout).Written.Span);
        Assert.Equal(expected, result.Reason);
        Assert.Contains("row 3, position 4", result.Message);
    }

    [Fact]
    public void RolloutMessageTest_UndefinedFrictionBitsOrNegativeVersion_AreRefusedAsBadField()
    {
        var rollout = SampleRollout(s_shape);
        rollout.RowFrictions[0] = (RowFriction)0x80;
        Assert.Equal(RejectReason.BadField, Decode(Encode(rollout).Written.Span).Reason);

        rollout = SampleRollout(s_shape);
        rollout.PolicyVersion = -1;
        Assert.Equal(RejectReason.BadField, Decode(Encode(rollout).Written.Span).Reason);
    }

    [Fact]
    public void RolloutMessageTest_EveryReason_HasADistinctWireName()
    {
        var names = Enum.GetValues<RejectReason>().Select(r => r.WireName()).ToList();
        Assert.Equal(RejectReasons.Count, names.Count);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z-]+$", n));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    public void RolloutMessageTest_RunName_RefusesNamesThatCannotNameAQueue(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => new RunName(name));
}
