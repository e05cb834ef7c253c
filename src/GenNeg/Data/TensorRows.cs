using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>Row selection shared by data, conditions and schedules.</summary>
public static class TensorRows
{
    /// <summary>
    /// The rows of <paramref name="tensor"/> at <paramref name="index"/> [K] (first dimension). Advanced indexing rather
    /// than index_select: the values are the same, and it also runs on libtorch's meta device, which the device tests use.
    /// </summary>
    public static Tensor Rows(this Tensor tensor, Tensor index) => tensor.index(TensorIndex.Tensor(index));
}
