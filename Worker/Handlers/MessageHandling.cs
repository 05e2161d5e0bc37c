using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AspireScale.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace AspireScale.Worker.Handlers;

public sealed record ReceivedMessage(Guid MessageId, string Type, ReadOnlyMemory<byte> Body, int Attempt)
{
    // A body that is not the contract is poison: retrying cannot fix it.
    public T Read<T>(JsonTypeInfo<T> typeInfo) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(Body.Span, typeInfo) ?? throw new PoisonMessageException($"{Type}: empty body");
        }
        catch (JsonException exception)
        {
            throw new PoisonMessageException($"{Type}: unreadable body ({exception.Message})");
        }
    }
}

// One handler per message type. HandleAsync must be idempotent (record the message in the inbox in the effect's
// transaction); throwing schedules a retry. OnExhaustedAsync runs once the last attempt failed.
public interface IMessageHandler
{
    string MessageType { get; }

    Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken);

    Task OnExhaustedAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class PoisonMessageException(string message) : Exception(message);

public static class Inbox
{
    // Inside the effect's transaction: false when this consumer already committed this message's effect.
    public static async Task<bool> TryRecordAsync(ConduitDbContext db, Guid messageId, string consumer, DateTime now, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES ({messageId}, {consumer}, {now}) ON CONFLICT DO NOTHING",
            cancellationToken) == 1;
}
