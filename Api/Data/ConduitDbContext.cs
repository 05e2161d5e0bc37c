using Microsoft.EntityFrameworkCore;

namespace AspireScale.Api.Data;

public class ConduitDbContext : DbContext
{
    public ConduitDbContext(DbContextOptions<ConduitDbContext> options) : base(options)
    {
    }

    // For the read-only twin, which needs its own options type to be pooled separately.
    protected ConduitDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<User> Users => Set<User>();
    public DbSet<Article> Articles => Set<Article>();
    public DbSet<ArticleTotals> ArticleTotals => Set<ArticleTotals>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Follow> Follows => Set<Follow>();
    public DbSet<Favorite> Favorites => Set<Favorite>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();
    public DbSet<FeedEntry> FeedEntries => Set<FeedEntry>();
    public DbSet<Notification> Notifications => Set<Notification>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ConduitDbContext).Assembly);
        modelBuilder.HasDbFunction(typeof(WalPosition).GetMethod(nameof(WalPosition.Current))!).HasName("pg_current_wal_lsn").IsBuiltIn();
    }
}

// The same model over the replica connection; registered with NoTracking and without retries (a failing replica falls back
// to the primary at once instead of backing off). Never written to: the replica is a read-only hot standby.
public sealed class ConduitReadDbContext(DbContextOptions<ConduitReadDbContext> options) : ConduitDbContext(options);
