using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using Delight.Numerics.Checksums;

namespace Delight.Experiments.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files (TensorFlow's "TFRecords format details",
/// https://www.tensorflow.org/tutorials/load_data/tfrecord#tfrecords_format_details, and tsl/lib/io/record_writer.cc):
/// <code>
/// uint64 length                    little-endian
/// uint32 masked_crc32c(length)     over the 8 length bytes
/// byte   data[length]
/// uint32 masked_crc32c(data)
/// </code>
/// Records are assembled whole in one reused buffer, and the stream is only ever handed whole records (on
/// <see cref="Flush"/>, or when the next record does not fit). So a process that dies leaves a file whose records are
/// all complete: readers never see a torn tail, only the records since the last write missing.
/// </summary>
sealed class TfRecordWriter : IDisposable
{
    const int HeaderLength = sizeof(ulong) + sizeof(uint);
    const int FooterLength = sizeof(uint);

    readonly Stream _stream;
    byte[] _buffer;
    int _used;
    int _pendingDataLength = -1;

    /// <param name="stream">written to with whole records only; owned, and disposed with this writer</param>
    public TfRecordWriter(Stream stream, int bufferLength)
    {
        _stream = stream;
        _buffer = new byte[bufferLength];
    }

    /// <summary>
    /// Reserves the next record and returns its data bytes for the caller to fill completely; <see cref="EndRecord"/>
    /// then frames it. Nothing reaches the stream in between.
    /// </summary>
    public Span<byte> BeginRecord(int dataLength)
    {
        Debug.Assert(_pendingDataLength < 0, "BeginRecord twice without EndRecord");
        var recordLength = HeaderLength + dataLength + FooterLength;
        if (recordLength > _buffer.Length - _used)
        {
            WriteBuffered();
            // Only an unusually long tag gets here; the buffer then stays large, so it grows once, not per record.
            if (recordLength > _buffer.Length) _buffer = new byte[BitOperations.RoundUpToPowerOf2((uint)recordLength)];
        }
        _pendingDataLength = dataLength;
        return _buffer.AsSpan(_used + HeaderLength, dataLength);
    }

    public void EndRecord()
    {
        Debug.Assert(_pendingDataLength >= 0, "EndRecord without BeginRecord");
        var dataLength = _pendingDataLength;
        var record = _buffer.AsSpan(_used, HeaderLength + dataLength + FooterLength);
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)dataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[sizeof(ulong)..], Crc32C.Mask(Crc32C.Compute(record[..sizeof(ulong)])));
        var data = record.Slice(HeaderLength, dataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[(HeaderLength + dataLength)..], Crc32C.Mask(Crc32C.Compute(data)));
        _used += record.Length;
        _pendingDataLength = -1;
    }

    /// <summary>Hands every finished record to the stream and flushes it to the operating system.</summary>
    public void Flush()
    {
        WriteBuffered();
        _stream.Flush();
    }

    void WriteBuffered()
    {
        if (_used == 0) return;
        _stream.Write(_buffer, 0, _used);
        _used = 0;
    }

    public void Dispose() => _stream.Dispose();
}
