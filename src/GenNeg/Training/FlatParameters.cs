using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Training;

/// <summary>
/// A module's parameters gathered into one contiguous buffer, and optionally their gradients into another, so that
/// Adam, the moving average and zeroing the gradients each run a handful of whole-buffer operations instead of
/// several small ones per weight tensor (about 200 fewer dispatches per step for the 20-tensor backbone).
/// The module's parameters become views into the buffer and their gradients views into the gradient buffer, which
/// autograd accumulates into in place; the module, its files and its checkpoint keys are unchanged.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private FlatParameters(Parameter values, Tensor? gradients)
    {
        Values = values;
        Gradients = gradients;
    }

    /// <summary>All of the module's weights, in the order of <c>parameters()</c> (with alignment gaps).</summary>
    public Parameter Values { get; }

    /// <summary>Their gradients, laid out alike, or null when gathered without.</summary>
    public Tensor? Gradients { get; }

    /// <summary>
    /// Each weight tensor starts on a 64-byte boundary, as libtorch allocates it on its own, so the matrix kernels take
    /// the same aligned paths as before gathering; the gaps hold zeros.
    /// </summary>
    private const long AlignmentElements = 64 / sizeof(float);

    public static FlatParameters Gather(Module module, bool withGradients)
    {
        var parameters = module.parameters().ToList();
        // The buffers live where the weights do (a CUDA model keeps its weights on the GPU).
        var device = parameters.Count > 0 ? parameters[0].device : CPU;
        var values = new Parameter(zeros(parameters.Sum(p => Aligned(p.numel())), device: device), requires_grad: withGradients);
        var gradients = withGradients ? zeros(values.numel(), device: device) : null;
        values.grad = gradients;
        using var noGrad = no_grad();
        long offset = 0;
        foreach (var parameter in parameters)
        {
            var length = parameter.numel();
            using (var view = values.narrow(0, offset, length).view(parameter.shape))
            {
                view.copy_(parameter);
                parameter.set_(view);
            }
            if (gradients is not null)
            {
                using var gradient = gradients.narrow(0, offset, length).view(parameter.shape);
                parameter.grad = gradient;
            }
            offset += Aligned(length);
        }
        return new FlatParameters(values, gradients);
    }

    private static long Aligned(long length) => (length + AlignmentElements - 1) / AlignmentElements * AlignmentElements;

    public void ZeroGradients() => Gradients?.zero_();

    /// <summary>Releases the buffers' handles; the module's parameter views keep the memory alive.</summary>
    public void Dispose()
    {
        Values.Dispose();
        Gradients?.Dispose();
    }
}
