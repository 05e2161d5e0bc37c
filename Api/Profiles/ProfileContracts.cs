namespace AspireScale.Api.Profiles;

public sealed record ProfileEnvelope(ProfileView Profile);

public sealed record ProfileView(string Username, string? Bio, string? Image, bool Following);
