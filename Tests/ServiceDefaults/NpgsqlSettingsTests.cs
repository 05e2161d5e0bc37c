using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireScale.Tests.ServiceDefaults;

// Pure logic: the service's pool defaults apply only where the connection string (the deployment's word) is silent.
public sealed class NpgsqlSettingsTests
{
    private const string Bare = "Host=db;Database=conduit;Username=u;Password=p";

    [Fact]
    public void DefaultsFillWhatTheConnectionStringLeavesOut()
    {
        var tuned = new NpgsqlConnectionStringBuilder(
            new NpgsqlDbContextSettings { MaxPoolSize = 8, NoResetOnClose = true, Multiplexing = true, ApplicationName = "Api" }.Tune(Bare));

        Assert.Equal(8, tuned.MaxPoolSize);
        Assert.Equal("Api", tuned.ApplicationName);
        Assert.Equal(20, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.True(tuned.Multiplexing);
        Assert.Equal("db", tuned.Host);
    }

    [Fact]
    public void TheConnectionStringWinsOverEveryDefault()
    {
        var given = Bare + ";Maximum Pool Size=3;Max Auto Prepare=0;No Reset On Close=false;Multiplexing=false;Application Name=psql";

        var tuned = new NpgsqlConnectionStringBuilder(
            new NpgsqlDbContextSettings { MaxPoolSize = 8, NoResetOnClose = true, Multiplexing = true, ApplicationName = "Api" }.Tune(given));

        Assert.Equal(3, tuned.MaxPoolSize);
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.False(tuned.NoResetOnClose);
        Assert.False(tuned.Multiplexing);
        Assert.Equal("psql", tuned.ApplicationName);
    }

    [Fact]
    public void TheResetOnCloseStaysAndMultiplexingStaysOffUnlessAServiceSaysOtherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(new NpgsqlDbContextSettings().Tune(Bare));

        Assert.False(tuned.NoResetOnClose);
        Assert.False(tuned.Multiplexing);
        Assert.Equal(100, tuned.MaxPoolSize);
    }
}
