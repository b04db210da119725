using Delight.Distributed;
using Delight.Numerics;

namespace Delight.Test.Distributed;

public class ParameterMessageTest
{
    static readonly RunName s_run = new("param-run");

    static ParameterSet Parameters(params (string Name, int[] Shape)[] tensors)
    {
        var set = new ParameterSet();
        foreach (var (name, shape) in tensors) set.Add(name, shape);
        set.Allocate();
        for (var i = 0; i < set.Values.Length; i++) set.Values[i] = 0.5f * i - 3f;
        return set;
    }

    [Fact]
    public void ParameterMessageTest_RoundTrip_GivesTheSameFloatsAndVersion()
    {
        var set = Parameters(("w", [3, 5]), ("b", [5]));
        var layout = ParameterLayout.Of(set);
        var buffer = new MessageBuffer();
        ParameterMessage.Encode(s_run, new PolicyStamp(0xE90C, 12), layout, set.Values, buffer);

        Assert.True(ParameterMessage.Validate(buffer.Written.Span, s_run, out var stamp, out var received).IsValid);
        var copy = new float[layout.BufferLength];
        Assert.True(ParameterMessage.CopyParameters(buffer.Written.Span, received, layout, copy).IsValid);

        Assert.Equal(new PolicyStamp(0xE90C, 12), stamp);
        Assert.Equal(layout, received);
        Assert.Equal(set.Values.ToArray(), copy);
    }

    [Fact]
    public void ParameterMessageTest_Layout_DiffersForSameLengthButOtherArchitecture()
    {
        var a = ParameterLayout.Of(Parameters(("w", [3, 5]), ("b", [5])));
        var b = ParameterLayout.Of(Parameters(("w", [5, 3]), ("b", [5])));
        var c = ParameterLayout.Of(Parameters(("w", [3, 5]), ("b", [5])));
        Assert.Equal(a.BufferLength, b.BufferLength);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.Equal(a, c);
    }

    [Fact]
    public void ParameterMessageTest_OtherLayout_IsRefusedOnCopy()
    {
        var set = Parameters(("w", [3, 5]), ("b", [5]));
        var buffer = new MessageBuffer();
        ParameterMessage.Encode(s_run, 1, ParameterLayout.Of(set), set.Values, buffer);
        Assert.True(ParameterMessage.Validate(buffer.Written.Span, s_run, out _, out var received).IsValid);
        var other = ParameterLayout.Of(Parameters(("w", [5, 3]), ("b", [5])));

        var result = ParameterMessage.CopyParameters(buffer.Written.Span, received, other, new float[other.BufferLength]);

        Assert.Equal(RejectReason.WrongLayout, result.Reason);
    }

    [Theory]
    [InlineData(33, RejectReason.BadHeaderChecksum)]  // version
    [InlineData(44, RejectReason.BadHeaderChecksum)]  // fingerprint
    [InlineData(-2, RejectReason.BadPayloadChecksum)] // a float
    public void ParameterMessageTest_FlippedByte_IsRefusedWithItsReason(int offset, RejectReason expected)
    {
        var buffer = new MessageBuffer();
        ParameterMessage.Encode(s_run, 1, new ParameterLayout(4, 9), [1f, 2f, 3f, 4f], buffer);
        var bytes = buffer.WrittenSpan;
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 1;
        Assert.Equal(expected, ParameterMessage.Validate(bytes, s_run, out _, out _).Reason);
    }

    [Fact]
    public void ParameterMessageTest_NonFiniteParameterOrOtherRun_IsRefused()
    {
        var buffer = new MessageBuffer();
        ParameterMessage.Encode(s_run, 1, new ParameterLayout(3, 9), [1f, float.NaN, 3f], buffer);
        Assert.Equal(RejectReason.NonFiniteParameter, ParameterMessage.Validate(buffer.Written.Span, s_run, out _, out _).Reason);

        ParameterMessage.Encode(s_run, 1, new ParameterLayout(3, 9), [1f, 2f, 3f], buffer);
        Assert.Equal(RejectReason.WrongRun, ParameterMessage.Validate(buffer.Written.Span, new RunName("x"), out _, out _).Reason);
    }

    [Theory]
    [InlineData(MessageKind.Config, "{\"task\":\"reversal\",\"é\":1}")]
    [InlineData(MessageKind.Finished, "done after 300 steps")]
    [InlineData(MessageKind.Hello, "")]
    public void ParameterMessageTest_ControlMessages_RoundTrip(MessageKind kind, string text)
    {
        var buffer = new MessageBuffer();
        ControlMessage.Encode(s_run, kind, 77, text, buffer);

        Assert.True(ControlMessage.Decode(buffer.Written.Span, s_run, out var control).IsValid);

        Assert.Equal(new Control(kind, 77, text), control);
    }

    [Fact]
    public void ParameterMessageTest_ControlMessage_CorruptOrInvalidUtf8_IsRefused()
    {
        var buffer = new MessageBuffer();
        ControlMessage.Encode(s_run, MessageKind.Config, 0, "{}", buffer);
        buffer.WrittenSpan[^1] ^= 0x40;
        Assert.Equal(RejectReason.BadPayloadChecksum, ControlMessage.Decode(buffer.Written.Span, s_run, out _).Reason);

        var rollout = new MessageBuffer();
        var shape = new RolloutShape(1, 1, 2, 2, 1);
        var r = RolloutMessageTest.SampleRollout(shape, rows: 1);
        r.SamplesPerPrompt = 1;
        RolloutMessage.Encode(r, s_run, default, rollout);
        Assert.Equal(RejectReason.WrongKind, ControlMessage.Decode(rollout.Written.Span, s_run, out _).Reason);
    }
}
