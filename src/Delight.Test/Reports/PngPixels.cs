using System.Buffers.Binary;
using System.IO.Compression;

namespace Delight.Test.Reports;

/// <summary>
/// Decodes the 8-bit RGB/RGBA, non-interlaced PNGs a browser screenshot produces (PNG spec §9 filters), so a test
/// can look at pixels without an imaging library.
/// </summary>
sealed class PngPixels
{
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>Row-major RGB triples, alpha dropped.</summary>
    public required byte[] Rgb { get; init; }

    public int Colour(int x, int y) { var i = 3 * (y * Width + x); return Rgb[i] << 16 | Rgb[i + 1] << 8 | Rgb[i + 2]; }

    public static PngPixels Decode(byte[] png)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual((ReadOnlySpan<byte>)[137, 80, 78, 71, 13, 10, 26, 10]))
            throw new InvalidDataException("not a PNG");
        int width = 0, height = 0, channels = 0;
        var compressed = new MemoryStream();
        for (var at = 8; at + 8 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[8] != 8 || data[12] != 0) throw new InvalidDataException("only 8-bit, non-interlaced PNGs");
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"colour type {data[9]}") };
            }
            else if (type == "IDAT") compressed.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        compressed.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionMode.Decompress)) z.CopyTo(raw);
        var bytes = raw.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var current = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var filter = bytes[y * (stride + 1)];
            var line = bytes.AsSpan(y * (stride + 1) + 1, stride);
            for (var i = 0; i < stride; i++)
            {
                int a = i >= channels ? current[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
                current[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                });
            }
            for (var x = 0; x < width; x++)
                for (var k = 0; k < 3; k++) rgb[3 * (y * width + x) + k] = current[x * channels + k];
            (previous, current) = (current, previous);
        }
        return new PngPixels { Width = width, Height = height, Rgb = rgb };
    }

    static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
