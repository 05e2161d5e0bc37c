namespace AspireScale.Api.Infrastructure;

public static class Timestamps
{
    // PostgreSQL keeps microseconds; truncating before storing makes what create returns equal what a re-read returns.
    public static DateTime UtcNowMicroseconds(this TimeProvider time)
    {
        var ticks = time.GetUtcNow().UtcTicks;
        return new DateTime(ticks - (ticks % 10), DateTimeKind.Utc);
    }
}
