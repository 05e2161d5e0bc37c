#:sdk Microsoft.NET.Sdk.Web

// Prints an ASP.NET Core Identity (v3, PBKDF2) hash of the password given, the format the Api's PasswordHasher verifies.
// Run by seed.sh once; every seeded user shares the one hash, so the load itself does no hashing.
using Microsoft.AspNetCore.Identity;

var password = args.Length > 0 ? args[0] : "password";
Console.WriteLine(new PasswordHasher<object>().HashPassword(new object(), password));
