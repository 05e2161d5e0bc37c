// AspireScale on Azure Container Apps, deployed with `azd up` (docs/deploy.md). One resource group per azd
// environment; each AppHost resource has its Azure counterpart:
//   postgres / postgres-replica -> PostgreSQL Flexible Server and its read replica (database conduit)
//   cache                       -> Azure Managed Redis
//   messaging                   -> RabbitMQ container app on an Azure Files share
//   gateway, api, worker        -> container apps (the gateway the only external one);  migrations -> Container Apps
//                                  job run before api and worker roll out
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names the resource group and tags every resource (azd-env-name).')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the principal running azd; empty skips its role assignment.')
param principalId string = ''

@description('Images azd deployed last (SERVICE_<NAME>_IMAGE_NAME). Empty on the first provision: a placeholder runs until `azd deploy`.')
param apiImageName string = ''
param workerImageName string = ''
param migrationsImageName string = ''
param gatewayImageName string = ''

// Secrets: generated once by azd, kept in the azd environment (.azure/<env>/config.json, never committed) and
// passed only into Container Apps secrets. Letters and digits only, so they need no escaping in a connection
// string or an AMQP URI.
@secure()
@description('Administrator password of the PostgreSQL servers.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 32
      noSpecial: true
      minLower: 4
      minUpper: 4
      minNumeric: 4
    }
  }
})
param postgresAdministratorPassword string

@secure()
@description('Password of the RabbitMQ user the services connect as.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 32
      noSpecial: true
    }
  }
})
param rabbitmqPassword string

@secure()
@minLength(44)
@description('HMAC key the API signs JWTs with (Jwt__SigningKey). 64 letters and digits: also valid base64 of 48 bytes.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
      noSpecial: true
    }
  }
})
param jwtSigningKey string

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var postgresAdministratorLogin = 'conduit_admin'
var rabbitmqUsername = 'conduit'
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'
// Names known before deployment, so what-if can predict the modules that look these resources up.
var names = {
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  registry: 'cr${resourceToken}'
  identity: 'id-${resourceToken}'
  containerAppsEnvironment: 'cae-${resourceToken}'
  postgres: 'psql-${resourceToken}'
  redis: 'redis-${resourceToken}'
  storage: 'st${resourceToken}'
}

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

module registry 'modules/registry.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    registryName: names.registry
    identityName: names.identity
    deployerPrincipalId: principalId
  }
}

module containerAppsEnvironment 'modules/container-apps-environment.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: names.containerAppsEnvironment
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [
    monitoring
  ]
}

module postgres 'modules/postgres.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    primaryName: names.postgres
    replicaName: '${names.postgres}-replica'
    administratorLogin: postgresAdministratorLogin
    administratorPassword: postgresAdministratorPassword
  }
}

module redis 'modules/redis.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: names.redis
  }
}

module messaging 'modules/messaging.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    containerAppsEnvironmentName: names.containerAppsEnvironment
    storageAccountName: names.storage
    username: rabbitmqUsername
    password: rabbitmqPassword
  }
  dependsOn: [
    containerAppsEnvironment
  ]
}

// The connection strings the AppHost gives the services locally, pointing at the Azure resources instead.
module services 'app/services.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    environmentName: environmentName
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    registryServer: registry.outputs.loginServer
    identityId: registry.outputs.identityId
    apiImage: empty(apiImageName) ? placeholderImage : apiImageName
    workerImage: empty(workerImageName) ? placeholderImage : workerImageName
    migrationsImage: empty(migrationsImageName) ? placeholderImage : migrationsImageName
    gatewayImage: empty(gatewayImageName) ? placeholderImage : gatewayImageName
    conduitConnectionString: 'Host=${postgres.outputs.primaryHost};Port=5432;Database=${postgres.outputs.databaseName};Username=${postgresAdministratorLogin};Password=${postgresAdministratorPassword};SSL Mode=Require'
    conduitReadConnectionString: 'Host=${postgres.outputs.replicaHost};Port=5432;Database=${postgres.outputs.databaseName};Username=${postgresAdministratorLogin};Password=${postgresAdministratorPassword};SSL Mode=Require'
    messagingConnectionString: 'amqp://${rabbitmqUsername}:${rabbitmqPassword}@${messaging.outputs.host}:5672/'
    jwtSigningKey: jwtSigningKey
    redisName: names.redis
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [
    redis
    monitoring
  ]
}

// Read by azd (registry, environment, endpoints) and by infra/hooks/run-migrations.sh. No secrets here.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.registryName
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = registry.outputs.identityId
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = registry.outputs.identityClientId
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = containerAppsEnvironment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = containerAppsEnvironment.outputs.defaultDomain
output AZURE_POSTGRES_PRIMARY_HOST string = postgres.outputs.primaryHost
output AZURE_POSTGRES_REPLICA_HOST string = postgres.outputs.replicaHost
output AZURE_REDIS_HOST string = redis.outputs.hostName
output SERVICE_API_NAME string = services.outputs.apiName
output SERVICE_GATEWAY_NAME string = services.outputs.gatewayName
output SERVICE_GATEWAY_ENDPOINT_URL string = 'https://${services.outputs.gatewayFqdn}'
output SERVICE_WORKER_NAME string = services.outputs.workerName
output SERVICE_MIGRATIONS_NAME string = services.outputs.migrationsName
