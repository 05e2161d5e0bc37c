// The four azd services: `gateway`, `api` and `worker` as container apps, `migrations` as a manually triggered
// Container Apps job. The gateway is the one external endpoint; the api is reached through it. Each carries the azd-service-name tag azd deploys to, and the same environment the AppHost gives it locally
// (see `dotnet AppHost.dll --publisher manifest`), with Azure's endpoints in place of 127.0.0.1. Names, probes,
// ports and scale rules are literals on purpose: Tests/Deployment reads them from the compiled template.

param location string
param environmentName string
param containerAppsEnvironmentId string
param registryServer string
param identityId string
param apiImage string
param workerImage string
param migrationsImage string
param gatewayImage string

// Npgsql keyword strings to the primary and the replica, and the AMQP URI of the broker: composed in main.bicep.
@secure()
param conduitConnectionString string

@secure()
param conduitReadConnectionString string

@secure()
param messagingConnectionString string

@secure()
param jwtSigningKey string

param redisName string
param applicationInsightsName string

resource redis 'Microsoft.Cache/redisEnterprise@2025-07-01' existing = {
  name: redisName
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' existing = {
  parent: redis
  name: 'default'
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// StackExchange.Redis format, as the AppHost gives it, with the TLS port and access key of Azure Managed Redis.
var cacheConnectionString = '${redis.properties.hostName}:${redisDatabase.properties.port!},password=${redisDatabase.listKeys().primaryKey},ssl=True,abortConnect=False'

var identity = {
  type: 'UserAssigned'
  userAssignedIdentities: {
    '${identityId}': {}
  }
}

var registries = [
  {
    server: registryServer
    identity: identityId
  }
]

resource api 'Microsoft.App/containerApps@2025-07-01' = {
  name: 'api'
  location: location
  tags: {
    'azd-env-name': environmentName
    'azd-service-name': 'api'
  }
  identity: identity
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      // Internal: clients come through the gateway (its response cache and 413 at the edge), which reaches it as http://api.
      ingress: {
        external: false
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      registries: registries
      secrets: [
        {
          name: 'conduit'
          value: conduitConnectionString
        }
        {
          name: 'conduit-read'
          value: conduitReadConnectionString
        }
        {
          name: 'cache'
          value: cacheConnectionString
        }
        {
          name: 'messaging'
          value: messagingConnectionString
        }
        {
          name: 'jwt-signing-key'
          value: jwtSigningKey
        }
        {
          name: 'appinsights-connection-string'
          value: applicationInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'api'
          image: apiImage
          env: [
            {
              name: 'ConnectionStrings__conduit'
              secretRef: 'conduit'
            }
            {
              name: 'ConnectionStrings__conduit-read'
              secretRef: 'conduit-read'
            }
            {
              // Aspire's alias of the name above for shells that refuse '-' in variable names.
              name: 'ConnectionStrings__conduit_read'
              secretRef: 'conduit-read'
            }
            {
              name: 'ConnectionStrings__cache'
              secretRef: 'cache'
            }
            {
              name: 'ConnectionStrings__messaging'
              secretRef: 'messaging'
            }
            {
              name: 'Jwt__SigningKey'
              secretRef: 'jwt-signing-key'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'OTEL_SERVICE_NAME'
              value: 'api'
            }
            {
              // As Aspire sets it: the OTLP exporter retries a failed export from memory instead of dropping it.
              name: 'OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY'
              value: 'in_memory'
            }
            {
              // The port Kestrel listens on: the ingress's targetPort and the probes' port.
              name: 'HTTP_PORTS'
              value: '8080'
            }
            {
              name: 'ASPNETCORE_ENVIRONMENT'
              value: 'Production'
            }
            {
              // Ingress terminates TLS; the original scheme and client address arrive as X-Forwarded-* headers.
              name: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED'
              value: 'true'
            }
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/alive'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      // Each replica takes about 50 requests in flight before Container Apps adds one; two stay up so a restart or a
      // zone hiccup never leaves the API with none.
      scale: {
        minReplicas: 2
        maxReplicas: 20
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

resource worker 'Microsoft.App/containerApps@2025-07-01' = {
  name: 'worker'
  location: location
  tags: {
    'azd-env-name': environmentName
    'azd-service-name': 'worker'
  }
  identity: identity
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    // No ingress: the worker only consumes the queue. Its /alive and /health still serve the probes on 8080.
    configuration: {
      activeRevisionsMode: 'Single'
      registries: registries
      secrets: [
        {
          name: 'conduit'
          value: conduitConnectionString
        }
        {
          name: 'cache'
          value: cacheConnectionString
        }
        {
          name: 'messaging'
          value: messagingConnectionString
        }
        {
          name: 'appinsights-connection-string'
          value: applicationInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: workerImage
          env: [
            {
              name: 'ConnectionStrings__conduit'
              secretRef: 'conduit'
            }
            {
              name: 'ConnectionStrings__cache'
              secretRef: 'cache'
            }
            {
              name: 'ConnectionStrings__messaging'
              secretRef: 'messaging'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'OTEL_SERVICE_NAME'
              value: 'worker'
            }
            {
              // As Aspire sets it: the OTLP exporter retries a failed export from memory instead of dropping it.
              name: 'OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY'
              value: 'in_memory'
            }
            {
              // The port Kestrel listens on: the ingress's targetPort and the probes' port.
              name: 'HTTP_PORTS'
              value: '8080'
            }
            {
              name: 'ASPNETCORE_ENVIRONMENT'
              value: 'Production'
            }
          ]
          resources: {
            cpu: json('0.25')
            memory: '0.5Gi'
          }
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/alive'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      // KEDA reads the depth of the queue the worker consumes (over AMQP, with the same URI the worker uses) and
      // adds a replica per 20 waiting jobs; one replica always runs so a job never waits for a cold start.
      scale: {
        minReplicas: 1
        maxReplicas: 10
        rules: [
          {
            name: 'jobs-queue-length'
            custom: {
              type: 'rabbitmq'
              metadata: {
                queueName: 'conduit.jobs'
                mode: 'QueueLength'
                value: '20'
                protocol: 'amqp'
              }
              auth: [
                {
                  secretRef: 'messaging'
                  triggerParameter: 'host'
                }
              ]
            }
          }
        ]
      }
    }
  }
}

// The load balancer project (Gateway/): the one external endpoint. Here Container Apps' ingress already balances the api
// replicas per request behind the name `api`, so the gateway has one destination, http://api, resolved by service
// discovery from services__api__http__0; what it adds is its response cache (purged over Redis) and the 413 at the edge.
resource gateway 'Microsoft.App/containerApps@2025-07-01' = {
  name: 'gateway'
  location: location
  tags: {
    'azd-env-name': environmentName
    'azd-service-name': 'gateway'
  }
  identity: identity
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
        allowInsecure: false
      }
      registries: registries
      secrets: [
        {
          name: 'cache'
          value: cacheConnectionString
        }
        {
          name: 'appinsights-connection-string'
          value: applicationInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'gateway'
          image: gatewayImage
          env: [
            {
              name: 'ConnectionStrings__cache'
              secretRef: 'cache'
            }
            {
              // The api app's internal ingress, by its name inside the environment.
              name: 'services__api__http__0'
              value: 'http://${api.name}'
            }
            {
              name: 'ReverseProxy__Clusters__api__Destinations__api__Address'
              value: 'http://api'
            }
            {
              name: 'ReverseProxy__Clusters__api__LoadBalancingPolicy'
              value: 'PowerOfTwoChoices'
            }
            {
              name: 'Gateway__ResponseCache'
              value: 'true'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'OTEL_SERVICE_NAME'
              value: 'gateway'
            }
            {
              // As Aspire sets it: the OTLP exporter retries a failed export from memory instead of dropping it.
              name: 'OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY'
              value: 'in_memory'
            }
            {
              // The port Kestrel listens on: the ingress's targetPort and the probes' port.
              name: 'HTTP_PORTS'
              value: '8080'
            }
            {
              name: 'ASPNETCORE_ENVIRONMENT'
              value: 'Production'
            }
            {
              // Ingress terminates TLS; the gateway passes the client's scheme and address on to the api.
              name: 'ASPNETCORE_FORWARDEDHEADERS_ENABLED'
              value: 'true'
            }
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/alive'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/health'
                port: 8080
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      // Two so a restart never leaves the system without its front door; each keeps its own cache, all purged together.
      scale: {
        minReplicas: 2
        maxReplicas: 10
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: '200'
              }
            }
          }
        ]
      }
    }
  }
}

// Started by infra/hooks/run-migrations.sh after azd deploys its image and before the api and worker roll out.
resource migrations 'Microsoft.App/jobs@2025-07-01' = {
  name: 'migrations'
  location: location
  tags: {
    'azd-env-name': environmentName
    'azd-service-name': 'migrations'
  }
  identity: identity
  properties: {
    environmentId: containerAppsEnvironmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      replicaTimeout: 1800
      // Migrations are transactional and idempotent: one retry covers a transient connection failure.
      replicaRetryLimit: 1
      registries: registries
      secrets: [
        {
          name: 'conduit'
          value: conduitConnectionString
        }
        {
          name: 'appinsights-connection-string'
          value: applicationInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'migrations'
          image: migrationsImage
          env: [
            {
              name: 'ConnectionStrings__conduit'
              secretRef: 'conduit'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'OTEL_SERVICE_NAME'
              value: 'migrations'
            }
            {
              // As Aspire sets it: the OTLP exporter retries a failed export from memory instead of dropping it.
              name: 'OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY'
              value: 'in_memory'
            }
            {
              name: 'ASPNETCORE_ENVIRONMENT'
              value: 'Production'
            }
            {
              // MigrationService is a generic host, which reads DOTNET_ENVIRONMENT.
              name: 'DOTNET_ENVIRONMENT'
              value: 'Production'
            }
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
        }
      ]
    }
  }
}

output apiName string = api.name
output gatewayName string = gateway.name
output gatewayFqdn string = gateway.properties.configuration.ingress.fqdn
output workerName string = worker.name
output migrationsName string = migrations.name
