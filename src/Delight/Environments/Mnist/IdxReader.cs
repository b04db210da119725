using System.Buffers.Binary;
using System.IO.Compression;

namespace Delight.Environments;

/// <summary>A data file that is missing, damaged or not what MNIST needs. The message names the file, the problem and the fix.</summary>
public sealed class MnistDataException(string message) : Exception(message);

/// <summary>
/// Reads IDX files (the format of the original MNIST files), raw or gzip-compressed (detected by the 1F 8B magic,
/// not by the file name). All integers are big-endian. Layouts:
/// <code>
/// images: 0x00000803, count, rows, columns, then count·rows·columns bytes (row-major pixels, 0 = background)
/// labels: 0x00000801, count, then count bytes
/// </code>
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;
    const int ImagesHeaderLength = 16;
    const int LabelsHeaderLength = 8;

    /// <summary>The file's content, decompressed when it starts with the gzip magic 1F 8B.</summary>
    public static byte[] ReadContent(string path)
    {
        byte[] raw;
        try { raw = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new MnistDataException($"'{path}' does not exist; run `delight data mnist` to fetch the MNIST files."); }
        catch (DirectoryNotFoundException) { throw new MnistDataException($"'{path}' does not exist (no such folder); run `delight data mnist` to fetch the MNIST files."); }
        return Decompressed(raw, path);
    }

    public static bool IsGzip(ReadOnlySpan<byte> content) => content.Length >= 2 && content[0] == 0x1F && content[1] == 0x8B;

    /// <summary>Most bytes a decompressed IDX file may hold: 1.4× MNIST's largest (47 MB), so a gzip bomb stops early.</summary>
    public const long MaxContentBytes = 64L << 20;

    /// <summary>
    /// <paramref name="content"/> gunzipped when it starts with 1F 8B, else itself; <paramref name="path"/> names it in
    /// errors. Inflation stops at the size the IDX header implies (and at <see cref="MaxContentBytes"/>), so a small
    /// file that inflates to gigabytes is refused after reading just past that size.
    /// </summary>
    public static byte[] Decompressed(byte[] content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!IsGzip(content)) return content;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
            using var decompressed = new MemoryStream();
            var chunk = new byte[1 << 16];
            var limit = MaxContentBytes;
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                decompressed.Write(chunk, 0, read);
                if (ExpectedLength(decompressed.GetBuffer().AsSpan(0, (int)decompressed.Length)) is { } expected) limit = Math.Min(limit, expected);
                if (decompressed.Length > limit)
                    throw new MnistDataException(limit == MaxContentBytes
                        ? $"'{path}' decompresses to more than {MaxContentBytes} bytes, far more than any MNIST file; it is not an MNIST file (or is corrupt), so delete it and fetch it again with `delight data mnist`."
                        : $"'{path}' decompresses to more than the {limit} bytes its IDX header declares; the file is corrupt, so delete it and fetch it again with `delight data mnist`.");
            }
            return decompressed.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new MnistDataException($"'{path}' starts like a gzip file but does not decompress ({e.Message.TrimEnd('.')}); delete it and fetch it again with `delight data mnist`.");
        }
    }

    /// <summary>The total length an IDX image or label header declares, once enough of it is present (else null).</summary>
    static long? ExpectedLength(ReadOnlySpan<byte> start)
    {
        if (start.Length < LabelsHeaderLength) return null;
        var magic = BinaryPrimitives.ReadInt32BigEndian(start);
        double count = BinaryPrimitives.ReadUInt32BigEndian(start[4..]);
        double length;
        if (magic == LabelsMagic) length = LabelsHeaderLength + count;
        else if (magic != ImagesMagic || start.Length < ImagesHeaderLength) return null;
        else length = ImagesHeaderLength + count * BinaryPrimitives.ReadUInt32BigEndian(start[8..]) * BinaryPrimitives.ReadUInt32BigEndian(start[12..]);
        return length > MaxContentBytes ? MaxContentBytes : (long)length; // in double: three 32-bit sizes can overflow a long
    }

    /// <summary>Reads an IDX image file of any size: count images of rows × columns bytes.</summary>
    public static IdxImages ReadImages(string path) => ParseImages(ReadContent(path), path);

    /// <summary>Reads an IDX label file: one byte per item.</summary>
    public static byte[] ReadLabels(string path) => ParseLabels(ReadContent(path), path);

    /// <summary>Parses decompressed image-file content; <paramref name="path"/> only names the file in errors.</summary>
    public static IdxImages ParseImages(byte[] content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        CheckHeader(content, path, ImagesMagic, ImagesHeaderLength, "images");
        var count = Dimension(content, 4, path, "count");
        var rows = Dimension(content, 8, path, "rows");
        var columns = Dimension(content, 12, path, "columns");
        var length = (long)count * rows * columns;
        CheckLength(content, path, ImagesHeaderLength, length, $"{count} images of {rows}×{columns}");
        return new IdxImages(content.AsSpan(ImagesHeaderLength).ToArray(), count, rows, columns);
    }

    /// <summary>Parses decompressed label-file content; <paramref name="path"/> only names the file in errors.</summary>
    public static byte[] ParseLabels(byte[] content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        CheckHeader(content, path, LabelsMagic, LabelsHeaderLength, "labels");
        var count = Dimension(content, 4, path, "count");
        CheckLength(content, path, LabelsHeaderLength, count, $"{count} labels");
        return content.AsSpan(LabelsHeaderLength).ToArray();
    }

    /// <summary>
    /// Reads an MNIST split: 28×28 images and digit labels 0–9, as many of each. Throws <see cref="MnistDataException"/>
    /// naming the file otherwise.
    /// </summary>
    public static MnistSplit ReadMnist(string imagesPath, string labelsPath) =>
        ToMnist(ReadImages(imagesPath), imagesPath, ReadLabels(labelsPath), labelsPath);

    /// <summary>Checks that parsed images and labels form an MNIST split (28×28, equal counts, labels 0–9).</summary>
    public static MnistSplit ToMnist(IdxImages images, string imagesPath, byte[] labels, string labelsPath)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rows != MnistSplit.Side || images.Columns != MnistSplit.Side)
            throw new MnistDataException($"'{imagesPath}' holds {images.Rows}×{images.Columns} images, but MNIST images are {MnistSplit.Side}×{MnistSplit.Side}; point to the original MNIST files (`delight data mnist`).");
        if (images.Count != labels.Length)
            throw new MnistDataException($"'{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {labels.Length} labels; use the images and labels of the same split (train or t10k).");
        for (var i = 0; i < labels.Length; i++)
            if (labels[i] > 9)
                throw new MnistDataException($"'{labelsPath}' has label {labels[i]} at item {i}, but digit labels are 0–9; the file is not an MNIST label file, fetch it again with `delight data mnist`.");
        return new MnistSplit(images.Pixels, labels);
    }

    static void CheckHeader(byte[] content, string path, int magic, int headerLength, string kind)
    {
        if (content.Length >= 4)
        {
            var found = BinaryPrimitives.ReadInt32BigEndian(content);
            if (found != magic)
                throw new MnistDataException($"'{path}' starts with magic 0x{found:X8}, but an IDX {kind} file starts with 0x{magic:X8}; check that the file is the {kind} file and not damaged.");
        }
        if (content.Length < headerLength)
            throw new MnistDataException($"'{path}' is truncated: {content.Length} bytes, shorter than the {headerLength}-byte IDX {kind} header; delete it and fetch it again.");
    }

    static int Dimension(byte[] content, int offset, string path, string name)
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(offset));
        if (value < 0) throw new MnistDataException($"'{path}' has a negative {name} ({value}) in its IDX header; the file is damaged, fetch it again.");
        return value;
    }

    static void CheckLength(byte[] content, string path, int headerLength, long expected, string what)
    {
        long found = content.Length - headerLength;
        if (found < expected)
            throw new MnistDataException($"'{path}' is truncated: its header announces {what} ({expected} bytes) but only {found} follow; delete it and fetch it again.");
        if (found > expected)
            throw new MnistDataException($"'{path}' has {found - expected} bytes after the {what} its header announces; the file is damaged, fetch it again.");
    }
}

