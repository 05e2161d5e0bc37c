using AspireScale.Api.Articles;
using AspireScale.Api.Caching;
using AspireScale.Api.Auth;
using AspireScale.Api.Comments;
using AspireScale.Api.Data;
using AspireScale.Api.Infrastructure;
using AspireScale.Api.Jobs;
using AspireScale.Api.Messaging;
using AspireScale.Api.Notifications;
using AspireScale.Api.Profiles;
using AspireScale.Api.RateLimiting;
using AspireScale.Api.Tags;
using AspireScale.Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddInstanceIdentity();
builder.AddConduitErrors();
builder.AddConduitJson();
builder.AddConduitData();
builder.AddConduitMessaging();
builder.AddConduitJobs();
builder.AddConduitAuth();
builder.AddConduitOpenApi();
builder.AddConduitCors();
builder.AddConduitCaching();
builder.AddConduitRateLimiting();

var app = builder.Build();

app.UseHeadAsGet();
app.UseRouting();
app.UseInstanceHeader();
app.UseConduitErrors();
app.UseConduitCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseConduitRateLimiting();
app.UseConduitCaching();

app.MapDefaultEndpoints();
app.MapConduitOpenApi();
app.MapServiceInfo();
app.MapUsersApi();
app.MapProfilesApi();
app.MapArticlesApi();
app.MapArticlesV2Api();
app.MapCommentsApi();
app.MapTagsApi();
app.MapJobsApi();
app.MapNotificationsApi();

app.Run();

public partial class Program;
