using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Delight.Experiments.TensorBoard;

namespace Delight.Test.Experiments;

/// <summary>Event files written by <see cref="TensorBoardWriter"/>, read back by the independent <see cref="TfEventsReader"/>.</summary>
public sealed class TensorBoardTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-tb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static double NowSeconds() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Exact equality, bit for bit: NaN equals itself and -0 differs from +0.</summary>
    static void AssertScalar(string tag, long step, float value, double wallTime, TfEvent e)
    {
        Assert.Null(e.FileVersion);
        var v = Assert.Single(e.Values);
        Assert.Equal(tag, v.Tag);
        Assert.Equal(step, e.Step);
        Assert.NotNull(v.SimpleValue);
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(v.SimpleValue.Value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(wallTime), BitConverter.DoubleToInt64Bits(e.WallTime));
    }

    [Fact]
    public void TensorBoardTest_Reader_CrcMatchesTheStandardCheckValue() =>
        Assert.Equal(0xE3069283u, TfEventsReader.Crc32C("123456789"u8));

    [Fact]
    public void TensorBoardTest_Create_NamesTheFileAndWritesFileVersionFirst()
    {
        var folder = Path.Combine(_folder, "runs", "new-run"); // does not exist yet
        var before = NowSeconds();
        using var writer = TensorBoardWriter.Create(folder);
        var after = NowSeconds();

        Assert.Equal(folder, Path.GetDirectoryName(writer.FilePath));
        var match = Regex.Match(Path.GetFileName(writer.FilePath), $@"^events\.out\.tfevents\.(\d{{10}})\.{Regex.Escape(Environment.MachineName)}$");
        Assert.True(match.Success, writer.FilePath);

        // Readable before any Flush or Dispose: Create flushes the first event so TensorBoard sees a valid file at once.
        var e = Assert.Single(TfEventsReader.ReadEvents(writer.FilePath));
        Assert.Equal("brain.Event:2", e.FileVersion);
        Assert.Empty(e.Values);
        Assert.InRange(e.WallTime, before, after);
        Assert.Equal(long.Parse(match.Groups[1].Value), (long)Math.Floor(e.WallTime));
    }

    [Fact]
    public void TensorBoardTest_Create_TwoWritersInOneFolderNeverShareAFile()
    {
        using var first = TensorBoardWriter.Create(_folder);
        using var second = TensorBoardWriter.Create(_folder);
        first.Scalar("train/a", 1, 1f, 10.0);
        second.Scalar("train/b", 2, 2f, 20.0);
        first.Flush();
        second.Flush();

        Assert.NotEqual(first.FilePath, second.FilePath);
        AssertScalar("train/a", 1, 1f, 10.0, TfEventsReader.ReadEvents(first.FilePath)[1]);
        AssertScalar("train/b", 2, 2f, 20.0, TfEventsReader.ReadEvents(second.FilePath)[1]);
    }

    /// <summary>The bytes the proto definitions dictate, worked out by hand, so the layout does not rest on one decoder.</summary>
    [Fact]
    public void TensorBoardTest_Scalar_MatchesHandEncodedBytes()
    {
        string path;
        using (var writer = TensorBoardWriter.Create(_folder))
        {
            writer.Scalar("a", 1, 1f, 2.0);
            path = writer.FilePath;
        }
        var file = TfEventsReader.ReadFileBytes(path);
        byte[] expected =
        [
            0x09, 0, 0, 0, 0, 0, 0, 0, 0x40, // wall_time = 1, fixed64: 2.0
            0x10, 0x01,                      // step = 2, varint: 1
            0x2A, 0x0A,                      // summary = 5, 10 bytes
            0x0A, 0x08,                      //   value = 1, 8 bytes
            0x0A, 0x01, (byte)'a',           //     tag = 1, "a"
            0x15, 0x00, 0x00, 0x80, 0x3F,    //     simple_value = 2, fixed32: 1f
        ];
        var records = TfEventsReader.ReadRecords(file);
        Assert.Equal(2, records.Count);
        // file_version = 3, 13 bytes, after the 9 bytes of wall_time.
        Assert.Equal([0x1A, 13, .. "brain.Event:2"u8], records[0][9..]);
        Assert.Equal(expected, records[1]);

        var second = file.AsSpan(12 + records[0].Length + 4);
        Assert.Equal((ulong)expected.Length, BinaryPrimitives.ReadUInt64LittleEndian(second));
        Assert.Equal(second.Length, 12 + expected.Length + 4);
    }

    [Fact]
    public void TensorBoardTest_Scalar_RoundTripsManyScalarsAndEdgeValues()
    {
        var expected = new List<(string Tag, long Step, float Value, double WallTime)>();
        string[] tags = ["train/reward", "train/loss", "train/gate_mean", "train/grad_norm", "eval/error", "x"];
        for (var step = 0; step < 300; step++)
            for (var t = 0; t < tags.Length; t++)
                expected.Add((tags[t], step, MathF.Sin(step * 0.37f + t) * MathF.Pow(10, t - 3), 1.7e9 + step * 0.125 + t * 1e-6));
        long[] steps = [long.MinValue, -1, 0, 1, 127, 128, 16_383, 16_384, int.MaxValue, 1L << 56, long.MaxValue];
        float[] values = [0f, -0f, float.Epsilon, -float.MaxValue, float.MaxValue, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-30f];
        double[] wallTimes = [0.0, -1.5, 1.7e9 + 0.123456789, double.MaxValue, double.Epsilon];
        for (var i = 0; i < steps.Length * values.Length; i++)
            expected.Add(("edge/case", steps[i % steps.Length], values[i % values.Length], wallTimes[i % wallTimes.Length]));

        string path;
        using (var writer = TensorBoardWriter.Create(_folder))
        {
            foreach (var (tag, step, value, wallTime) in expected) writer.Scalar(tag, step, value, wallTime);
            path = writer.FilePath;
        }

        var events = TfEventsReader.ReadEvents(path);
        Assert.Equal(1 + expected.Count, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        for (var i = 0; i < expected.Count; i++)
            AssertScalar(expected[i].Tag, expected[i].Step, expected[i].Value, expected[i].WallTime, events[1 + i]);
    }

    /// <summary>
    /// Tags past 127 bytes make the tag, Value, Summary and record lengths multi-byte varints; multi-byte UTF-8 makes
    /// the byte count differ from the char count; a tag longer than the 64 KiB record buffer makes it grow.
    /// </summary>
    [Fact]
    public void TensorBoardTest_Scalar_LongAndMultiByteTags()
    {
        string[] tags =
        [
            new string('a', 128),
            "train/" + string.Concat(Enumerable.Repeat("δ", 100)) + "📈",
            string.Concat(Enumerable.Repeat("€", 20_000)),
            "long/" + new string('z', 100_000),
            "after/the/big/one",
        ];
        Assert.True(Encoding.UTF8.GetByteCount(tags[1]) > 200);

        string path;
        using (var writer = TensorBoardWriter.Create(_folder))
        {
            for (var i = 0; i < tags.Length; i++) writer.Scalar(tags[i], -i * 1000L, i + 0.5f, 100.0 + i);
            path = writer.FilePath;
        }

        var events = TfEventsReader.ReadEvents(path);
        Assert.Equal(1 + tags.Length, events.Count);
        for (var i = 0; i < tags.Length; i++) AssertScalar(tags[i], -i * 1000L, i + 0.5f, 100.0 + i, events[1 + i]);
    }

    [Fact]
    public void TensorBoardTest_Reader_DetectsEveryCorruptedByte()
    {
        string path;
        using (var writer = TensorBoardWriter.Create(_folder))
        {
            writer.Scalar("train/reward", 7, 0.25f, 1.7e9);
            writer.Scalar(new string('t', 130), -3, -1f, 1.7e9 + 1);
            path = writer.FilePath;
        }
        var file = TfEventsReader.ReadFileBytes(path);
        Assert.Equal(3, TfEventsReader.ReadRecords(file).Count);

        // CRC-32C catches every burst of up to 32 bits, so any one changed byte anywhere must be refused.
        for (var i = 0; i < file.Length; i++)
        {
            var corrupted = file.ToArray();
            corrupted[i] ^= 0x5A;
            Assert.Throws<InvalidDataException>(() => TfEventsReader.ReadRecords(corrupted));
        }

        var dataByte = file.ToArray();
        dataByte[12 + 3] ^= 1; // inside the first record's data
        Assert.Contains("data CRC", Assert.Throws<InvalidDataException>(() => TfEventsReader.ReadRecords(dataByte)).Message);
        var lengthByte = file.ToArray();
        lengthByte[0] ^= 1; // the first record's length
        Assert.Contains("length CRC", Assert.Throws<InvalidDataException>(() => TfEventsReader.ReadRecords(lengthByte)).Message);
    }

    /// <summary>What a crash would leave: the file as it is between Flushes holds whole records only, never a torn one.</summary>
    [Fact]
    public void TensorBoardTest_Scalar_OnlyWholeRecordsReachTheFileBeforeFlush()
    {
        using var writer = TensorBoardWriter.Create(_folder);
        for (var step = 0; step < 5; step++) writer.Scalar("train/reward", step, step, 1.0 + step);
        Assert.Single(TfEventsReader.ReadEvents(writer.FilePath)); // still in memory

        const int Count = 5_000; // about 300 KB: several buffer-full writes, none of them asked for
        for (var step = 5; step < Count; step++) writer.Scalar("train/reward", step, step, 1.0 + step);
        var partial = TfEventsReader.ReadEvents(writer.FilePath); // throws on a torn record
        Assert.InRange(partial.Count, 2, Count);
        for (var i = 1; i < partial.Count; i++) AssertScalar("train/reward", i - 1, i - 1, i, partial[i]);

        writer.Flush();
        Assert.Equal(1 + Count, TfEventsReader.ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void TensorBoardTest_Dispose_FlushesThenRefusesFurtherWrites()
    {
        var writer = TensorBoardWriter.Create(_folder);
        writer.Scalar("train/a", 1, 1f, 1.0);
        writer.Scalar("train/b", 1, 2f, 1.0);
        writer.Dispose();
        writer.Dispose();

        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(3, events.Count);
        AssertScalar("train/b", 1, 2f, 1.0, events[2]);
        Assert.Throws<ObjectDisposedException>(() => writer.Scalar("train/a", 2, 1f, 2.0));
        Assert.Throws<ObjectDisposedException>(writer.Flush);
    }

    [Fact]
    public void TensorBoardTest_BadInput_NamesTheArgumentAndTheFix()
    {
        static string Message(Action bad) => Assert.ThrowsAny<ArgumentException>(bad).Message;

        var file = Path.Combine(_folder, "not-a-folder");
        File.WriteAllText(file, "x");
        var fileMessage = Message(() => TensorBoardWriter.Create(file));
        Assert.Contains("folder", fileMessage);
        Assert.Contains("is a file", fileMessage);
        Assert.Contains("folder", Message(() => TensorBoardWriter.Create("")));
        Assert.Contains("folder", Message(() => TensorBoardWriter.Create("  ")));

        using var writer = TensorBoardWriter.Create(_folder);
        foreach (var tag in new[] { "", null! })
        {
            var m = Message(() => writer.Scalar(tag, 0, 1f, 1.0));
            Assert.Contains("tag", m);
            Assert.Contains("train/reward", m);
        }
        foreach (var wallTime in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var m = Message(() => writer.Scalar("train/reward", 0, 1f, wallTime));
            Assert.Contains("wallTimeSeconds", m);
            Assert.Contains("Unix epoch", m);
        }

        // A refused call leaves nothing behind: the writer still works and the file has no half event.
        writer.Scalar("train/reward", 3, 4f, 5.0);
        writer.Flush();
        var events = TfEventsReader.ReadEvents(writer.FilePath);
        Assert.Equal(2, events.Count);
        AssertScalar("train/reward", 3, 4f, 5.0, events[1]);
    }

    [Fact]
    public void TensorBoardTest_Scalar_AllocatesNothingAfterWarmUp()
    {
        var tags = Enumerable.Range(0, 30).Select(i => $"train/metric_{i}_δ").ToArray();
        using var writer = TensorBoardWriter.Create(_folder);
        void LogStep(long step)
        {
            var wallTime = NowSeconds();
            for (var t = 0; t < tags.Length; t++) writer.Scalar(tags[t], step, step * 0.5f + t, wallTime);
            writer.Flush();
        }
        for (var step = 0; step < 10; step++) LogStep(step);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var step = 10; step < 500; step++) LogStep(step);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        Assert.Equal(1 + 500 * tags.Length, TfEventsReader.ReadEvents(writer.FilePath).Count);
    }
}
