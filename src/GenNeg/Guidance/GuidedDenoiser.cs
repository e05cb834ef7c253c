using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// A classifier stack applied to a denoiser (the paper's Eq. 10 stacked over iterations, on the shared seam):
///   D'(x; sigma, c) = D(x; sigma, c) + w sigma^2 grad_x sum_k sum_e log C_k,e(x; sigma, c),
/// which adds w grad log C_k to the score s = (D - x) / sigma^2. The inner sum runs over a classifier's logits: one per
/// sample, or one per element for a by-element head, whose log-sigmoids add up to the log-probability that every
/// element is valid. For a DDPM model (x = x_t / sqrt(abar_t)) this is the guided epsilon
/// eps' = eps - w sqrt(1 - abar_t) grad_{x_t} log C (Dhariwal &amp; Nichol 2021), so one wrapper guides every sampler of
/// either formalism. One backward pass serves the whole stack, and no weight gradients are kept.
/// Above <c>maxSigma</c> the stack adds nothing (D' = D) and is not evaluated: at high noise the true p(valid | x) is
/// flat in x, so a classifier's gradient there is estimation noise, which sigma^2 magnifies (measured on traffic, docs/results-traffic.md);
/// in a batch of mixed noise levels only the rows at or below it go through the classifiers.
/// Any sampler or metric takes it in place of the plain denoiser.
/// On padded data (an element mask from the condition, false = padding) the sum runs over the real elements' logits
/// only and the gradient is zero on padded rows: D' = D there, and padding neither guides nor is guided.
/// </summary>
public sealed class GuidedDenoiser : IDenoiser
{
    private readonly IDenoiser baseDenoiser;
    private readonly IReadOnlyList<INoiseConditionedClassifier> classifiers;
    private readonly double scale;
    private readonly double? maxSigma;
    private readonly Func<Condition, Tensor?>? elementMask;

    /// <param name="scale">w, the multiplier of the stack's gradient (1 = the method)</param>
    /// <param name="maxSigma">noise levels above this get no guidance (null = every level, the method)</param>
    /// <param name="elementMask">
    /// which elements [B, *E] of samples with a condition are real (<see cref="DataSplit.PaddingMask"/>), null from it
    /// when all are; null for data without padding
    /// </param>
    public GuidedDenoiser(IDenoiser baseDenoiser, IReadOnlyList<INoiseConditionedClassifier> classifiers, double scale = 1.0, double? maxSigma = null,
        Func<Condition, Tensor?>? elementMask = null)
    {
        this.baseDenoiser = baseDenoiser;
        this.classifiers = classifiers;
        this.scale = scale;
        this.maxSigma = maxSigma;
        this.elementMask = elementMask;
    }

    public Condition EncodeCondition(Condition condition) =>
        classifiers.Aggregate(baseDenoiser.EncodeCondition(condition), (encoded, classifier) => classifier.EncodeCondition(encoded));

    public Tensor Denoise(Tensor x, Tensor sigma, Condition condition)
    {
        using var scope = NewDisposeScope();
        var denoised = baseDenoiser.Denoise(x, sigma, condition);
        if (classifiers.Count == 0 || scale == 0) return denoised.MoveToOuterDisposeScope();
        // When x carries a graph (the exact likelihood differentiates D' itself), the guidance keeps its graph too, so
        // D' can be differentiated through the classifiers' input gradients (second derivatives).
        var differentiable = x.requires_grad;
        var gradient = maxSigma is { } limit ? GuidedRowsGradient(x, sigma, condition, limit, differentiable) : LogValidGradient(x, sigma, condition, differentiable);
        if (gradient is null) return denoised.MoveToOuterDisposeScope();
        return ((differentiable ? denoised : denoised.detach()) + scale * PerSample.Broadcast(sigma.square(), x) * gradient).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The stack's gradient on the samples at or below the limit and zero elsewhere, or null when no sample is. A
    /// sampler step has one sigma for its whole batch, so above the limit the classifiers do not run at all; batches
    /// with per-sample noise levels (distillation, the likelihood bound) run them on the guided rows only: with t
    /// uniform on 1..T and the limit at t = 145, a seventh of them.
    /// </summary>
    private Tensor? GuidedRowsGradient(Tensor x, Tensor sigma, Condition condition, double limit, bool differentiable)
    {
        var guided = sigma <= limit;
        var guidedCount = guided.sum().cpu().item<long>();
        if (guidedCount == 0) return null;
        if (guidedCount == guided.numel()) return LogValidGradient(x, sigma, condition, differentiable);
        var rows = guided.nonzero().squeeze(1);
        var part = LogValidGradient(x.index_select(0, rows), sigma.index_select(0, rows), condition.Select(rows), differentiable);
        return zeros_like(x).index_copy(0, rows, part);
    }

    /// <summary>grad_x sum_k sum_e log C_k,e(x; sigma, c), [B, *S]; with <paramref name="createGraph"/> it stays differentiable in x.</summary>
    public Tensor LogValidGradient(Tensor x, Tensor sigma, Condition condition, bool createGraph = false)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var input = createGraph ? x : x.detach().requires_grad_(true);
        var mask = elementMask?.Invoke(condition);
        Tensor? total = null;
        foreach (var classifier in classifiers)
        {
            var logits = nn.functional.logsigmoid(classifier.Logit(input, sigma, condition));
            // A by-element head's padded logits are no vehicle's validity: they are left out of the sum.
            var logValid = ElementMasks.KeepRealElements(logits, mask).sum();
            total = total is null ? logValid : total + logValid;
        }
        var gradient = autograd.grad([total!], [input], retain_graph: createGraph, create_graph: createGraph)[0];
        // Zero on padded rows whatever the backbone lets through (e.g. a network that mixes padded rows into the real ones).
        if (mask is not null) gradient = gradient * ElementMasks.Expand(mask, gradient);
        return gradient.MoveToOuterDisposeScope();
    }
}
