using GenNeg.Diffusion;
using GenNeg.Guidance;
using GenNeg.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class DlsmLossTests
{
    private const double Alpha = 0.9;

    /// <summary>A tiny float64 classifier with random weights, and a batch of two valid and two invalid examples.</summary>
    private sealed class Case : IDisposable
    {
        public Case()
        {
            random.manual_seed(21);
            using var generator = new Generator(21);
            Network = new ResidualMlp(new MlpShape(2, 1, Hidden: 8, Blocks: 1, TimeEmbedding: 8) { OutputShape = [] });
            using (no_grad()) foreach (var p in Network.parameters()) p.normal_(0, 0.5, generator);
            Network.to(ScalarType.Float64);
            Classifier = new TimeDependentClassifier(Network, Preconditioning);
            Clean = randn([4, 2], dtype: ScalarType.Float64, generator: generator);
            Sigma = tensor(new[] { 0.3, 1.2, 0.05, 2.0 });
            Noisy = Clean + Sigma.unsqueeze(1) * randn([4, 2], dtype: ScalarType.Float64, generator: generator);
            ModelDenoised = Noisy * 0.5 + 0.1;
            Labels = tensor(new[] { 1.0, 1.0, 0.0, 0.0 });
        }

        public EdmPreconditioning Preconditioning { get; } = new(1.0);
        public ResidualMlp Network { get; }
        public TimeDependentClassifier Classifier { get; }
        public Tensor Clean { get; }
        public Tensor Sigma { get; }
        public Tensor Noisy { get; }
        public Tensor ModelDenoised { get; }
        public Tensor Labels { get; }

        public DlsmLoss Loss(double crossEntropyWeight) =>
            new(Alpha / 0.5, (1 - Alpha) / 0.5, crossEntropyWeight, Preconditioning.LossWeight);

        public Tensor Compute(double crossEntropyWeight) =>
            Loss(crossEntropyWeight).Compute(Classifier, Noisy, Sigma, GenNeg.Data.Condition.None, Clean, Labels, Labels, ModelDenoised);

        public void Dispose()
        {
            foreach (var t in new[] { Clean, Sigma, Noisy, ModelDenoised, Labels }) t.Dispose();
            Classifier.Dispose();
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void Dlsm_loss_equals_a_hand_computed_value_with_finite_difference_input_gradients(double crossEntropyWeight)
    {
        using var c = new Case();
        using var loss = c.Compute(crossEntropyWeight);

        double LogLikelihood(int row, double[] x)
        {
            using var point = tensor(x).reshape(1, 2);
            using var logit = c.Classifier.Logit(point, c.Sigma[row..(row + 1)], GenNeg.Data.Condition.None);
            var l = logit.item<double>();
            double LogSigmoid(double z) => -Math.Log(1 + Math.Exp(-z));
            return c.Labels[row].item<double>() == 1 ? LogSigmoid(l) : LogSigmoid(-l);
        }

        const double h = 1e-6, sigmaData = 1.0;
        for (var row = 0; row < 4; row++)
        {
            var x = c.Noisy[row].data<double>().ToArray();
            var score = new double[2];
            for (var d = 0; d < 2; d++)
            {
                var up = (double[])x.Clone();
                var down = (double[])x.Clone();
                up[d] += h;
                down[d] -= h;
                score[d] = (LogLikelihood(row, up) - LogLikelihood(row, down)) / (2 * h);
            }
            var sigma = c.Sigma[row].item<double>();
            var lambda = (sigma * sigma + sigmaData * sigmaData) / (sigma * sigma * sigmaData * sigmaData);   // EDM's weight
            var squared = 0.0;
            for (var d = 0; d < 2; d++)
            {
                var conditional = c.ModelDenoised[row, d].item<double>() + sigma * sigma * score[d];
                squared += Math.Pow(conditional - c.Clean[row, d].item<double>(), 2);
            }
            var weight = c.Labels[row].item<double>() == 1 ? Alpha / 0.5 : (1 - Alpha) / 0.5;
            var expected = weight * (0.5 * lambda * squared - crossEntropyWeight * LogLikelihood(row, x));
            Assert.Equal(expected, loss[row].item<double>(), 1e-6 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Dlsm_gradient_reaches_the_weights_through_the_input_gradient()
    {
        using var c = new Case();
        // No cross-entropy: the loss sees the weights only through grad_x log C, so any weight gradient is double backward.
        using (var loss = c.Compute(crossEntropyWeight: 0).sum()) loss.backward();
        var parameters = c.Classifier.parameters().ToList();
        Assert.Contains(parameters, p => p.grad is not null && p.grad.abs().sum().item<double>() > 1e-6);

        // And it is the right gradient: central differences on one weight of the first layer.
        var weight = parameters.First(p => p.dim() == 2);
        var analytic = weight.grad![0, 0].item<double>();
        double LossAt(double shift)
        {
            using (no_grad()) weight[0, 0] = weight[0, 0] + shift;
            using var value = c.Compute(0).sum();
            using (no_grad()) weight[0, 0] = weight[0, 0] - shift;
            return value.item<double>();
        }
        const double h = 1e-6;
        var numeric = (LossAt(h) - LossAt(-h)) / (2 * h);
        Assert.True(Math.Abs(analytic) > 1e-6, $"analytic gradient {analytic}");
        Assert.Equal(numeric, analytic, 1e-5 * Math.Max(1, Math.Abs(numeric)));
    }
}
