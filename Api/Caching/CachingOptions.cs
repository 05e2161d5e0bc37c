namespace AspireScale.Api.Caching;

// Section "Caching". The switches exist for benchmarks (technique on versus off); everything is on by default.
public sealed class CachingOptions
{
    public const string Section = "Caching";

    public bool OutputCache { get; set; } = true;

    public bool HttpCaching { get; set; } = true;

    public bool Compression { get; set; } = true;

    // Evicting what a write makes stale (WriteInvalidation). Off only in bench/writes, to measure what the evictions cost a
    // write, with both caches off too: with a cache on and this off, reads would be served stale.
    public bool WriteInvalidation { get; set; } = true;

    // How long an entry lives without a write evicting it (evictions keep it exact; this bounds memory and a missed eviction).
    public TimeSpan OutputCacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    // A response is not stored while one of its tags was evicted less than this long ago: the read behind it may have run
    // on the replica before it replayed the write (replica lag plus request time stays well under this).
    public TimeSpan StaleFillGuard { get; set; } = TimeSpan.FromSeconds(5);

    // How long a replica keeps hot reference data (GET /api/tags) in process (HybridCache), with one database query per
    // expiry however many requests wait for it. Used as min(this, StaleFillGuard / 2): an output-cache fill, which the
    // guard holds off until StaleFillGuard after a write, then always reads an entry made after the replica replayed it.
    public TimeSpan ReferenceDataDuration { get; set; } = TimeSpan.FromSeconds(2);

    // What anonymous reads tell shared caches (the balancer's cache, a CDN); browsers always revalidate with the ETag.
    public TimeSpan SharedMaxAge { get; set; } = TimeSpan.FromSeconds(60);

    // After a Redis failure the store stops calling Redis for this long (reads are misses, writes skipped).
    public TimeSpan RedisBreakFor { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReferenceDataExpiry => ReferenceDataDuration < StaleFillGuard / 2 ? ReferenceDataDuration : StaleFillGuard / 2;
}
