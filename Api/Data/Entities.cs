namespace AspireScale.Api.Data;

// Persistence shapes only: handlers project them to request/response records and never bind or return them.
public sealed class User
{
    public long Id { get; set; }
    public required string Username { get; set; }
    public required string Email { get; set; }
    public required string PasswordHash { get; set; }
    public string? Bio { get; set; }
    public string? Image { get; set; }

    public List<Article> Articles { get; } = [];
    public List<Follow> Followers { get; } = [];
    public List<Follow> Following { get; } = [];
}

public sealed class Article
{
    public long Id { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public required string Body { get; set; }
    public string[] TagList { get; set; } = [];
    public long AuthorId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    // False until the Worker has copied the article into its author's followers' feeds; until then the feed query finds it
    // through the follows table, so a new article is in the feed at once.
    public bool FannedOut { get; set; }
    // Kept by triggers on favorites (see the ArticleCounters migration), so a page reads it instead of counting favorites
    // per row. The database owns it: EF never writes it.
    public int FavoritesCount { get; set; }

    public User Author { get; set; } = null!;
    public List<Favorite> Favorites { get; } = [];
    public List<Comment> Comments { get; } = [];
}

// The totals kept by triggers in the transaction that changes articles: the unfiltered list's articlesCount is read, not
// counted over every article on each request. Spread over slots, one per session (the trigger takes its backend's pid
// modulo Slots), which the read sums: one row would make every create wait for the one before it to commit (its row
// lock is held through the commit).
public sealed class ArticleTotals
{
    // Ids 0 to Slots - 1, one row each (ck_article_totals_slot).
    public const int Slots = 32;

    public int Id { get; set; }
    public int ArticlesCount { get; set; }
}

public sealed class Comment
{
    public long Id { get; set; }
    public long ArticleId { get; set; }
    public long AuthorId { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public Article Article { get; set; } = null!;
    public User Author { get; set; } = null!;
}

public sealed class Follow
{
    public long FollowerId { get; set; }
    public long FolloweeId { get; set; }

    public User Follower { get; set; } = null!;
    public User Followee { get; set; } = null!;
}

public sealed class Favorite
{
    public long UserId { get; set; }
    public long ArticleId { get; set; }

    public User User { get; set; } = null!;
    public Article Article { get; set; } = null!;
}
