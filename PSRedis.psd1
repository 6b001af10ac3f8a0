@{ RootModule = 'PSRedis.dll'; ModuleVersion = '0.1.0' }
