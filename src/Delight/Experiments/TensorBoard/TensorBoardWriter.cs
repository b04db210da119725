using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Delight.Experiments.TensorBoard;

/// <summary>
/// Writes scalars to a TensorBoard event file, <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;hostname&gt;</c>, in a
/// run folder, so that <c>tensorboard --logdir runs/</c> plots them (docs/tensorboard.md). The file starts with the
/// event <c>file_version = "brain.Event:2"</c>; then each <see cref="Scalar"/> call is one event holding one value, as
/// TensorBoard's own <c>add_scalar</c> writers do, so the writer keeps no per-step state and steps need not arrive in
/// order. Events are kept in memory as whole records and reach the file on <see cref="Flush"/>, when 64 KiB have
/// gathered, and on <see cref="Dispose"/>; a crash loses only the events since then, never leaves a torn record.
/// After warm-up, <see cref="Scalar"/> allocates nothing. Not thread-safe: one writer per run loop.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    // Big enough that a run loop logging ~30 metrics a step with Flush once a step never writes between Flushes.
    const int BufferLength = 64 * 1024;

    readonly TfRecordWriter _records;
    bool _disposed;

    TensorBoardWriter(string filePath, Stream stream)
    {
        FilePath = filePath;
        _records = new TfRecordWriter(stream, BufferLength);
    }

    /// <summary>The event file written to.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and a new event file in it, and writes (and flushes) its
    /// file_version event, so TensorBoard recognises the file at once. Never overwrites a file: a second writer in the
    /// same second and folder gets the name with a ".1" suffix (TensorBoard reads every file whose name holds "tfevents").
    /// </summary>
    public static TensorBoardWriter Create(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw new ArgumentException("folder is empty; pass the run folder the event file should go in (e.g. runs/dg-seed0).", nameof(folder));
        if (File.Exists(folder))
            throw new ArgumentException($"folder '{folder}' is a file; pass a folder (the run folder), not a file, for the TensorBoard event file.", nameof(folder));
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        // TensorFlow's events_writer.cc pads the seconds to 10 digits; the hostname tells runs from different machines apart.
        var name = $"events.out.tfevents.{now.ToUnixTimeSeconds():D10}.{Environment.MachineName}";
        var (path, stream) = CreateNew(folder, name);
        var writer = new TensorBoardWriter(path, stream);
        try
        {
            var data = writer._records.BeginRecord(EventEncoder.FileVersionEventLength);
            EventEncoder.WriteFileVersionEvent(data, now.ToUnixTimeMilliseconds() / 1000.0);
            writer._records.EndRecord();
            writer.Flush();
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    static (string Path, FileStream Stream) CreateNew(string folder, string name)
    {
        for (var suffix = 0; ; suffix++)
        {
            var path = Path.Combine(folder, suffix == 0 ? name : $"{name}.{suffix}");
            if (File.Exists(path)) continue;
            // bufferSize 0: no FileStream buffer, so our whole-record buffer is the only one and each Write is whole records.
            // FileShare.Read lets TensorBoard read the file while the run writes it.
            return (path, new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0));
        }
    }

    /// <summary>Appends one event: <paramref name="tag"/> = <paramref name="value"/> at <paramref name="step"/>.</summary>
    /// <param name="tag">the chart's name, e.g. "train/reward"; TensorBoard groups charts by the part before the first '/'</param>
    /// <param name="step">any int64 (the chart's x axis)</param>
    /// <param name="value">any float; TensorBoard shows NaN and ±∞ as special points</param>
    /// <param name="wallTimeSeconds">seconds since the Unix epoch, e.g. <c>DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0</c></param>
    public void Scalar(string tag, long step, float value, double wallTimeSeconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrEmpty(tag)) ThrowEmptyTag();
        if (!double.IsFinite(wallTimeSeconds)) ThrowWallTime(wallTimeSeconds);
        // Counting first lets the UTF-8 bytes go straight into the record buffer: no per-call string or array.
        var tagUtf8Length = Encoding.UTF8.GetByteCount(tag);
        var data = _records.BeginRecord(EventEncoder.ScalarEventLength(step, tagUtf8Length));
        EventEncoder.WriteScalarEvent(data, wallTimeSeconds, step, tag, tagUtf8Length, value);
        _records.EndRecord();
    }

    /// <summary>Writes every event so far to the file (to the operating system; not fsync). Call once per logged step.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _records.Flush();
    }

    /// <summary>Flushes, then closes the file. A second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            _records.Flush();
        }
        finally
        {
            _disposed = true;
            _records.Dispose();
        }
    }

    [DoesNotReturn]
    static void ThrowEmptyTag() =>
        throw new ArgumentException("tag is empty; pass the chart's name, e.g. \"train/reward\".", "tag");

    [DoesNotReturn]
    static void ThrowWallTime(double wallTimeSeconds) =>
        throw new ArgumentException($"wallTimeSeconds is {wallTimeSeconds}; pass finite seconds since the Unix epoch, e.g. DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0.", nameof(wallTimeSeconds));
}
