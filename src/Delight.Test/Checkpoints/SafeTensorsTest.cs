using Delight.Numerics.Checksums;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Delight.Checkpoints;
using Delight.Numerics;

namespace Delight.Test.Checkpoints;

/// <summary>safetensors checkpoints: byte layout, round trips, hand-built files, and every validation error.</summary>
public sealed class SafeTensorsTest : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "delight-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTest() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    static readonly Dictionary<string, string> NoMetadata = [];

    // ---- helpers ----

    static ParameterSet Model(params (string Name, int[] Shape)[] tensors)
    {
        var p = new ParameterSet();
        foreach (var (name, shape) in tensors) p.Add(name, shape);
        p.Allocate();
        return p;
    }

    /// <summary>The model of the hand-built files: a [2], b [2, 2].</summary>
    static ParameterSet SmallModel(float fill = 7f)
    {
        var p = Model(("a", [2]), ("b", [2, 2]));
        foreach (var t in p.Parameters) t.Value.Fill(fill);
        return p;
    }

    static byte[] F32(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>A safetensors file built by hand: length prefix (the JSON's byte count unless overridden), JSON, data.</summary>
    static byte[] Build(string json, byte[] data, ulong? declaredLength = null) => Build(Encoding.UTF8.GetBytes(json), data, declaredLength);

    static byte[] Build(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static uint[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, uint>(values).ToArray();

    const string ValidJson = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}""";
    static byte[] ValidData => F32(1, 2, 3, 4, 5, 6);

    // ---- round trip and layout ----

    [Fact]
    public void SafeTensorsTest_Save_RoundTripIsBitExact()
    {
        (string, int[])[] layout = [("tok_emb.weight", [3, 5]), ("blocks.0.ln1.bias", [7]), ("cube", [2, 3, 4]), ("scalarish", [1])];
        var source = Model(layout);
        var rng = new Random(5);
        foreach (var p in source.Parameters)
            for (var i = 0; i < p.Length; i++) p.Value[i] = (float)(rng.NextDouble() * 4 - 2);
        float[] special = [BitConverter.Int32BitsToSingle(0x7FC00123), -0f, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 1e-38f];
        special.CopyTo(source["cube"].Value);
        var metadata = new Dictionary<string, string>
        {
            ["policy"] = "transformer",
            ["ln_eps"] = "1E-05",
            ["note"] = "héllo \"quoted\" + <tag> & 日本",
            ["empty"] = "",
        };
        var path = Path.Combine(_folder, "policy.safetensors");

        SafeTensors.Save(path, source, metadata);
        var target = Model(layout);
        var loaded = SafeTensors.Load(path, target, requireFinite: false); // the special values include NaN and ±∞

        foreach (var p in source.Parameters)
            Assert.Equal(Bits(p.Value), Bits(target[p.Name].Value));
        Assert.Equal(metadata, loaded);
        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(layout.Select(t => t.Item1), header.Tensors.Select(t => t.Name));
        long offset = 0;
        foreach (var t in header.Tensors)
        {
            Assert.Equal("F32", t.Dtype);
            Assert.Equal(source[t.Name].Shape, t.Shape);
            Assert.Equal(offset, t.Begin);
            offset = t.End;
        }
        // Arena padding between tensors is not written: the data section is exactly the trainable floats.
        Assert.Equal(4L * source.Count, header.DataLength);
        Assert.Equal(8 + header.HeaderLength + 4L * source.Count, new FileInfo(path).Length);
        var tensors = SafeTensors.ReadTensors(path);
        Assert.Equal(layout.Select(t => t.Item1), tensors.Keys);
        Assert.Equal(Bits(source["cube"].Value), Bits(tensors["cube"].Values));
    }

    [Fact]
    public void SafeTensorsTest_Save_ExactByteLayout()
    {
        var p = Model(("a", [2]));
        p["a"].Value[0] = 1f;
        p["a"].Value[1] = 2f;
        var path = Path.Combine(_folder, "tiny.safetensors");

        SafeTensors.Save(path, p, NoMetadata);

        var bytes = File.ReadAllBytes(path);
        // The metadata holds only the CRC-32C of the data section: the 8 bytes of 1f and 2f, little-endian.
        var crc = Crc32C.Compute([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]).ToString("x8");
        var json = "{\"__metadata__\":{\"crc32c\":\"" + crc + "\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Assert.Equal(91, json.Length);
        Assert.Equal(8 + 96 + 8, bytes.Length);
        Assert.Equal([96, 0, 0, 0, 0, 0, 0, 0], bytes[..8]);
        Assert.Equal(json + "     ", Encoding.UTF8.GetString(bytes, 8, 96));
        using (var doc = JsonDocument.Parse(bytes.AsMemory(8, 96)))
        {
            var a = doc.RootElement.GetProperty("a");
            Assert.Equal(2, doc.RootElement.EnumerateObject().Count());
            Assert.Equal("F32", a.GetProperty("dtype").GetString());
            Assert.Equal([2], a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal([0, 8], a.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        }
        Assert.Equal([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40], bytes[104..]);
    }

    [Fact]
    public void SafeTensorsTest_Save_MetadataWrittenAsStringObject()
    {
        var p = Model(("a", [1]));
        var path = Path.Combine(_folder, "meta.safetensors");
        SafeTensors.Save(path, p, new Dictionary<string, string> { ["policy"] = "tabular", ["contexts"] = "4" });

        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, n));
        var meta = doc.RootElement.GetProperty("__metadata__");
        Assert.Equal("tabular", meta.GetProperty("policy").GetString());
        Assert.Equal("4", meta.GetProperty("contexts").GetString());
    }

    [Fact]
    public void SafeTensorsTest_Save_HeaderPaddedToMultipleOf8()
    {
        for (var nameLength = 1; nameLength <= 17; nameLength++)
        {
            var p = Model((new string('w', nameLength), [3]));
            var path = Path.Combine(_folder, $"pad{nameLength}.safetensors");
            SafeTensors.Save(path, p, NoMetadata);

            var bytes = File.ReadAllBytes(path);
            var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, n % 8);
            var text = Encoding.UTF8.GetString(bytes, 8, n);
            var trimmed = text.TrimEnd(' ');
            Assert.EndsWith("}", trimmed);
            Assert.True(n - trimmed.Length < 8, $"padding of {n - trimmed.Length} spaces for name length {nameLength}");
            Assert.Equal(8 + n + 12, bytes.Length);
        }
    }

    [Fact]
    public void SafeTensorsTest_Encode_PortablePathMatchesHostLayout()
    {
        float[] values = [1f, 2f, -0f, BitConverter.Int32BitsToSingle(0x7FC00123), float.Epsilon];
        var portable = new byte[4 * values.Length];
        SafeTensors.EncodeLittleEndian(values, portable);
        Assert.Equal([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x80, 0x23, 0x01, 0xC0, 0x7F, 0x01, 0x00, 0x00, 0x00], portable);
        if (BitConverter.IsLittleEndian) Assert.Equal(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), portable);
        var decoded = new float[values.Length];
        SafeTensors.DecodeLittleEndian(portable, decoded);
        Assert.Equal(Bits(values), Bits(decoded));
    }

    // ---- files written by someone else ----

    /// <summary>
    /// Written by hand: spaces and newlines in the JSON, keys in another order than the model (b before a, metadata
    /// in the middle, data_offsets before dtype), b's data stored first, and a header length not a multiple of 8.
    /// </summary>
    static byte[] HandWritten() => Build(
        "{ \"b\" : { \"data_offsets\" : [ 0 , 16 ], \"shape\" : [ 2 , 2 ], \"dtype\" : \"F32\" },\n" +
        "  \"__metadata__\" : { \"policy\" : \"test\", \"format\" : \"pt\" },\n" +
        "  \"a\" : { \"shape\":[2], \"dtype\":\"F32\", \"data_offsets\":[16,24] } }   ",
        [.. F32(0.25f, 3f, -0f, 1e-3f), .. F32(1.5f, -2f)]);

    [Fact]
    public void SafeTensorsTest_Load_HandWrittenFile()
    {
        var path = WriteFile("hand.safetensors", HandWritten());
        var model = SmallModel();

        var metadata = SafeTensors.Load(path, model);

        Assert.Equal([1.5f, -2f], model["a"].Value.ToArray());
        Assert.Equal(Bits([0.25f, 3f, -0f, 1e-3f]), Bits(model["b"].Value));
        Assert.Equal(new Dictionary<string, string> { ["policy"] = "test", ["format"] = "pt" }, metadata);
    }

    [Fact]
    public void SafeTensorsTest_ReadHeader_HandWrittenFile()
    {
        var bytes = HandWritten();
        var path = WriteFile("hand.safetensors", bytes);

        var header = SafeTensors.ReadHeader(path);

        Assert.Equal(["b", "a"], header.Tensors.Select(t => t.Name)); // data-section order
        Assert.Equal(new SafeTensorsEntry("b", "F32", header.Tensors[0].Shape, 0, 16), header.Tensors[0]);
        Assert.Equal([2, 2], header.Tensors[0].Shape);
        Assert.Equal([2], header.Tensors[1].Shape);
        Assert.Equal((16L, 24L), (header.Tensors[1].Begin, header.Tensors[1].End));
        Assert.Equal(4, header.Tensors[0].ElementCount);
        Assert.Equal("test", header.Metadata["policy"]);
        Assert.Equal(24, header.DataLength);
        Assert.Equal(bytes.Length - 24, header.DataStart);
    }

    [Fact]
    public void SafeTensorsTest_ReadTensors_HandWrittenFile()
    {
        var path = WriteFile("hand.safetensors", HandWritten());

        var tensors = SafeTensors.ReadTensors(path);

        Assert.Equal(["b", "a"], tensors.Keys);
        Assert.Equal([2], tensors["a"].Shape);
        Assert.Equal([1.5f, -2f], tensors["a"].Values);
        Assert.Equal([2, 2], tensors["b"].Shape);
        Assert.Equal(Bits([0.25f, 3f, -0f, 1e-3f]), Bits(tensors["b"].Values));
    }

    [Fact]
    public void SafeTensorsTest_ReadHeader_AcceptsOtherDtypesAndEmptyTensors()
    {
        var path = WriteFile("mixed.safetensors", Build(
            """{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[6,6]},"s":{"dtype":"I64","shape":[],"data_offsets":[6,14]}}""",
            new byte[14]));

        var header = SafeTensors.ReadHeader(path);

        Assert.Equal(["h", "e", "s"], header.Tensors.Select(t => t.Name));
        Assert.Equal(0, header.Tensors[1].ElementCount);
        Assert.Equal(1, header.Tensors[2].ElementCount);
        Assert.Empty(header.Metadata);
    }

    // ---- validation ----

    public enum Level { Header, Dtype, Model }

    public static TheoryData<string> ErrorCases =>
    [
        "empty", "short", "header_longer_than_file", "header_over_limit", "invalid_json", "invalid_utf8", "root_array",
        "metadata_not_object", "metadata_value_number", "entry_not_object", "missing_dtype", "missing_shape",
        "missing_data_offsets", "dtype_not_string", "negative_dimension", "fractional_offset", "offsets_not_pair",
        "offsets_reversed", "offsets_inconsistent_with_shape", "truncated", "trailing_bytes", "gap", "overlap",
        "duplicate_name", "dtype_f16", "dtype_bf16_all", "missing_tensor", "unexpected_tensor",
        "missing_and_unexpected", "shape_mismatch",
    ];

    static (byte[] Bytes, Level Level, string[] Expected) ErrorCase(string name)
    {
        const string b = """ "b":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}""";
        var data = ValidData;
        return name switch
        {
            "empty" => ([], Level.Header, ["0 bytes", "too short"]),
            "short" => ([1, 2, 3, 4, 5], Level.Header, ["5 bytes", "too short"]),
            "header_longer_than_file" => (Build("{}", new byte[10], declaredLength: 1000), Level.Header, ["1000-byte JSON header", "only 12 bytes", "truncated"]),
            "header_over_limit" => (Build("{}", [], declaredLength: 100_000_001), Level.Header, ["100000001-byte JSON header", "limit"]),
            "invalid_json" => (Build("""{"a":{"dtype":"F32",""", data), Level.Header, ["not valid JSON"]),
            "invalid_utf8" => (Build([0x7B, 0xFF, 0x7D], data), Level.Header, ["not valid UTF-8"]),
            "root_array" => (Build("[1,2]", data), Level.Header, ["an array", "not an object"]),
            "metadata_not_object" => (Build("""{"__metadata__":["x"],""" + ValidJson[1..], data), Level.Header, ["'__metadata__'", "an array"]),
            "metadata_value_number" => (Build("""{"__metadata__":{"vocab":3},""" + ValidJson[1..], data), Level.Header, ["metadata 'vocab'", "a number", "must all be strings"]),
            "entry_not_object" => (Build("""{"a":5,""" + b + "}", data), Level.Header, ["entry 'a'", "a number"]),
            "missing_dtype" => (Build("""{"a":{"shape":[2],"data_offsets":[0,8]},""" + b + "}", data), Level.Header, ["tensor 'a' has no 'dtype'"]),
            "missing_shape" => (Build("""{"a":{"dtype":"F32","data_offsets":[0,8]},""" + b + "}", data), Level.Header, ["tensor 'a' has no 'shape'"]),
            "missing_data_offsets" => (Build("""{"a":{"dtype":"F32","shape":[2]},""" + b + "}", data), Level.Header, ["tensor 'a' has no 'data_offsets'"]),
            "dtype_not_string" => (Build("""{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]},""" + b + "}", data), Level.Header, ["tensor 'a'", "'dtype'", "a number"]),
            "negative_dimension" => (Build("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]},""" + b + "}", data), Level.Header, ["tensor 'a'", "shape [-2]", "dimension 0"]),
            "fractional_offset" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]},""" + b + "}", data), Level.Header, ["tensor 'a'", "data_offsets [0,8.5]", "non-negative integers"]),
            "offsets_not_pair" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]},""" + b + "}", data), Level.Header, ["tensor 'a'", "not a pair"]),
            "offsets_reversed" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]},""" + b + "}", data), Level.Header, ["tensor 'a'", "[8, 0]", "end before they begin"]),
            "offsets_inconsistent_with_shape" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}}""", data[..20]), Level.Header, ["tensor 'a'", "(4 bytes)", "shape [2] of F32 needs 8 bytes"]),
            "truncated" => (Build(ValidJson, data[..20]), Level.Header, ["truncated", "tensor 'b' ends at byte 24", "only 20 bytes"]),
            "trailing_bytes" => (Build(ValidJson, [.. data, 0, 0, 0, 0]), Level.Header, ["4 bytes after the last tensor"]),
            "gap" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[12,28]}}""", [.. data, 0, 0, 0, 0]), Level.Header, ["4 unused bytes before tensor 'b'", "contiguous"]),
            "overlap" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}}""", data[..20]), Level.Header, ["tensor 'b'", "overlaps tensor 'a'"]),
            "duplicate_name" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", data[..16]), Level.Header, ["tensor 'a' twice"]),
            "dtype_f16" => (Build("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]}}""", data[..20]), Level.Dtype, ["tensor 'a' has dtype F16", "Delight only reads F32"]),
            "dtype_bf16_all" => (Build("""{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[4,12]}}""", data[..12]), Level.Dtype, ["tensor 'a' has dtype BF16", "1 other tensor not F32 either", "only reads F32"]),
            "missing_tensor" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", data[..8]), Level.Model, ["missing 'b'"]),
            "unexpected_tensor" => (Build(ValidJson[..^1] + ""","c":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},"d":{"dtype":"F32","shape":[1],"data_offsets":[28,32]}}""", [.. data, .. F32(9, 9)]), Level.Model, ["unexpected 'c', 'd'"]),
            "missing_and_unexpected" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"c":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}""", data), Level.Model, ["missing 'b'", "unexpected 'c'"]),
            "shape_mismatch" => (Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", data), Level.Model, ["tensor 'b' has shape [4] but the model expects [2, 2]"]),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    static void AssertCheckpointError(CheckpointException e, string path, IEnumerable<string> expected)
    {
        Assert.StartsWith($"checkpoint '{path}': ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(path, e.Path);
        foreach (var fragment in expected) Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void SafeTensorsTest_Load_InvalidFile_ThrowsAndLeavesParametersUnchanged(string name)
    {
        var (bytes, level, expected) = ErrorCase(name);
        var path = WriteFile(name + ".safetensors", bytes);
        var model = SmallModel(fill: 7f);

        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path, model));

        AssertCheckpointError(e, path, expected);
        Assert.All(model.Parameters, p => Assert.All(p.Value.ToArray(), v => Assert.Equal(7f, v)));
        if (level == Level.Header)
            AssertCheckpointError(Assert.Throws<CheckpointException>(() => SafeTensors.ReadHeader(path)), path, expected);
        else
            SafeTensors.ReadHeader(path);
        if (level <= Level.Dtype)
            AssertCheckpointError(Assert.Throws<CheckpointException>(() => SafeTensors.ReadTensors(path)), path, expected);
        else
            SafeTensors.ReadTensors(path);
    }

    [Fact]
    public void SafeTensorsTest_Load_ShapeMismatch_NamesBothShapesAndMetadata()
    {
        var path = Path.Combine(_folder, "vocab3.safetensors");
        SafeTensors.Save(path, Model(("tok_emb.weight", [3, 64]), ("head.weight", [3, 64])),
            new Dictionary<string, string> { ["policy"] = "transformer", ["vocab"] = "3", ["width"] = "64" });
        var model = Model(("tok_emb.weight", [2, 64]), ("head.weight", [2, 64]));

        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path, model));

        AssertCheckpointError(e, path, ["tensor 'tok_emb.weight' has shape [3, 64] but the model expects [2, 64]", "vocab=3", "options"]);
    }

    [Fact]
    public void SafeTensorsTest_Load_MissingFile_ClearError()
    {
        var path = Path.Combine(_folder, "nope.safetensors");
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Load(path, SmallModel()));
        AssertCheckpointError(e, path, ["does not exist"]);
        Assert.IsType<FileNotFoundException>(e.InnerException);
    }

    [Fact]
    public void SafeTensorsTest_Load_Folder_ClearError()
    {
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.ReadHeader(_folder));
        AssertCheckpointError(e, _folder, ["is a folder"]);
    }

    [Fact]
    public void SafeTensorsTest_Load_ControlCharactersInNamesStayOnOneLine()
    {
        var path = WriteFile("evil.safetensors", Build("""{"a\nb":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}""", new byte[2]));
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.ReadTensors(path));
        AssertCheckpointError(e, path, ["tensor 'a\\u000ab' has dtype F16"]);
    }

    // ---- saving ----

    [Fact]
    public void SafeTensorsTest_Save_OverwritesExistingAndLeavesNoTempFiles()
    {
        var path = Path.Combine(_folder, "policy.safetensors");
        var first = SmallModel(fill: 1f);
        var second = Model(("a", [2]), ("b", [2, 2]), ("c", [3]));
        foreach (var p in second.Parameters) p.Value.Fill(2f);

        SafeTensors.Save(path, first, new Dictionary<string, string> { ["version"] = "1" });
        SafeTensors.Save(path, second, new Dictionary<string, string> { ["version"] = "2" });

        Assert.Equal([path], Directory.GetFiles(_folder));
        var tensors = SafeTensors.ReadTensors(path);
        Assert.Equal(["a", "b", "c"], tensors.Keys);
        Assert.All(tensors.Values, t => Assert.All(t.Values, v => Assert.Equal(2f, v)));
        Assert.Equal("2", SafeTensors.ReadHeader(path).Metadata["version"]);
    }

    [Fact]
    public void SafeTensorsTest_Save_MissingFolder_ClearErrorNothingCreated()
    {
        var missing = Path.Combine(_folder, "missing");
        var path = Path.Combine(missing, "sub", "policy.safetensors");

        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Save(path, SmallModel(), NoMetadata));

        AssertCheckpointError(e, path, ["does not exist", "create it first"]);
        Assert.False(Directory.Exists(missing));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void SafeTensorsTest_Save_OverFolder_ClearErrorTempFileDeleted()
    {
        var path = Path.Combine(_folder, "run");
        Directory.CreateDirectory(Path.Combine(path, "inner"));

        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Save(path, SmallModel(), NoMetadata));

        AssertCheckpointError(e, path, ["is a folder"]);
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
        Assert.Equal([Path.Combine(path, "inner")], Directory.GetFileSystemEntries(path));
    }

    [Fact]
    public void SafeTensorsTest_Save_ReservedMetadataName_Throws()
    {
        var p = Model(("__metadata__", [1]));
        Assert.ThrowsAny<ArgumentException>(() => SafeTensors.Save(Path.Combine(_folder, "x.safetensors"), p, NoMetadata));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void SafeTensorsTest_Save_EmptyParameterSet_RoundTrips()
    {
        var path = Path.Combine(_folder, "empty.safetensors");
        SafeTensors.Save(path, Model(), new Dictionary<string, string> { ["policy"] = "none" });
        var header = SafeTensors.ReadHeader(path);
        Assert.Empty(header.Tensors);
        Assert.Equal("none", header.Metadata["policy"]);
        Assert.Equal(0, header.DataLength);
    }
}
