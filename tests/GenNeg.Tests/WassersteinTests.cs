using GenNeg.Data;
using GenNeg.Metrics;

namespace GenNeg.Tests;

public class WassersteinTests
{
    [Theory]
    // Shifting every value by 1 moves all the mass by 1.
    [InlineData(new[] { 0.0, 1.0 }, new[] { 1.0, 2.0 }, 1.0)]
    [InlineData(new[] { 0.0 }, new[] { 3.0 }, 3.0)]
    // Unequal sizes: F1 = 1 from 0 on, F2 = 1/2 on [0, 2): the area between them is 1/2 * 2.
    [InlineData(new[] { 0.0 }, new[] { 0.0, 2.0 }, 1.0)]
    // F1 = 1/3 on [0, 1) and 2/3 on [1, 2), F2 = 0 then 1 from 1 on: 1/3 + 1/3.
    [InlineData(new[] { 0.0, 1.0, 2.0 }, new[] { 1.0 }, 2.0 / 3)]
    // The same distribution in another order and multiplicity.
    [InlineData(new[] { 2.0, 1.0 }, new[] { 1.0, 2.0, 2.0, 1.0 }, 0.0)]
    // Unsorted input with ties: {0, 0, 4} against {1, 1, 1}: 2/3 of the mass moves 1, 1/3 moves 3.
    [InlineData(new[] { 4.0, 0.0, 0.0 }, new[] { 1.0, 1.0, 1.0 }, 2.0 / 3 + 1.0)]
    public void W1_of_hand_made_distributions_has_the_known_value_either_way_round(double[] first, double[] second, double expected)
    {
        Assert.Equal(expected, Wasserstein.Distance(first, second), 12);
        Assert.Equal(expected, Wasserstein.Distance(second, first), 12);
    }

    [Fact]
    public void W1_refuses_an_empty_or_non_finite_sample()
    {
        Assert.Throws<ArgumentException>(() => Wasserstein.Distance([], [1.0]));
        Assert.Throws<ArgumentException>(() => Wasserstein.Distance([1.0, double.NaN], [1.0]));
    }

    [Fact]
    public void Realism_distances_pair_features_by_name_and_leave_out_features_without_values()
    {
        RealismFeature[] heldOut = [new("a", "m", [0, 1]), new("b", "", [5]), new("c", "", [])];
        RealismFeature[] samples = [new("b", "", [7]), new("a", "m", [1, 2]), new("c", "", [1])];
        var distances = RealismDistances.Compare(heldOut, samples);
        Assert.Equal(["a", "b"], distances.Keys);
        Assert.Equal(1.0, distances["a"], 12);
        Assert.Equal(2.0, distances["b"], 12);
    }

    [Fact]
    public void Feature_quantiles_interpolate_between_order_statistics_as_numpy_does()
    {
        // numpy.quantile([4, 1, 3, 2, 10], [0.05, 0.25, 0.5, 0.75, 0.95]) = [1.2, 2, 3, 4, 8.8]
        var summary = FeatureQuantiles.Of(new RealismFeature("gap", "m", [4, 1, 3, 2, 10]))!;
        Assert.Equal((5L, 1.0, 10.0), (summary.Count, summary.Min, summary.Max));
        Assert.Equal([1.2, 2, 3, 4, 8.8], summary.Quantiles.Select(q => Math.Round(q, 12)));
        Assert.Equal(7.0, FeatureQuantiles.Of(new RealismFeature("one", "", [7]))!.Quantiles[4]);
        Assert.Null(FeatureQuantiles.Of(new RealismFeature("none", "", [])));
    }
}
