// Azure Managed Redis (the successor of Azure Cache for Redis, whose Basic/Standard/Premium tiers retire and are
// closed to new tenants). Balanced_B0 is the smallest size. The Enterprise clustering policy presents one endpoint,
// so StackExchange.Redis connects to it like to the AppHost's single redis-server.

param location string
param tags object
param name string

resource redis 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Balanced_B0'
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
    // Reached over TLS with an access key; private endpoints are the hardening step (docs/deploy.md).
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: redis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: 'AllKeysLRU'
    // Keys stay on: the services authenticate with a password in ConnectionStrings__cache, as they do locally.
    accessKeysAuthentication: 'Enabled'
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output port int = database.properties.port!
