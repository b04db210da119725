namespace Delight.Numerics;

/// <summary>
/// A compile-time integer for specialising generic kernels: with a struct type argument the JIT compiles one copy per
/// value, and every <c>if (T.Value &gt; j)</c> folds to a constant, so only the live accumulators exist.
/// </summary>
interface IConstant
{
    static abstract int Value { get; }
}

struct One : IConstant { public static int Value => 1; }
struct Two : IConstant { public static int Value => 2; }
struct Three : IConstant { public static int Value => 3; }
struct Four : IConstant { public static int Value => 4; }
struct Five : IConstant { public static int Value => 5; }
struct Six : IConstant { public static int Value => 6; }
struct Seven : IConstant { public static int Value => 7; }
struct Eight : IConstant { public static int Value => 8; }
