using AspireScale.Api.Articles;
using AspireScale.Api.Auth;
using AspireScale.Api.Comments;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Profiles;
using AspireScale.Api.Tags;
using AspireScale.Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddInstanceIdentity();
builder.AddConduitErrors();
builder.AddConduitJson();
builder.AddConduitData();
builder.AddConduitAuth();
builder.AddConduitOpenApi();
builder.AddConduitCors();

var app = builder.Build();

app.UseInstanceHeader();
app.UseConduitErrors();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapConduitOpenApi();
app.MapServiceInfo();
app.MapUsersApi();
app.MapProfilesApi();
app.MapArticlesApi();
app.MapCommentsApi();
app.MapTagsApi();

app.Run();

public partial class Program;
