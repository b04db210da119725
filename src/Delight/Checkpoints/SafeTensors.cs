using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Delight.Numerics;
using Delight.Numerics.Checksums;

namespace Delight.Checkpoints;

/// <summary>
/// Model checkpoints in the safetensors format (https://github.com/huggingface/safetensors), readable by
/// <c>safetensors.torch.load_file</c>. Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
/// (padded with spaces to a multiple of 8) mapping each tensor name to <c>{"dtype","shape","data_offsets"}</c>, plus
/// an optional <c>__metadata__</c> object of strings; then the little-endian data section, tensors contiguous in the
/// order of <see cref="ParameterSet.Parameters"/>. See docs/checkpoints.md.
///
/// Guarantees: <see cref="Save"/> writes a temporary file in the same folder, flushes it to disk and renames it over
/// the target, so a crash leaves either the old checkpoint or the new one, never a mix. <see cref="Load"/> validates
/// the whole file against the model and reads every byte before it writes the first parameter, so a bad file never
/// leaves the model half-loaded. Every problem with a file is a <see cref="CheckpointException"/>.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reserved header key of the string-to-string metadata object.</summary>
    public const string MetadataKey = "__metadata__";
    /// <summary>Largest JSON header accepted (the limit of the reference implementation).</summary>
    public const long MaxHeaderLength = 100_000_000;
    /// <summary>
    /// The metadata key under which <see cref="Save"/> records the CRC-32C of the data section (8 lowercase hex
    /// digits); <see cref="Load"/> and <see cref="ReadTensors"/> verify it when present (older files have none).
    /// </summary>
    public const string ChecksumKey = "crc32c";
    /// <summary>The only element type Delight reads and writes.</summary>
    public const string F32 = "F32";

    const int HeaderAlignment = 8;
    const int ChunkFloats = 4096;

    /// <summary>
    /// Writes every parameter of <paramref name="parameters"/> (F32, in declaration order) and
    /// <paramref name="metadata"/> to <paramref name="path"/>, atomically replacing any existing file.
    /// </summary>
    /// <exception cref="CheckpointException">The folder does not exist, the path is a folder, or writing failed;
    /// no temporary file is left behind.</exception>
    public static void Save(string path, ParameterSet parameters, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!parameters.IsAllocated)
            throw new InvalidOperationException($"Cannot save '{path}': the parameter set is not allocated yet; call Allocate() first.");
        foreach (var p in parameters.Parameters)
            if (p.Name == MetadataKey)
                throw new ArgumentException($"A parameter is named '{MetadataKey}', which safetensors reserves for metadata; rename it.", nameof(parameters));
        foreach (var (key, value) in metadata)
            if (value is null) throw new ArgumentException($"Metadata '{key}' is null; safetensors metadata values must be strings.", nameof(metadata));
        if (metadata.ContainsKey(ChecksumKey))
            throw new ArgumentException($"Metadata '{ChecksumKey}' is reserved for the data checksum Save writes itself; rename it.", nameof(metadata));

        string fullPath;
        try { fullPath = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointException(path, $"is not a valid file path ({e.Message}); choose another path.", e);
        }
        var folder = Path.GetDirectoryName(fullPath);
        if (folder is not null && !Directory.Exists(folder))
            throw new CheckpointException(path, $"cannot be saved because the folder '{folder}' does not exist; create it first or save to an existing folder.");

        var header = BuildHeader(parameters, new Dictionary<string, string>(metadata) { [ChecksumKey] = DataChecksum(parameters).ToString("x8", System.Globalization.CultureInfo.InvariantCulture) });
        var temp = $"{path}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var p in parameters.Parameters) WriteLittleEndian(stream, p.Value);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
            {
                if (Directory.Exists(path))
                    throw new CheckpointException(path, "is a folder; give a file path for the checkpoint, e.g. 'policy.safetensors' inside it.", e);
                throw new CheckpointException(path, $"could not be written ({e.Message}); check free disk space and write permission, or choose another path.", e);
            }
            throw;
        }
    }

    /// <summary>
    /// Reads and validates the header: structure, dtypes' sizes against shapes, and that the data section is exactly
    /// covered by the tensors (no gaps, no overlaps, not truncated, nothing trailing). Any dtype is accepted here.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable or not a valid safetensors file.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = Open(path);
        return ReadHeader(stream, path);
    }

    /// <summary>
    /// Reads every tensor of an F32 file (name → shape and values, in data-section order), with the same validation
    /// as <see cref="Load"/> except the comparison with a model. For tools and tests.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable, invalid, or holds a non-F32 tensor.</exception>
    public static IReadOnlyDictionary<string, SafeTensor> ReadTensors(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        RequireF32(header, path);
        var result = new Dictionary<string, SafeTensor>(header.Tensors.Count, StringComparer.Ordinal);
        var crc = ~0u;
        foreach (var entry in header.Tensors)
            result.Add(entry.Name, new SafeTensor(entry.Shape, ReadValues(stream, header, entry, path, ref crc)));
        VerifyChecksum(header, ~crc, path);
        return result;
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="parameters"/> and returns its metadata. The file must hold exactly the
    /// model's tensor names, each F32 with the model's shape. Everything is validated and read before the first
    /// parameter is written: when this throws, the parameters are unchanged.
    /// </summary>
    /// <param name="requireFinite">Refuse NaN and ±∞ values, naming the tensor (a policy's weights must be finite;
    /// false only for tools that copy arbitrary bits).</param>
    /// <returns>The metadata Save was given (the checksum it added is verified and left out).</returns>
    /// <exception cref="CheckpointException">The file is missing, unreadable, invalid, damaged (its CRC-32C does not
    /// match), holds a non-finite value, or does not match the model.</exception>
    public static IReadOnlyDictionary<string, string> Load(string path, ParameterSet parameters, bool requireFinite = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.IsAllocated)
            throw new InvalidOperationException($"Cannot load '{path}': the parameter set is not allocated yet; call Allocate() first.");

        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        RequireF32(header, path);

        var entries = new Dictionary<string, SafeTensorsEntry>(header.Tensors.Count, StringComparer.Ordinal);
        foreach (var entry in header.Tensors) entries.Add(entry.Name, entry);
        var modelNames = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var p in parameters.Parameters)
        {
            modelNames.Add(p.Name);
            if (!entries.ContainsKey(p.Name)) missing.Add(p.Name);
        }
        var unexpected = header.Tensors.Where(t => !modelNames.Contains(t.Name)).Select(t => t.Name).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>(2);
            if (missing.Count > 0) parts.Add($"missing {NameList(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected {NameList(unexpected)}");
            throw new CheckpointException(path,
                $"tensor names do not match the model ({string.Join("; ", parts)}); it was saved from a different model{MetadataHint(header.Metadata)}, another policy or other options such as the layer count, so build the model it was saved from.");
        }

        foreach (var p in parameters.Parameters)
        {
            var entry = entries[p.Name];
            if (!entry.Shape.SequenceEqual(p.Shape))
                throw new CheckpointException(path,
                    $"tensor {Quote(p.Name)} has shape {ShapeText(entry.Shape)} but the model expects {ShapeText(p.Shape)}; was it saved with different model options{MetadataHint(header.Metadata)}? Build the model with the options the checkpoint was saved with.");
        }

        // Read everything first (in file order), then commit: an I/O error midway leaves the model untouched.
        var staged = new Dictionary<string, float[]>(header.Tensors.Count, StringComparer.Ordinal);
        var crc = ~0u;
        foreach (var entry in header.Tensors) staged.Add(entry.Name, ReadValues(stream, header, entry, path, ref crc));
        VerifyChecksum(header, ~crc, path);
        if (requireFinite)
            foreach (var entry in header.Tensors) RequireFinite(staged[entry.Name], entry, path);
        foreach (var p in parameters.Parameters) staged[p.Name].CopyTo(p.Value);
        return header.Metadata.ContainsKey(ChecksumKey)
            ? header.Metadata.Where(kv => kv.Key != ChecksumKey).ToDictionary(StringComparer.Ordinal)
            : header.Metadata;
    }

    // ---- writing ----

    static byte[] BuildHeader(ParameterSet parameters, IReadOnlyDictionary<string, string> metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata.Count > 0)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) w.WriteString(key, value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var p in parameters.Parameters)
            {
                var end = offset + 4L * p.Length;
                w.WriteStartObject(p.Name);
                w.WriteString("dtype", F32);
                w.WriteStartArray("shape");
                foreach (var d in p.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(end);
                w.WriteEndArray();
                w.WriteEndObject();
                offset = end;
            }
            w.WriteEndObject();
        }
        var header = new byte[(buffer.WrittenCount + HeaderAlignment - 1) / HeaderAlignment * HeaderAlignment];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>CRC-32C of the data section Save writes: every parameter's little-endian bytes, in order.</summary>
    static uint DataChecksum(ParameterSet parameters)
    {
        var crc = ~0u;
        var chunk = BitConverter.IsLittleEndian ? null : new byte[4 * ChunkFloats];
        foreach (var p in parameters.Parameters)
        {
            ReadOnlySpan<float> values = p.Value;
            if (chunk is null) { crc = Crc32C.Update(crc, MemoryMarshal.AsBytes(values)); continue; }
            for (var i = 0; i < values.Length; i += ChunkFloats)
            {
                var n = Math.Min(ChunkFloats, values.Length - i);
                EncodeLittleEndian(values.Slice(i, n), chunk);
                crc = Crc32C.Update(crc, chunk.AsSpan(0, 4 * n));
            }
        }
        return ~crc;
    }

    static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        var chunk = ArrayPool<byte>.Shared.Rent(4 * ChunkFloats);
        try
        {
            for (var i = 0; i < values.Length; i += ChunkFloats)
            {
                var n = Math.Min(ChunkFloats, values.Length - i);
                EncodeLittleEndian(values.Slice(i, n), chunk);
                stream.Write(chunk, 0, 4 * n);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(chunk); }
    }

    /// <summary>Portable little-endian encoding (correct on any host); the big-endian path of the writer.</summary>
    internal static void EncodeLittleEndian(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(4 * i, 4), values[i]);
    }

    /// <summary>Portable little-endian decoding (correct on any host).</summary>
    internal static void DecodeLittleEndian(ReadOnlySpan<byte> source, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i, 4));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    // ---- reading ----

    static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = e switch
            {
                _ when Directory.Exists(path) => "is a folder, not a file; give the path of the .safetensors file inside it.",
                FileNotFoundException => "does not exist; check the path.",
                DirectoryNotFoundException => "does not exist (nor does its folder); check the path.",
                UnauthorizedAccessException => "cannot be read (permission denied); check the file's permissions.",
                _ => $"cannot be opened ({e.Message}); check the path and that no other program holds it.",
            };
            throw new CheckpointException(path, problem, e);
        }
    }

    static SafeTensorsHeader ReadHeader(FileStream stream, string path)
    {
        try
        {
            return ReadHeaderCore(stream, path);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"could not be read ({e.Message}); check the disk and re-copy the file.", e);
        }
    }

    static SafeTensorsHeader ReadHeaderCore(FileStream stream, string path)
    {
        const string NotSafeTensors = "the file is corrupt or not a safetensors file";
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw new CheckpointException(path, $"is {fileLength} bytes long, too short for a safetensors file (which starts with an 8-byte header length); it is empty or truncated, so re-save or re-copy it.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > MaxHeaderLength)
            throw new CheckpointException(path, $"declares a {declared}-byte JSON header, more than the {MaxHeaderLength}-byte limit; {NotSafeTensors}.");
        if (declared > (ulong)(fileLength - 8))
            throw new CheckpointException(path, $"declares a {declared}-byte JSON header but only {fileLength - 8} bytes follow the 8-byte length; the file is truncated or not a safetensors file, so re-save or re-copy it.");
        var headerLength = (long)declared;
        var dataLength = fileLength - 8 - headerLength;

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        if (!Utf8.IsValid(json))
            throw new CheckpointException(path, $"has a header that is not valid UTF-8; {NotSafeTensors}.");
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"has a header that is not valid JSON ({e.Message}); {NotSafeTensors}.", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, $"has a JSON header that is {Article(root.ValueKind)}, not an object of tensors; {NotSafeTensors}.");

            Dictionary<string, string>? metadata = null;
            var entries = new List<SafeTensorsEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new CheckpointException(path, $"names {(property.Name == MetadataKey ? "'__metadata__'" : "tensor " + Quote(property.Name))} twice in its header; {NotSafeTensors}.");
                if (property.Name == MetadataKey) metadata = ParseMetadata(property.Value, path);
                else entries.Add(ParseEntry(property.Name, property.Value, path));
            }

            // The data section must be covered exactly: sorted by offset, each tensor starts where the previous ended
            // (the reference implementation's rule; it rules out hidden bytes and overlapping tensors).
            var sorted = entries.OrderBy(e => e.Begin).ToList();
            long expected = 0;
            SafeTensorsEntry? previous = null;
            foreach (var entry in sorted)
            {
                if (entry.Begin < expected)
                    throw new CheckpointException(path, $"tensor {Quote(entry.Name)} (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor {Quote(previous!.Name)} (data_offsets [{previous.Begin}, {previous.End}]); {NotSafeTensors}.");
                if (entry.Begin > expected)
                    throw new CheckpointException(path, $"has {entry.Begin - expected} unused bytes before tensor {Quote(entry.Name)} (it starts at {entry.Begin}, the data before it ends at {expected}); safetensors data must be contiguous, so {NotSafeTensors}.");
                expected = entry.End;
                previous = entry;
            }
            if (expected > dataLength)
                throw new CheckpointException(path, $"is truncated: tensor {Quote(previous!.Name)} ends at byte {expected} of the data section but only {dataLength} bytes are present; the save was interrupted or the copy is incomplete, so re-copy or re-save it.");
            if (expected < dataLength)
                throw new CheckpointException(path, $"has {dataLength - expected} bytes after the last tensor's data (the header accounts for {expected} of {dataLength}); {NotSafeTensors}.");

            return new SafeTensorsHeader(
                (IReadOnlyDictionary<string, string>?)metadata ?? new Dictionary<string, string>(StringComparer.Ordinal),
                sorted, headerLength, dataLength);
        }
    }

    static Dictionary<string, string> ParseMetadata(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"has a '{MetadataKey}' that is {Article(element.ValueKind)}, not an object of strings; the file is corrupt or written by a broken tool.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointException(path, $"has metadata {Quote(property.Name)} that is {Article(property.Value.ValueKind)}, not a string; safetensors metadata values must all be strings, so fix the tool that wrote it.");
            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                throw new CheckpointException(path, $"names metadata {Quote(property.Name)} twice; the file is corrupt or written by a broken tool.");
        }
        return metadata;
    }

    static SafeTensorsEntry ParseEntry(string name, JsonElement element, string path)
    {
        const string Broken = "the file is corrupt or written by a broken tool";
        var q = Quote(name);
        if (element.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"has header entry {q} that is {Article(element.ValueKind)}, not an object with dtype, shape and data_offsets; {Broken}.");
        JsonElement Required(string key) => element.TryGetProperty(key, out var value) ? value
            : throw new CheckpointException(path, $"tensor {q} has no '{key}'; every tensor entry needs dtype, shape and data_offsets, so {Broken}.");

        var dtypeElement = Required("dtype");
        var shapeElement = Required("shape");
        var offsetsElement = Required("data_offsets");

        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointException(path, $"tensor {q} has a 'dtype' that is {Article(dtypeElement.ValueKind)}, not a string such as \"F32\"; {Broken}.");
        var dtype = dtypeElement.GetString()!;

        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointException(path, $"tensor {q} has a 'shape' that is {Article(shapeElement.ValueKind)}, not an array of dimensions; {Broken}.");
        var shape = new int[shapeElement.GetArrayLength()];
        var elementCount = 1L;
        var i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0 || dim > int.MaxValue)
                throw new CheckpointException(path, $"tensor {q} has shape {Truncate(shapeElement.GetRawText())} whose dimension {i} is not a non-negative integer; {Broken}.");
            shape[i++] = (int)dim;
            try { elementCount = checked(elementCount * dim); }
            catch (OverflowException)
            {
                throw new CheckpointException(path, $"tensor {q} has shape {shapeElement.GetRawText()}, too many elements to address; {Broken}.");
            }
        }

        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
            throw new CheckpointException(path, $"tensor {q} has data_offsets {Truncate(offsetsElement.GetRawText())}, not a pair [begin, end]; {Broken}.");
        var offsets = new long[2];
        var k = 0;
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out offsets[k]) || offsets[k] < 0)
                throw new CheckpointException(path, $"tensor {q} has data_offsets {Truncate(offsetsElement.GetRawText())}; both must be non-negative integers, so {Broken}.");
            k++;
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw new CheckpointException(path, $"tensor {q} has data_offsets [{begin}, {end}] that end before they begin; {Broken}.");

        if (ElementSize(dtype) is { } size)
        {
            var needed = elementCount > long.MaxValue / size ? long.MaxValue : elementCount * size;
            if (end - begin != needed)
                throw new CheckpointException(path, $"tensor {q} has data_offsets [{begin}, {end}] ({end - begin} bytes) but shape {ShapeText(shape)} of {dtype} needs {needed} bytes; {Broken}.");
        }
        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    /// <summary>Bytes per element of the whole-byte safetensors dtypes; null for others (sub-byte or unknown).</summary>
    static int? ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "U16" or "I16" or "F16" or "BF16" => 2,
        "U32" or "I32" or "F32" => 4,
        "U64" or "I64" or "F64" or "C64" => 8,
        _ => null,
    };

    static void RequireF32(SafeTensorsHeader header, string path)
    {
        var others = header.Tensors.Where(t => t.Dtype != F32).ToList();
        if (others.Count == 0) return;
        var first = others[0];
        var more = others.Count > 1 ? $" ({others.Count - 1} other tensor{(others.Count == 2 ? "" : "s")} not F32 either)" : "";
        throw new CheckpointException(path,
            $"tensor {Quote(first.Name)} has dtype {Truncate(first.Dtype)}{more} but Delight only reads F32; convert the file to float32 first (in PyTorch: save_file({{k: v.float() for k, v in load_file(src).items()}}, dst)).");
    }

    /// <summary>Compares the data section's CRC-32C with the one in the metadata, when the file records one.</summary>
    static void VerifyChecksum(SafeTensorsHeader header, uint actual, string path)
    {
        if (!header.Metadata.TryGetValue(ChecksumKey, out var recorded)) return; // written before checksums, or by another tool
        if (recorded.Length != 8 || !uint.TryParse(recorded, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var expected))
            throw new CheckpointException(path, $"has metadata '{ChecksumKey}' = {Quote(recorded)}, not 8 hex digits; the header is damaged, so re-copy or re-save the file.");
        if (actual != expected)
            throw new CheckpointException(path, $"has a data section whose CRC-32C is {actual:x8}, but its header records {expected:x8}: the tensors were damaged after saving (a flipped bit, a bad copy); re-copy the file or use another checkpoint.");
    }

    /// <summary>NaN or ±∞ in a weight makes every later forward pass meaningless: refuse it with the tensor's name.</summary>
    static void RequireFinite(float[] values, SafeTensorsEntry entry, string path)
    {
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new CheckpointException(path, $"tensor {Quote(entry.Name)} holds {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at index {i}; a policy with non-finite weights cannot be used (the run that saved it had diverged), so use an earlier checkpoint.");
    }

    static float[] ReadValues(FileStream stream, SafeTensorsHeader header, SafeTensorsEntry entry, string path, ref uint crc)
    {
        var count = entry.ElementCount;
        if (count > Array.MaxLength)
            throw new CheckpointException(path, $"tensor {Quote(entry.Name)} has {count} elements, more than Delight can hold in one tensor.");
        var values = new float[count];
        try
        {
            stream.Position = header.DataStart + entry.Begin;
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            crc = Crc32C.Update(crc, MemoryMarshal.AsBytes(values.AsSpan())); // the file's bytes, before any byte swap
        }
        catch (EndOfStreamException e)
        {
            throw new CheckpointException(path, $"ended while reading tensor {Quote(entry.Name)}; the file changed or was truncated while loading, so re-copy or re-save it.", e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"could not be read ({e.Message}); check the disk and re-copy the file.", e);
        }
        if (!BitConverter.IsLittleEndian)
        {
            var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        return values;
    }

    // ---- message helpers (every message is one line) ----

    internal static string ShapeText(IReadOnlyList<int> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>A name in single quotes, control characters escaped, very long names shortened.</summary>
    internal static string Quote(string name)
    {
        var builder = new StringBuilder(name.Length + 2).Append('\'');
        foreach (var c in Truncate(name))
        {
            if (char.IsControl(c)) builder.Append($"\\u{(int)c:x4}");
            else builder.Append(c);
        }
        return builder.Append('\'').ToString();
    }

    static string Truncate(string text, int max = 120) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    static string NameList(List<string> names, int max = 8)
    {
        var shown = string.Join(", ", names.Take(max).Select(Quote));
        return names.Count > max ? $"{shown} and {names.Count - max} more" : shown;
    }

    static string MetadataHint(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.Count == 0) return "";
        var pairs = string.Join(", ", metadata.Where(kv => kv.Key != ChecksumKey).Take(12).Select(kv => $"{Truncate(kv.Key, 40)}={Truncate(kv.Value, 40)}"));
        return $" (its metadata: {pairs}{(metadata.Count > 12 ? ", …" : "")})";
    }

    static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };
}
