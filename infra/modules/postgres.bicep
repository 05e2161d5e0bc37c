// PostgreSQL Flexible Server: the primary (writes, migrations) and one asynchronous read replica, the Azure
// counterparts of the AppHost's `postgres` and `postgres-replica`. Read replicas need General Purpose or Memory
// Optimized compute; Burstable cannot have one.

param location string
param tags object
param primaryName string
param replicaName string
param administratorLogin string

@secure()
param administratorPassword string

param skuName string = 'Standard_D2ds_v5'
param storageSizeGB int = 32

var sku = {
  name: skuName
  tier: 'GeneralPurpose'
}

resource primary 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: primaryName
  location: location
  tags: tags
  sku: sku
  properties: {
    version: '17'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// Container Apps on the consumption profile have no fixed egress address: admit Azure-internal sources only
// (the special 0.0.0.0 rule); TLS is required by the server. A VNet with private access is the hardening step.
resource primaryAllowsAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = {
  parent: primary
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: primary
  // The AppHost's `conduit` and `conduit-read` resources are this database on the primary and on the replica.
  name: 'conduit'
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// The working set lives in memory, where a random read costs about what a sequential one does: at the default the
// planner hashes the whole users table to join a 20-article page instead of looking up its authors by key. The AppHost
// starts its PostgreSQL with the same setting.
resource primaryRandomPageCost 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2025-08-01' = {
  parent: primary
  name: 'random_page_cost'
  properties: {
    value: '1.1'
    source: 'user-override'
  }
}

// Created after the database, firewall rule and settings so it starts from a primary that already has them.
resource replica 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: replicaName
  location: location
  tags: tags
  sku: sku
  properties: {
    createMode: 'Replica'
    sourceServerResourceId: primary.id
  }
  dependsOn: [
    database
    primaryAllowsAzure
    primaryRandomPageCost
  ]
}

// Server parameters, like firewall rules, are the replica's own once it exists.
resource replicaRandomPageCost 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2025-08-01' = {
  parent: replica
  name: 'random_page_cost'
  properties: {
    value: '1.1'
    source: 'user-override'
  }
}

// Firewall rules are copied to a replica when it is created but not kept in sync afterwards: declare it.
resource replicaAllowsAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = {
  parent: replica
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

output primaryHost string = primary.properties.fullyQualifiedDomainName
output replicaHost string = replica.properties.fullyQualifiedDomainName
output databaseName string = database.name
