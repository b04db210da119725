using System.Diagnostics;

namespace Delight.Experiments.TensorBoard;

/// <summary>
/// The two <c>Event</c> messages a scalar event file holds, laid out by hand. Field numbers are TensorBoard's own
/// (tensorflow/tensorboard, tensorboard/compat/proto/event.proto and summary.proto, copies of TensorFlow's
/// tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto):
/// <code>
/// message Event   { double wall_time = 1; int64 step = 2;
///                   oneof what { string file_version = 3; ... Summary summary = 5; ... } }
/// message Summary { repeated Value value = 1;
///                   message Value { string tag = 1; oneof value { float simple_value = 2; ... } } }
/// </code>
/// Every field is written, even a zero: proto3 parsers accept explicit defaults, and <c>simple_value</c> sits in a
/// oneof, where leaving out 0.0 would leave the value unset and TensorBoard would drop the point.
/// </summary>
static class EventEncoder
{
    const int EventWallTime = 1;
    const int EventStep = 2;
    const int EventFileVersion = 3;
    const int EventSummary = 5;
    const int SummaryValue = 1;
    const int ValueTag = 1;
    const int ValueSimpleValue = 2;

    /// <summary>The version TensorBoard's readers expect in a file's first event ("All versions start with brain.Event:").</summary>
    public const string FileVersion = "brain.Event:2";

    /// <summary>Bytes of the first event: wall time and <see cref="FileVersion"/> (ASCII, so its UTF-8 length is its length).</summary>
    public static int FileVersionEventLength =>
        ProtoWriter.DoubleLength(EventWallTime) + ProtoWriter.LengthDelimitedLength(EventFileVersion, FileVersion.Length);

    public static void WriteFileVersionEvent(Span<byte> destination, double wallTimeSeconds)
    {
        var w = new ProtoWriter(destination);
        w.Double(EventWallTime, wallTimeSeconds);
        w.String(EventFileVersion, FileVersion, FileVersion.Length);
        Debug.Assert(w.Position == destination.Length);
    }

    /// <summary>Bytes of an event holding one scalar; its only variable parts are the step's varint and the tag.</summary>
    public static int ScalarEventLength(long step, int tagUtf8Length) =>
        ProtoWriter.DoubleLength(EventWallTime) + ProtoWriter.Int64Length(EventStep, step)
        + ProtoWriter.LengthDelimitedLength(EventSummary, SummaryLength(tagUtf8Length));

    /// <param name="destination">exactly <see cref="ScalarEventLength"/> bytes</param>
    public static void WriteScalarEvent(Span<byte> destination, double wallTimeSeconds, long step, ReadOnlySpan<char> tag, int tagUtf8Length, float value)
    {
        var w = new ProtoWriter(destination);
        w.Double(EventWallTime, wallTimeSeconds);
        w.Int64(EventStep, step);
        w.LengthPrefix(EventSummary, SummaryLength(tagUtf8Length));
        w.LengthPrefix(SummaryValue, ValueLength(tagUtf8Length));
        w.String(ValueTag, tag, tagUtf8Length);
        w.Float(ValueSimpleValue, value);
        Debug.Assert(w.Position == destination.Length);
    }

    static int SummaryLength(int tagUtf8Length) => ProtoWriter.LengthDelimitedLength(SummaryValue, ValueLength(tagUtf8Length));

    static int ValueLength(int tagUtf8Length) =>
        ProtoWriter.LengthDelimitedLength(ValueTag, tagUtf8Length) + ProtoWriter.FloatLength(ValueSimpleValue);
}
