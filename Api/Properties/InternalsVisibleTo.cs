using System.Runtime.CompilerServices;

// bench/Techniques measures ArticleQueries and ConduitJsonContext themselves, not copies of them.
[assembly: InternalsVisibleTo("Techniques")]
