using AspireScale.Api.Caching;

namespace AspireScale.Tests.Caching;

// HttpCaching's pooled body buffer: what is written comes back whole, in order, across every growth of the rented array.
public sealed class ResponseBufferTests
{
    [Fact]
    public async Task WritesOfEveryKindComeBackInOrderPastTheInitialCapacity()
    {
        var expected = new byte[100_000];
        new Random(7).NextBytes(expected);
        using var buffer = new ResponseBuffer();

        buffer.WriteByte(expected[0]);
        buffer.Write(expected, 1, 999);
        await buffer.WriteAsync(expected.AsMemory(1_000, 49_000));
        buffer.Write(expected.AsSpan(50_000));

        Assert.Equal(expected.Length, buffer.Length);
        Assert.Equal(expected, buffer.Written.ToArray());
    }

    [Fact]
    public void AnEmptyBufferHasNothingWrittenAndADisposedOneRefusesWrites()
    {
        var buffer = new ResponseBuffer();
        Assert.Equal(0, buffer.Length);
        Assert.True(buffer.Written.IsEmpty);

        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.WriteByte(1));
    }
}
