using GenNeg.Configuration;
using GenNeg.Domains.Motion;
using GenNeg.Domains.Traffic;

namespace GenNeg.Tests;

/// <summary>A data set's own keys (data.NAME) belong to the record it declares, through the registries.</summary>
public class ConfigOwnershipTests
{
    /// <summary>The keys of a data set that user code would register: a ring of points.</summary>
    private sealed record RingConfig : ICheckedSection
    {
        [ValidRange(Min = 1)]
        public int Points { get; init; } = 8;
        [ValidRange(Min = 0, MinExclusive = true)]
        public double Radius { get; init; } = 1;
        public double InnerRadius { get; init; } = 0.5;

        public void Check(string section)
        {
            if (InnerRadius >= Radius)
                throw ConfigKey.Error(ConfigKey.In(section, "inner_radius"), $"({InnerRadius}) must be below {section}.radius ({Radius})");
        }
    }

    private static readonly ConfigSchema WithRing = new(new Dictionary<string, Type>
    {
        ["ring"] = typeof(RingConfig),
        [TrafficDataSet.DataSetName] = typeof(TrafficDataConfig),
    });

    private static string ErrorOf(string yaml, ConfigSchema? schema = null) =>
        Assert.Throws<GenNegException>(() => ConfigLoader.Parse(yaml, schema ?? TestConfig.Schema)).Message;

    [Fact]
    public void The_built_in_registries_declare_the_traffic_and_motion_records_and_nothing_for_the_checkerboard()
    {
        var sections = Registries.CreateDefault().ConfigSchema.DataSections;
        Assert.Equal(typeof(TrafficDataConfig), sections["traffic"]);
        Assert.Equal(typeof(MotionDataConfig), sections["motion"]);
        Assert.False(sections.ContainsKey("checkerboard"));
    }

    [Fact]
    public void A_checkerboard_config_resolves_without_any_other_data_sets_keys()
    {
        var yaml = ConfigLoader.ToYaml(TestConfig.Parse(""));
        Assert.DoesNotContain("traffic", yaml);
        Assert.DoesNotContain("motion", yaml);
        Assert.Null(TestConfig.Parse("").Data.Options);
    }

    [Fact]
    public void A_data_sets_section_resolves_with_its_defaults_and_round_trips()
    {
        var config = TestConfig.Parse("data:\n  name: traffic\n", ["data.traffic.agents=5"]);
        Assert.Equal(new TrafficDataConfig { Agents = 5 }, config.Data.OptionsAs<TrafficDataConfig>());
        var yaml = ConfigLoader.ToYaml(config);
        Assert.Contains("  traffic:\n    train_maps: 40\n    validation_maps: 10\n    agents: 5\n", yaml);
        var again = TestConfig.Parse(yaml);
        Assert.Equal(config.Data, again.Data);
        Assert.Equal(yaml, ConfigLoader.ToYaml(again));
        Assert.DoesNotContain("motion", yaml);
    }

    [Fact]
    public void Another_data_sets_section_is_refused_naming_both()
    {
        Assert.Equal("config key 'data.traffic' holds the keys of data set 'traffic', but data.name is 'checkerboard'; remove it or set data.name: traffic",
            ErrorOf("data:\n  traffic:\n    agents: 3\n"));
        Assert.Equal("config key 'data.checkerboard': data set 'checkerboard' has no keys of its own", ErrorOf("data:\n  checkerboard:\n    size: 3\n"));
    }

    [Fact]
    public void A_config_saved_with_every_data_sets_section_still_loads_as_a_run_config()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("config.yaml");
        File.WriteAllText(path, "data:\n  name: checkerboard\n  traffic:\n    agents: 12\n  motion:\n    frames: 32\n");
        Assert.Throws<GenNegException>(() => ConfigLoader.LoadFile(path, TestConfig.Schema));
        var saved = ConfigLoader.LoadSaved(path, TestConfig.Schema);
        Assert.Equal("checkerboard", saved.Data.Name);
        Assert.DoesNotContain("traffic", ConfigLoader.ToYaml(saved));
    }

    [Fact]
    public void A_data_set_registered_by_user_code_gets_its_keys_ranges_rules_and_suggestions()
    {
        var ring = ConfigLoader.Parse("data:\n  name: ring\n  ring:\n    points: 12\n", WithRing);
        Assert.Equal(new RingConfig { Points = 12 }, ring.Data.OptionsAs<RingConfig>());
        Assert.Equal(new RingConfig(), ConfigLoader.Parse("data:\n  name: ring\n", WithRing).Data.Options);
        Assert.Equal("config key 'data.ring.points' must be at least 1, got 0", ErrorOf("data: {name: ring, ring: {points: 0}}", WithRing));
        Assert.Equal("config key 'data.ring.radius' must be positive, got -1", ErrorOf("data: {name: ring, ring: {radius: -1}}", WithRing));
        Assert.Equal("config key 'data.ring.inner_radius' (2) must be below data.ring.radius (1)", ErrorOf("data: {name: ring, ring: {inner_radius: 2}}", WithRing));
        Assert.Equal("unknown config key 'data.ring.pionts' (did you mean 'data.ring.points'?)", ErrorOf("data: {name: ring, ring: {pionts: 3}}", WithRing));
        Assert.Equal("config key 'data.ring' must be a section of keys (data.ring.points, data.ring.radius, data.ring.inner_radius, ...)",
            ErrorOf("data: {name: ring, ring: 5}", WithRing));
        Assert.Contains("data.ring.inner_radius", ConfigLoader.Keys(WithRing));
        Assert.Contains("data.traffic.agents", ConfigLoader.Keys(WithRing));
    }

    [Fact]
    public void A_data_set_reads_its_own_record_and_no_other()
    {
        var data = new DataConfig { Name = "traffic", Options = new TrafficDataConfig { Agents = 3 } };
        Assert.Equal(3, data.OptionsAs<TrafficDataConfig>().Agents);
        Assert.Equal(new MotionDataConfig(), new DataConfig { Name = "motion" }.OptionsAs<MotionDataConfig>());
        Assert.Throws<InvalidOperationException>(() => data.OptionsAs<MotionDataConfig>());
    }

    [Theory]
    [InlineData(1, false, double.PositiveInfinity, false, "", "at least 1")]
    [InlineData(0, true, double.PositiveInfinity, false, "", "positive")]
    [InlineData(0, false, 1, false, "", "in [0, 1]")]
    [InlineData(0, false, 1, true, "", "in [0, 1)")]
    [InlineData(0, true, 240, false, "", "in (0, 240]")]
    [InlineData(0, false, 0.1, false, "metres", "in [0, 0.1] metres")]
    [InlineData(double.NegativeInfinity, false, 2, false, "", "at most 2")]
    public void A_declared_range_describes_itself_and_checks_its_bounds(double min, bool minExclusive, double max, bool maxExclusive, string unit, string described)
    {
        var range = new ValidRangeAttribute { Min = min, MinExclusive = minExclusive, Max = max, MaxExclusive = maxExclusive, Unit = unit };
        Assert.Equal(described, range.Describe());
        var inside = double.IsNegativeInfinity(min) ? max : minExclusive ? min + 1e-9 : min;
        range.Check("k", inside);
        var outside = double.IsNegativeInfinity(min) ? max + 1 : minExclusive ? min : min - 1;
        Assert.Equal($"config key 'k' must be {described}, got {ConfigKey.Format(outside)}", Assert.Throws<GenNegException>(() => range.Check("k", outside)).Message);
        if (maxExclusive) Assert.Throws<GenNegException>(() => range.Check("k", max));
    }
}
