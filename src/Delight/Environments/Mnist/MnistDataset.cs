namespace Delight.Environments;

/// <summary>
/// The MNIST train (60000) and test (10000) splits, read from the cache folder that `delight data mnist` fills,
/// each file checked against its SHA-256 (see <see cref="MnistFiles"/>).
/// </summary>
public sealed class MnistDataset(MnistSplit train, MnistSplit test)
{
    public MnistSplit Train { get; } = train ?? throw new ArgumentNullException(nameof(train));
    public MnistSplit Test { get; } = test ?? throw new ArgumentNullException(nameof(test));

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<MnistDataset>> Loaded = new();

    /// <summary>
    /// <see cref="Load"/> once per folder per process: the splits are read-only, so every run of a sweep can share
    /// them instead of re-reading and re-hashing 55 MB.
    /// </summary>
    public static MnistDataset LoadShared(string? folder = null)
    {
        var key = Path.GetFullPath(folder ?? MnistFiles.DefaultCacheFolder());
        var lazy = Loaded.GetOrAdd(key, k => new Lazy<MnistDataset>(() => Load(k)));
        try { return lazy.Value; }
        catch { Loaded.TryRemove(key, out _); throw; } // a failed load (files not fetched yet) is retried next time
    }

    /// <summary>
    /// Loads both splits from <paramref name="folder"/> (default <see cref="MnistFiles.DefaultCacheFolder"/>).
    /// Throws <see cref="MnistDataException"/> when a file is missing ("run `delight data mnist` first") or differs.
    /// </summary>
    public static MnistDataset Load(string? folder = null)
    {
        folder ??= MnistFiles.DefaultCacheFolder();
        if (!Directory.Exists(folder))
            throw new MnistDataException($"the MNIST cache folder '{folder}' does not exist; run `delight data mnist` first (or set ${MnistFiles.DataVariable} to a folder holding the four files).");
        return new MnistDataset(
            LoadSplit(folder, MnistFiles.TrainImages, MnistFiles.TrainLabels),
            LoadSplit(folder, MnistFiles.TestImages, MnistFiles.TestLabels));
    }

    static MnistSplit LoadSplit(string folder, MnistFile imagesFile, MnistFile labelsFile)
    {
        var imagesPath = MnistFiles.Find(folder, imagesFile) ?? Path.Combine(folder, imagesFile.Name);
        var labelsPath = MnistFiles.Find(folder, labelsFile) ?? Path.Combine(folder, labelsFile.Name);
        var images = IdxReader.ParseImages(MnistFiles.ReadVerified(folder, imagesFile), imagesPath);
        var labels = IdxReader.ParseLabels(MnistFiles.ReadVerified(folder, labelsFile), labelsPath);
        return IdxReader.ToMnist(images, imagesPath, labels, labelsPath);
    }
}
