using System.Buffers;

namespace AspireScale.Api.Caching;

// The body HttpCaching holds until it knows the ETag and Content-Length, in arrays rented from the shared pool. A growing
// MemoryStream allocated a new array at every doubling: 28 % of all the bytes the uncached 20-article list allocated.
internal sealed class ResponseBuffer : Stream
{
    // Most answers fit: a 20-article list is about 9 KB.
    private const int InitialCapacity = 16 * 1024;

    private byte[] rented = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private int length;

    public ReadOnlyMemory<byte> Written => rented.AsMemory(0, length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(rented.Length == 0, this);
        if (rented.Length - length < source.Length)
        {
            Grow(source.Length);
        }

        source.CopyTo(rented.AsSpan(length));
        length += source.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Write(source.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (rented.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
            rented = [];
            length = 0;
        }

        base.Dispose(disposing);
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(length + needed), rented.Length * 2));
        Written.Span.CopyTo(larger);
        ArrayPool<byte>.Shared.Return(rented);
        rented = larger;
    }
}
