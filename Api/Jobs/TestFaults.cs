namespace AspireScale.Api.Jobs;

// Test-only fault injection: an export whose attempts are slow or fail, for the fault-tolerance tests. It exists only in
// processes run with Jobs:AllowTestFaults=true (a test topology sets it for the Api and the Worker alike). Then, and only
// then, POST /api/v2/exports is mapped to a handler whose body type also reads "testFault"; everywhere else it binds
// NewExport, which has no such member, so testFault is an unknown field like any other: ignored, never validated, never
// stored, and absent from the OpenAPI document, which is generated from the mapped handler's types. This beats a field on
// the public contract that production ignores (it would still be documented and validated) and a header read by an endpoint
// filter (a second channel to keep out of the document, and the tests' requests would change shape).
public static class TestFaults
{
    public const string Setting = "Jobs:AllowTestFaults";

    public const int MaxDelayMs = 600_000;
    public const int MaxFailAttempts = 100;

    public static bool Allowed(IConfiguration configuration) => configuration.GetValue<bool>(Setting);
}

public sealed record TestExportEnvelope(TestExport? Export);

public sealed record TestExport(string? Format, TestFault? TestFault);

// Sleep this long on every attempt; fail attempts 1..FailAttempts. Travels to the Worker in the job's message.
public sealed record TestFault(int DelayMs, int FailAttempts);
