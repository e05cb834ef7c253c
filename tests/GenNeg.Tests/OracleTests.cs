using GenNeg.Data;
using GenNeg.Domains.Checkerboard;
using GenNeg.Oracles;
using static TorchSharp.torch;

namespace GenNeg.Tests;

public class OracleTests
{
    [Theory]
    [InlineData(0.0, 0.0, true)]      // lower-left corner of filled cell (0, 0)
    [InlineData(1.999, 1.999, true)]  // inside cell (0, 0)
    [InlineData(2.0, 0.5, false)]     // left edge of empty cell (1, 0)
    [InlineData(-0.001, 0.5, false)]  // cell (-1, 0): empty
    [InlineData(-0.001, -0.001, true)] // cell (-1, -1): filled
    [InlineData(-4.0, -4.0, true)]    // board corner, cell (-2, -2)
    [InlineData(3.5, 3.5, true)]      // cell (1, 1)
    [InlineData(3.5, -1.5, true)]     // cell (1, -1)
    [InlineData(3.5, -3.5, false)]    // cell (1, -2): empty
    [InlineData(4.0, 0.5, false)]     // right edge: outside the half-open board
    [InlineData(-4.001, -3.0, false)] // left of the board
    [InlineData(0.5, 5.0, false)]     // above the board
    [InlineData(-5.0, -5.0, false)]   // cell (-3, -3) would be "even" but lies outside
    public void Checkerboard_labels_hand_picked_points(double x, double y, bool expected)
    {
        using var point = tensor(new[] { (float)x, (float)y }).reshape(1, 2);
        using var label = new CheckerboardOracle().IsValid(point);
        Assert.Equal(expected, label.item<bool>());
    }

    [Fact]
    public void Checkerboard_data_is_all_valid_and_covers_the_eight_cells()
    {
        using var generator = new Generator(7);
        using var points = CheckerboardData.Sample(4000, generator);
        using var valid = new CheckerboardOracle().IsValid(points);
        Assert.True(valid.all().item<bool>());
        using var cells = (points / 2).floor();
        var distinct = Enumerable.Range(0, 4000).Select(i => (cells[i, 0].item<float>(), cells[i, 1].item<float>())).Distinct().Count();
        Assert.Equal(8, distinct);
    }

    [Fact]
    public void Registry_resolves_built_ins_and_user_oracles_and_names_the_known_ones_on_a_miss()
    {
        var registry = Registries.CreateDefault().Oracles;
        using var data = new DataSplit(zeros(4, 2), zeros(4, 2));
        Assert.IsType<CheckerboardOracle>(registry.Resolve("checkerboard", data));
        registry.Register("mine", () => new CheckerboardOracle());
        Assert.NotNull(registry.Resolve("mine", data));
        var error = Assert.Throws<GenNegException>(() => registry.Resolve("ring", data));
        Assert.Equal("unknown oracle 'ring'; known oracles: checkerboard, external, ground_penetration, mine, traffic", error.Message);
    }
}
