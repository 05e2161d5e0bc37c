// RabbitMQ as a single-node container app, the Azure counterpart of the AppHost's `messaging`: internal TCP ingress on
// 5672 (reachable as amqp://<app name>:5672 from the other apps in the environment, never from outside), credentials
// from Container Apps secrets, and its data directory on an Azure Files share so queues survive restarts.

param location string
param tags object
param containerAppsEnvironmentName string
param storageAccountName string
param appName string = 'messaging'
@secure()
param username string

@secure()
param password string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Container Apps mounts SMB shares with the account key.
    allowSharedKeyAccess: true
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2025-01-01' = {
  parent: fileService
  name: 'rabbitmq'
  properties: {
    shareQuota: 5
    enabledProtocols: 'SMB'
  }
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' existing = {
  name: containerAppsEnvironmentName
}

resource environmentStorage 'Microsoft.App/managedEnvironments/storages@2025-07-01' = {
  parent: environment
  name: 'rabbitmq'
  properties: {
    azureFile: {
      accountName: storage.name
      accountKey: storage.listKeys().keys[0].value
      shareName: share.name
      accessMode: 'ReadWrite'
    }
  }
}

resource rabbitmq 'Microsoft.App/containerApps@2025-07-01' = {
  name: appName
  location: location
  tags: tags
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: false
        transport: 'tcp'
        targetPort: 5672
        exposedPort: 5672
      }
      secrets: [
        {
          name: 'rabbitmq-username'
          value: username
        }
        {
          name: 'rabbitmq-password'
          value: password
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'rabbitmq'
          image: 'docker.io/library/rabbitmq:4'
          env: [
            {
              name: 'RABBITMQ_DEFAULT_USER'
              secretRef: 'rabbitmq-username'
            }
            {
              name: 'RABBITMQ_DEFAULT_PASS'
              secretRef: 'rabbitmq-password'
            }
            {
              // The data directory is named after the node; a fixed name keeps it across replicas and revisions,
              // whose host names change.
              name: 'RABBITMQ_NODENAME'
              value: 'rabbit@localhost'
            }
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          probes: [
            {
              type: 'Startup'
              tcpSocket: {
                port: 5672
              }
              periodSeconds: 5
              failureThreshold: 60
            }
            {
              type: 'Liveness'
              tcpSocket: {
                port: 5672
              }
              periodSeconds: 30
              failureThreshold: 3
            }
          ]
          volumeMounts: [
            {
              volumeName: 'data'
              mountPath: '/var/lib/rabbitmq'
            }
          ]
        }
      ]
      volumes: [
        {
          name: 'data'
          storageType: 'AzureFile'
          storageName: environmentStorage.name
          // SMB shows every file as 0777 owned by root; RabbitMQ (uid 999 in the image) refuses an Erlang cookie
          // others can read, and SMB byte-range locks trip its storage.
          mountOptions: 'uid=999,gid=999,dir_mode=0700,file_mode=0600,nobrl'
        }
      ]
      // One broker on one share: a second replica would open the same data directory.
      scale: {
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

output host string = rabbitmq.name
