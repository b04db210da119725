using System.Buffers.Binary;
using System.IO.Compression;
using Delight.Cli;
using Delight.Environments;
using Delight.Numerics;
using Delight.Policies;
using static Delight.Test.Cli.InProcessCli;

namespace Delight.Test.Environments;

/// <summary>
/// A test on the real MNIST files. It runs when the cache folder (<see cref="MnistFiles.DefaultCacheFolder"/>:
/// $DELIGHT_DATA, else ~/.cache/delight/mnist) holds the four files. When they are absent it is skipped on a
/// developer machine, but when the environment variable CI is set it runs and fails with "run `delight data mnist`
/// first": .ci/run fetches the files before `dotnet test`, so a missing file there is a broken pipeline, never a
/// silent pass. (Returning early from a test body would pass silently; Skip makes the gap visible.)
/// </summary>
public sealed class MnistFactAttribute : FactAttribute
{
    public MnistFactAttribute()
    {
        var folder = MnistFiles.DefaultCacheFolder();
        if (!MnistFiles.AllPresent(folder) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Skip = $"the MNIST files are not in '{folder}'; run `delight data mnist` (with CI set, this test fails instead).";
    }
}

public sealed class MnistTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-mnist-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Loaded once for every real-file test (about 55 MB, checksummed).</summary>
    static readonly Lazy<MnistDataset> s_real = new(() => MnistDataset.Load());

    // ---- tiny generated IDX files ----

