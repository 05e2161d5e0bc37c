using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace AspireScale.Api.Articles;

// The v2 keyset cursor: the last row's (created_at, id), opaque to clients. Layout: version (1 byte), created_at as
// microseconds since the Unix epoch (8), id (8), then 16 bytes of HMAC-SHA256 under a key derived from the JWT signing
// key, which every replica shares, so a cursor from one replica works on the others and an edited one is refused (422)
// rather than silently starting the walk somewhere else.
internal readonly record struct ArticleCursor(DateTime CreatedAt, long Id)
{
    private const byte Version = 1;
    private const int PayloadLength = 17;
    private const int MacLength = 16;
    private const int Length = PayloadLength + MacLength;
    private static readonly byte[] KeyPurpose = "aspirescale article cursor v1"u8.ToArray();

    public string Encode(byte[] signingKey)
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], (CreatedAt.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], Id);
        Sign(signingKey, bytes[..PayloadLength], bytes[PayloadLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, byte[] signingKey, out ArticleCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (text.Length != Base64Url.GetEncodedLength(Length)
            || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != Length || bytes[0] != Version)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        Sign(signingKey, bytes[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[PayloadLength..]))
        {
            return false;
        }

        var micros = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        var id = BinaryPrimitives.ReadInt64BigEndian(bytes[9..]);
        cursor = new ArticleCursor(DateTime.UnixEpoch.AddTicks(micros * 10), id);
        return true;
    }

    private static void Sign(byte[] signingKey, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        // A key of its own (HKDF), so a cursor MAC can never be mistaken for, or help forge, a token signature.
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, signingKey, key, salt: [], info: KeyPurpose);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(key, payload, full);
        full[..MacLength].CopyTo(destination);
    }
}
