# The cmdlets over the PowerShell remoting protocol: Start-Job runs them in another process and
# brings the results back serialized, as Invoke-Command -HostName does for many hosts.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $modulePath = Get-NginxKitModulePath
    $root = New-TestDirectory
    New-Item -ItemType Directory "$root/lib/systemd/system" | Out-Null
    Set-Content "$root/lib/systemd/system/docker.service" "[Service]`nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
}
AfterAll { Remove-Item $root -Recurse -Force -ErrorAction Ignore }

Describe 'NginxKit in a remote session' -Tag 'Module', 'Docker' {
    It 'sets a host''s Docker environment and reports it back, and a second run changes nothing' {
        $script = {
            param($module, $root)
            Import-Module $module
            Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10 -HttpsProxy 'http://ops:secret@proxy.example:3128'
            Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10 -HttpsProxy 'http://ops:secret@proxy.example:3128'
            Get-DockerEnvironmentFile -Root $root
        }
        $first, $second, $file = Start-Job -ScriptBlock $script -ArgumentList $modulePath, $root | Receive-Job -Wait -AutoRemoveJob
        $first.Changed | Should -BeTrue
        $first.FilesTouched | Should -Contain "$root/etc/default/docker"
        $second.Changed | Should -BeFalse
        $file.DockerOpts | Should -Be @('--dns', '10.96.0.10')
        $file.Variables.https_proxy | Should -Be 'http://ops:***@proxy.example:3128'
        ($first, $second, $file | Out-String) | Should -Not -Match 'secret'
    }

    It 'renders an nginx config remotely from Services on that host''s disk' {
        $example = Join-Path (Get-RepoRoot) 'examples/services.yaml'
        $conf = Start-Job -ScriptBlock { param($module, $file) Import-Module $module; Get-NginxRoute -Path $file -WarningAction SilentlyContinue | New-NginxConf } -ArgumentList $modulePath, $example |
            Receive-Job -Wait -AutoRemoveJob
        $conf | Should -Match 'location /volume/ \{'
    }
}
