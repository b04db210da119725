using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Delight.Numerics;

/// <summary>
/// The nonzero entries of a row-major [rows, columns] matrix, row by row (compressed sparse rows): row r's entries are
/// <see cref="Indices"/> and <see cref="Values"/> from <see cref="Starts"/>[r] to <see cref="Starts"/>[r + 1], columns
/// ascending. Made for inputs that are mostly zeros, like MNIST's images (about 19 % of pixels lit): a layer that
/// reads them through <see cref="SparseGemm"/> skips the multiply-adds of the zeros.
/// <para>
/// The capacity is fixed at construction (a maximum density times the largest matrix), so compressing never
/// allocates; a matrix with more nonzeros than that is refused and should go through the dense GEMM.
/// </para>
/// </summary>
public sealed class SparseRows
{
    readonly int[] _starts;
    readonly int[] _indices;
    readonly float[] _values;

    /// <param name="maxRows">most rows a compressed matrix may have</param>
    /// <param name="columnCount">columns of every compressed matrix</param>
    /// <param name="maxDensity">fraction of nonzero entries, in (0, 1], up to which a matrix is compressed</param>
    public SparseRows(int maxRows, int columnCount, double maxDensity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columnCount, 1);
        if (!(maxDensity > 0 && maxDensity <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxDensity), $"max density {maxDensity} must be in (0, 1].");
        ColumnCount = columnCount;
        Capacity = (int)Math.Min(int.MaxValue, Math.Ceiling((long)maxRows * columnCount * maxDensity));
        _starts = new int[maxRows + 1];
        // One vector of slack: the AVX-512 path stores a whole compressed vector, of which only the lit lanes count.
        _indices = new int[Capacity + 16];
        _values = new float[Capacity + 16];
    }

    public int ColumnCount { get; }

    /// <summary>Most nonzero entries a compressed matrix may hold.</summary>
    public int Capacity { get; }

    /// <summary>Rows of the matrix last compressed; 0 when none is held (never compressed, or refused).</summary>
    public int RowCount { get; private set; }

    public int NonzeroCount => _starts[RowCount];

    /// <summary>Row r's entries run from Starts[r] to Starts[r + 1] (length <see cref="RowCount"/> + 1).</summary>
    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, RowCount + 1);

    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, NonzeroCount);

    public ReadOnlySpan<float> Values => _values.AsSpan(0, NonzeroCount);

    /// <summary>
    /// Compresses <paramref name="rowCount"/> rows of <paramref name="matrix"/> ([rows, <see cref="ColumnCount"/>]).
    /// Entries equal to zero (+0 or −0) are dropped; every other value, NaN and infinities included, is kept. Returns
    /// false, and holds no matrix, when there are more nonzero entries than <see cref="Capacity"/>.
    /// </summary>
    public bool TryCompress(ReadOnlySpan<float> matrix, int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 0);
        if (rowCount > _starts.Length - 1)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} exceed the {_starts.Length - 1} this SparseRows was made for.");
        if (matrix.Length < (long)rowCount * ColumnCount)
            throw new ArgumentException($"matrix holds {matrix.Length} floats, fewer than rows·columns = {(long)rowCount * ColumnCount}.", nameof(matrix));
        RowCount = 0;
        var count = 0;
        for (var r = 0; r < rowCount; r++)
        {
            _starts[r] = count;
            count = CompressRow(matrix.Slice(r * ColumnCount, ColumnCount), count);
            if (count < 0)
            {
                _starts[0] = 0;
                return false;
            }
        }
        _starts[rowCount] = count;
        RowCount = rowCount;
        return true;
    }

    /// <summary>Appends one row's nonzero entries from position <paramref name="count"/>; returns the new count, or −1 when full.</summary>
    unsafe int CompressRow(ReadOnlySpan<float> row, int count)
    {
        var c = 0;
        if (Avx512F.IsSupported)
        {
            // Each block of 16: the lit lanes' values and column numbers packed to the front of a vector (vcompressps)
            // and stored whole; the count then advances past the lit ones only. No branch per entry.
            fixed (float* source = row, values = _values)
            fixed (int* indices = _indices)
            {
                var columns = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                for (; c <= row.Length - 16; c += 16, columns += Vector512.Create(16))
                {
                    var v = Vector512.Load(source + c);
                    var lit = ~Vector512.Equals(v, Vector512<float>.Zero);
                    var litCount = BitOperations.PopCount(lit.ExtractMostSignificantBits());
                    if (litCount == 0) continue;
                    if (count + litCount > Capacity) return -1;
                    Avx512F.Compress(Vector512<float>.Zero, lit, v).Store(values + count);
                    Avx512F.Compress(Vector512<int>.Zero, lit.AsInt32(), columns).Store(indices + count);
                    count += litCount;
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            // A block of zeros costs one compare; a lit block one bit scan per nonzero entry.
            ref var start = ref MemoryMarshal.GetReference(row);
            for (; c <= row.Length - 8; c += 8)
            {
                var lit = ~Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)c), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                if (lit == 0) continue;
                if (count + BitOperations.PopCount(lit) > Capacity) return -1;
                for (; lit != 0; lit &= lit - 1) count = Append(c + BitOperations.TrailingZeroCount(lit), row, count);
            }
        }
        for (; c < row.Length; c++)
        {
            if (row[c] == 0f) continue;
            if (count == Capacity) return -1;
            count = Append(c, row, count);
        }
        return count;
    }

    int Append(int column, ReadOnlySpan<float> row, int count)
    {
        _indices[count] = column;
        _values[count] = row[column];
        return count + 1;
    }
}