    static byte[] ImagesBytes(int count, int rows = 28, int columns = 28, int magic = IdxReader.ImagesMagic)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        // Pixel p of image i = (i·31 + p) mod 256, so every image differs and 0 and 255 both occur.
        for (var i = 0; i < count; i++)
            for (var p = 0; p < rows * columns; p++) bytes[16 + i * rows * columns + p] = (byte)((i * 31 + p) % 256);
        return bytes;
    }

    static byte[] LabelsBytes(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    string Write(string name, byte[] content, bool gzip = false)
    {
        var path = Path.Combine(_folder, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return path;
        }
        using (var file = File.Create(path))
        using (var z = new GZipStream(file, CompressionLevel.Fastest)) z.Write(content);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MnistTest_Idx_ReadsImagesAndLabels(bool gzip)
    {
        var images = Write("images", ImagesBytes(3), gzip);
        var labels = Write("labels", LabelsBytes(7, 0, 9), gzip);
        Assert.Equal(gzip, IdxReader.IsGzip(File.ReadAllBytes(images)));

        var split = IdxReader.ReadMnist(images, labels);

        Assert.Equal(3, split.Count);
        Assert.Equal([7, 0, 9], split.Labels);
        Assert.Equal(3 * 784, split.Pixels.Length);
        Assert.Equal((byte)((2 * 31 + 5) % 256), split.Image(2)[5]);
        var floats = new float[2 * 784];
        split.WriteNormalized([2, 0], floats);
        for (var p = 0; p < 784; p++)
        {
            Assert.Equal((2 * 31 + p) % 256 / 255f, floats[p]);
            Assert.Equal(p % 256 / 255f, floats[784 + p]);
        }
        Assert.Equal(0f, floats.Min());
        Assert.Equal(1f, floats.Max());
    }

    [Fact]
    public void MnistTest_Idx_ReadsAnyImageSize()
    {
        var images = IdxReader.ReadImages(Write("small", ImagesBytes(2, rows: 2, columns: 3)));
        Assert.Equal((2, 2, 3, 12), (images.Count, images.Rows, images.Columns, images.Pixels.Length));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "wrong-magic", "magic 0x00000801" },
        { "truncated-header", "shorter than the 16-byte IDX images header" },
        { "truncated-data", "is truncated" },
        { "trailing-bytes", "bytes after" },
        { "count-mismatch", "holds 3 images but" },
        { "bad-label", "label 10 at item 1" },
        { "not-28x28", "holds 2×3 images" },
        { "bad-gzip", "does not decompress" },
    };

    /// <summary>A gzip header, then a deflate stream whose first block has the reserved type 11.</summary>
    static byte[] CorruptGzip(byte[] content)
    {
        var compressed = new MemoryStream();
        using (var z = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(content);
        var bytes = compressed.ToArray();
        bytes.AsSpan(10, 16).Fill(0xFF);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void MnistTest_Idx_BadFileThrowsNamingTheFile(string kind, string expected)
    {
        var good = ImagesBytes(3);
        var (images, labels) = kind switch
        {
            "wrong-magic" => (LabelsBytes(1, 2, 3), LabelsBytes(1, 2, 3)),
            "truncated-header" => (good[..10], LabelsBytes(1, 2, 3)),
            "truncated-data" => (good[..^1], LabelsBytes(1, 2, 3)),
            "trailing-bytes" => ([.. good, 0], LabelsBytes(1, 2, 3)),
            "count-mismatch" => (good, LabelsBytes(1, 2)),
            "bad-label" => (good, LabelsBytes(1, 10, 3)),
            "not-28x28" => (ImagesBytes(2, rows: 2, columns: 3), LabelsBytes(1, 2)),
            "bad-gzip" => (CorruptGzip(good), LabelsBytes(1, 2, 3)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var imagesPath = Write($"{kind}-images", images);
        var labelsPath = Write($"{kind}-labels", labels);

        var e = Assert.Throws<MnistDataException>(() => IdxReader.ReadMnist(imagesPath, labelsPath));

        Assert.Contains(expected, e.Message);
        Assert.Contains(kind == "bad-label" ? labelsPath : imagesPath, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MnistTest_Idx_TruncatedGzipIsCaught()
    {
        var path = Write("images.gz", ImagesBytes(3), gzip: true);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void MnistTest_Checksum_RejectsAModifiedFile()
    {
        // The right name and length, the wrong bytes: t10k labels all 0.
        var labels = new byte[10_000];
        Write(MnistFiles.TestLabels.Name, LabelsBytes(labels));
        var e = Assert.Throws<MnistDataException>(() => MnistFiles.ReadVerified(_folder, MnistFiles.TestLabels));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(Path.Combine(_folder, MnistFiles.TestLabels.Name), e.Message);
        Assert.Contains("delight data mnist", e.Message);

        Assert.Contains("bytes uncompressed", MnistFiles.Problem(MnistFiles.TestLabels, LabelsBytes(1, 2)));
    }

    [Fact]
    public void MnistTest_Dataset_MissingFolderSaysHowToFetch()
    {
        var e = Assert.Throws<MnistDataException>(() => MnistDataset.Load(Path.Combine(_folder, "nothing")));
        Assert.Contains("run `delight data mnist` first", e.Message);
        Write(MnistFiles.TrainLabels.Name, LabelsBytes(1));
        e = Assert.Throws<MnistDataException>(() => MnistDataset.Load(_folder));
        Assert.Contains(MnistFiles.TrainImages.Name, e.Message);
        Assert.Contains("run `delight data mnist` first", e.Message);
    }

    [Fact]
    public void MnistTest_DataCommand_WrongFilesFailClearlyAndWriteNothing()
    {
        var source = Directory.CreateDirectory(Path.Combine(_folder, "source")).FullName;
        File.WriteAllBytes(Path.Combine(source, MnistFiles.TrainImages.Name), ImagesBytes(3));
        File.WriteAllBytes(Path.Combine(source, MnistFiles.TrainLabels.Name), LabelsBytes(1, 2, 3));
        File.WriteAllBytes(Path.Combine(source, MnistFiles.TestLabels.Name), LabelsBytes(new byte[10_000]));
        // t10k images is missing altogether.
        var cache = Path.Combine(_folder, "cache");

        var (code, _, error) = Run("data", "mnist", "--from", source, "--cache", cache);

        Assert.NotEqual(0, code);
        Assert.StartsWith("delight: error: could not fill the MNIST cache", error);
        Assert.DoesNotContain("   at ", error);
        var lines = error.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length); // the summary, then one line for the one source tried
        Assert.Contains($"folder '{source}'", lines[1]);
        Assert.Contains($"{MnistFiles.TrainImages.Name}: has 2368 bytes uncompressed, expected 47040016", lines[1]);
        Assert.Contains($"{MnistFiles.TestLabels.Name}: has SHA-256", lines[1]);
        Assert.Contains($"{MnistFiles.TestImages.Name}: not there", lines[1]);
        Assert.False(Directory.Exists(cache));
    }

    [Fact]
    public void MnistTest_DataCommand_UnreachableSourcesAreEachNamed()
    {
        var cache = Path.Combine(_folder, "cache");
        var (code, _, error) = Run("data", "mnist", "--from", Path.Combine(_folder, "none"), "--from", "http://127.0.0.1:9/mnist", "--cache", cache);
        Assert.Equal(2, code);
        var lines = error.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains("no such folder", lines[1]);
        Assert.Contains("URL http://127.0.0.1:9/mnist", lines[2]);
        Assert.False(Directory.Exists(cache));
    }

    // ---- the real files ----

    [MnistFact]
    public void MnistTest_Real_CountsLabelsAndPixels()
    {
        var data = s_real.Value;
        Assert.Equal(60_000, data.Train.Count);
        Assert.Equal(10_000, data.Test.Count);
        Assert.Equal(5, data.Train.Labels[0]);
        Assert.Equal(7, data.Test.Labels[0]);
        foreach (var split in new[] { data.Train, data.Test })
        {
            Assert.Equal(0, split.Pixels.Min());
            Assert.Equal(255, split.Pixels.Max());
            var perDigit = new int[10];
            foreach (var label in split.Labels) perDigit[label]++;
            foreach (var n in perDigit) Assert.InRange(n, split.Count / 14, split.Count / 7);
        }
        var floats = new float[784];
        data.Train.WriteNormalized([0], floats);
        Assert.Equal(0f, floats.Min());
        Assert.Equal(1f, floats.Max());
    }

    [MnistFact]
    public void MnistTest_Real_ChecksumRejectsOneFlippedByte()
    {
        var content = MnistFiles.ReadVerified(MnistFiles.DefaultCacheFolder(), MnistFiles.TestLabels);
        content[^1] ^= 1;
        Assert.Contains("has SHA-256", MnistFiles.Problem(MnistFiles.TestLabels, content));
    }

    [MnistFact]
    public void MnistTest_Real_DataCommandCopiesThenSkipsValidFiles()
    {
        var cache = Path.Combine(_folder, "cache");
        var (code, output, error) = Run("data", "mnist", "--from", MnistFiles.DefaultCacheFolder(), "--cache", cache);
        Assert.True(code == 0, error);
        Assert.Equal(4, output.Split('\n').Count(l => l.Contains("written from folder", StringComparison.Ordinal)));
        MnistFiles.Verify(cache);
        Assert.Empty(Directory.GetFiles(cache, "*.tmp-*"));

        (code, output, error) = Run("data", "mnist", "--from", Path.Combine(_folder, "none"), "--cache", cache);
        Assert.True(code == 0, error);
        Assert.Equal(4, output.Split('\n').Count(l => l.Contains("already valid", StringComparison.Ordinal)));
    }

    [MnistFact]
    public void MnistTest_Real_BanditSamplesSeededBatchesAndRewardsTheLabel()
    {
        var bandit = new MnistBandit(s_real.Value);
        const int rows = 500;
        var images = new float[rows * 784];
        var labels = new int[rows];
        bandit.SampleBatch(new Rng(3), rows, images, labels);

        var again = new float[rows * 784];
        var againLabels = new int[rows];
        bandit.SampleBatch(new Rng(3), rows, again, againLabels);
        Assert.Equal(images, again);
        Assert.Equal(labels, againLabels);

        Assert.All(images, x => Assert.InRange(x, 0f, 1f));
        Assert.Equal(10, labels.Distinct().Count());
        // Row r is a training image whose label is labels[r]: find it by its pixels.
        var train = s_real.Value.Train;
        var first = new byte[784];
        for (var p = 0; p < 784; p++) first[p] = (byte)MathF.Round(images[p] * 255f);
        var index = Enumerable.Range(0, train.Count).First(i => train.Image(i).SequenceEqual(first));
        Assert.Equal(train.Labels[index], labels[0]);

        foreach (var label in labels)
        {
            Assert.Equal(1f, MnistBandit.Reward(label, label));
            Assert.Equal(0f, MnistBandit.Reward((label + 1) % 10, label));
        }
    }

    [MnistFact]
    public void MnistTest_Real_FreshPolicyTestErrorIsChance()
    {
        var policy = new MlpPolicy(new MlpOptions { MaxRows = 128 });
        policy.Initialize(new Rng(0));
        var error = new MnistBandit(s_real.Value).TestError(policy);
        Assert.InRange(error, 0.8, 0.95);
    }
}