/// <summary>The images of an IDX file: <see cref="Pixels"/> is [Count, Rows·Columns], one byte per pixel.</summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Columns);

/// <summary>
/// One MNIST split, compact: <see cref="Pixels"/> [Count, 784] bytes and <see cref="Labels"/> [Count] digits 0–9.
/// </summary>
public sealed class MnistSplit
{
    public const int Side = 28;
    public const int PixelCount = Side * Side;

    public MnistSplit(byte[] pixels, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.Length != labels.Length * PixelCount)
            throw new ArgumentException($"pixels holds {pixels.Length} bytes, not labels·784 = {labels.Length}·784.", nameof(pixels));
        Pixels = pixels;
        Labels = labels;
    }

    public int Count => Labels.Length;
    /// <summary>[Count, 784], row-major 28×28 images, 0 = background, 255 = ink.</summary>
    public byte[] Pixels { get; }
    /// <summary>[Count], digits 0–9.</summary>
    public byte[] Labels { get; }

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * PixelCount, PixelCount);

    /// <summary>Writes images <paramref name="indices"/> as floats pixel/255 ∈ [0, 1]; allocates nothing.</summary>
    /// <param name="indices">[rows], each in [0, Count)</param>
    /// <param name="destination">[rows, 784]</param>
    public void WriteNormalized(ReadOnlySpan<int> indices, Span<float> destination)
    {
        if (destination.Length < indices.Length * PixelCount)
            throw new ArgumentException($"destination holds {destination.Length} floats, fewer than rows·784 = {indices.Length}·784.", nameof(destination));
        for (var r = 0; r < indices.Length; r++)
        {
            var index = indices[r];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"image index {index} at row {r} is outside [0, {Count}).");
            WriteNormalized(index, destination.Slice(r * PixelCount, PixelCount));
        }
    }

    /// <summary>Writes image <paramref name="index"/> as 784 floats pixel/255.</summary>
    public void WriteNormalized(int index, Span<float> destination)
    {
        var image = Image(index);
        var row = destination[..PixelCount];
        for (var p = 0; p < PixelCount; p++) row[p] = image[p] / 255f;
    }
}
