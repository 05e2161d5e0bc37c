using AspireScale.Api.Data;

namespace AspireScale.Api.Infrastructure;

// limit/offset arrive as strings so that "abc", "-1" or "1e9" become a 422 naming the parameter, not a binding 400.
public readonly record struct Paging(int Limit, int Offset)
{
    public static Paging Parse(string? limit, string? offset, ValidationErrors errors)
    {
        var take = Limits.DefaultPageSize;
        var skip = 0;
        if (limit is not null && (!int.TryParse(limit, out take) || take < 1 || take > Limits.PageSize))
        {
            errors.Add("limit", $"must be an integer between 1 and {Limits.PageSize}");
        }

        if (offset is not null && (!int.TryParse(offset, out skip) || skip < 0))
        {
            errors.Add("offset", "must be a non-negative integer");
        }

        return new Paging(take, skip);
    }
}
