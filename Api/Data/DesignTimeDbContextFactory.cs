using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireScale.Api.Data;

// Lets `dotnet ef migrations add` build the model without the API's required configuration; it never connects.
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ConduitDbContext>
{
    public ConduitDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ConduitDbContext>().UseNpgsql("Host=localhost;Database=conduit").Options);
}
