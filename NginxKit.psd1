@{
    # The one place the version lives; build.ps1 passes it to dotnet and names out/NginxKit/<version>/ after it.
    ModuleVersion        = '0.1.0'
    RootModule           = 'NginxKit.dll'
    GUID                 = '5f0b7a51-2c4e-4f0e-9a43-6d1c8e2b7a90'
    Author               = 'NginxKit contributors'
    CompanyName          = 'NginxKit'
    Copyright            = '(c) NginxKit contributors. MIT License.'
    Description          = 'Cmdlets for an nginx entry on Kubernetes and Docker hosts under systemd: entry nodes, routes and nginx config, the entry deployment, Docker daemon settings, journal and health.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('NginxKit.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-NginxKitCluster'
        'Deploy-NginxKit'
        'Disable-DockerService'
        'Enable-DockerService'
        'Get-DockerEnvironmentFile'
        'Get-DockerJournal'
        'Get-DockerService'
        'Get-DockerVersion'
        'Get-EntryNode'
        'Get-NginxRoute'
        'Install-DockerEngine'
        'New-NginxConf'
        'New-NginxKitManifest'
        'Remove-NginxKit'
        'Resolve-NginxRoute'
        'Restart-DockerService'
        'Set-DockerDaemonConfig'
        'Set-DockerEnvironmentFile'
        'Set-EntryNodeLabel'
        'Start-DockerService'
        'Stop-DockerService'
        'Sync-NginxConf'
        'Test-DockerEngine'
        'Test-NginxConf'
        'Test-NginxKitEntry'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('nginx', 'kubernetes', 'docker', 'systemd', 'journald', 'ingress', 'Linux')
            ProjectUri   = 'https://example.invalid/nginxkit'
            LicenseUri   = 'https://example.invalid/nginxkit/LICENSE'
            ReleaseNotes = @'
0.1.0
- Entry nodes: Get-EntryNode, Set-EntryNodeLabel (idempotent, many nodes at once, -WhatIf as a server-side dry run), Connect-NginxKitCluster.
- Routes and nginx config: Get-NginxRoute (from the cluster or from manifests), New-NginxConf and Test-NginxConf (validated, deterministic, exact prefix stripping), Sync-NginxConf (-Once, -Watch with reload), Resolve-NginxRoute (where a URL goes, by nginx's own rules).
- The entry deployment: New-NginxKitManifest (one image, hardened pod), Deploy-NginxKit (server-side dry run of every object, then server-side apply; -Wait stops at the first hopeless pod), Remove-NginxKit.
- nginxkit-sync: the sync without PowerShell, for the entry's init container and sidecar.
- Docker under systemd: Get-, Enable-, Disable-, Start-, Stop- and Restart-DockerService; Get- and Set-DockerEnvironmentFile; Set-DockerDaemonConfig.
- Docker's logs: Get-DockerJournal.
- Docker install and health: Install-DockerEngine (signed-by keyring), Get-DockerVersion, Test-DockerEngine.
'@
        }
    }
}
