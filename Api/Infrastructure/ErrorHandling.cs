using System.Text.Json;
using AspireScale.Api.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Npgsql;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;

namespace AspireScale.Api.Infrastructure;

// Every failure becomes a 4xx/5xx in the spec's {"errors":{...}} format under /api and RFC 9457 ProblemDetails elsewhere;
// bad input is never a 500.
public static partial class ErrorHandling
{
    public const string ApiPrefix = "/api";

    public static IHostApplicationBuilder AddConduitErrors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ConduitExceptionHandler>();
        // Binding failures throw so the handler below can answer them in the spec's format (the default writes a bare 400).
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = Limits.RequestBodyBytes);
        return builder;
    }

    public static WebApplication UseConduitErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteEmptyStatusAsync);
        return app;
    }

    internal static bool IsApi(this HttpContext context) => context.Request.Path.StartsWithSegments(ApiPrefix);

    // Responses that left the pipeline with a status and no body: unknown routes (404), wrong method (405), 415...
    private static async Task WriteEmptyStatusAsync(StatusCodeContext statusContext)
    {
        var context = statusContext.HttpContext;
        var status = context.Response.StatusCode;
        if (context.IsApi())
        {
            var key = status switch
            {
                StatusCodes.Status404NotFound => "resource",
                StatusCodes.Status401Unauthorized => "token",
                StatusCodes.Status413PayloadTooLarge => "body",
                _ => "request",
            };
            await WriteApiErrorAsync(context, status, key, ReasonFor(status));
            return;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status } });
    }

    internal static Task WriteApiErrorAsync(HttpContext context, int status, string key, string message)
    {
        context.Response.StatusCode = status;
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(ErrorEnvelope.Of(key, message), options.GetTypeInfo(typeof(ErrorEnvelope)), "application/json; charset=utf-8");
    }

    private static string ReasonFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "is invalid",
        StatusCodes.Status401Unauthorized => "is missing",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not found",
        StatusCodes.Status405MethodNotAllowed => "method not allowed",
        StatusCodes.Status413PayloadTooLarge => $"is too large (maximum is {Limits.RequestBodyBytes} bytes)",
        StatusCodes.Status415UnsupportedMediaType => "must be application/json",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    private sealed partial class ConduitExceptionHandler(IProblemDetailsService problems, ILogger<ConduitExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            var (status, key, message) = Classify(exception);
            if (status >= StatusCodes.Status500InternalServerError)
            {
                LogUnhandled(logger, context.Request.Method, context.Request.Path, exception);
            }
            else
            {
                LogRejected(logger, context.Request.Method, context.Request.Path, status, exception.Message);
            }

            if (context.Response.HasStarted)
            {
                return false;
            }

            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                // Transient (the database restarting or unreachable): say when to come back rather than leave clients to
                // guess. A restarted primary took writes again within 5 s (docs/reliability.md).
                context.Response.Headers.RetryAfter = "2";
            }

            if (context.IsApi())
            {
                await WriteApiErrorAsync(context, status, key, message);
                return true;
            }

            context.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = status, Detail = status < 500 ? message : null },
            });
        }

        private static (int Status, string Key, string Message) Classify(Exception exception) => exception switch
        {
            // Malformed JSON, wrong types, missing body: the request is unprocessable as the spec defines it.
            BadHttpRequestException { InnerException: JsonException json } => (StatusCodes.Status422UnprocessableEntity, "body", Describe(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad when bad.Message.Contains("no body was provided", StringComparison.Ordinal)
                => (StatusCodes.Status422UnprocessableEntity, "body", "can't be blank"),
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad => (StatusCodes.Status422UnprocessableEntity, "body", bad.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "body", ReasonFor(StatusCodes.Status413PayloadTooLarge)),
            BadHttpRequestException bad => (bad.StatusCode, "request", bad.Message),
            JsonException json => (StatusCodes.Status422UnprocessableEntity, "body", Describe(json)),
            // A row this write refers to vanished meanwhile (e.g. the article was deleted between lookup and insert).
            _ when exception.ForeignKeyViolation() => (StatusCodes.Status409Conflict, "resource", "was removed meanwhile, reload and retry"),
            _ when exception.UniqueViolation() is not null => (StatusCodes.Status409Conflict, "resource", "has already been taken"),
            // Class 22 is "data exception": a value PostgreSQL cannot take (NUL in text, bad encoding). The client's doing.
            PostgresException { SqlState: ['2', '2', ..] } => (StatusCodes.Status422UnprocessableEntity, "request", "contains a value that cannot be stored"),
            // However EF wrapped it (DbUpdateException around a failed SaveChanges, the retry strategy's own exception):
            // registering while the primary was unreachable answered 500 (ErrorConventionsTests).
            _ when IsDatabaseUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "database", "is unavailable, try again"),
            OperationCanceledException => (StatusCodes.Status499ClientClosedRequest, "request", "was cancelled"),
            _ => (StatusCodes.Status500InternalServerError, "server", "unexpected error"),
        };

        private static bool IsDatabaseUnavailable(Exception? exception) =>
            exception is NpgsqlException or TimeoutException || exception?.InnerException is { } inner && IsDatabaseUnavailable(inner);

        private static string Describe(JsonException json) =>
            json.Path is { Length: > 0 } path ? $"is not valid JSON for this request at {path}" : "is not valid JSON";

        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
        private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);

        [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
        private static partial void LogRejected(ILogger logger, string method, string path, int status, string reason);
    }
}
