using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace AspireScale.Api.Data;

// Compiled queries, each compiled once per model and per context type within it: EF refuses to run a compiled query
// against another model, and fixes at compilation whether results are buffered, from the compiling context's execution
// strategy (the primary's retries, so it buffers; the replica's streams), although both contexts share the model.
internal sealed class CompiledQueries<TVariant, TQuery>(Func<TVariant, TQuery> compile)
{
    private readonly ConditionalWeakTable<IModel, ConcurrentDictionary<(Type Context, TVariant Variant), TQuery>> queries = [];

    public TQuery For(DbContext db, TVariant variant) =>
        queries.GetOrCreateValue(db.Model).GetOrAdd((db.GetType(), variant), static (key, compile) => compile(key.Variant), compile);
}
