# Install-DockerEngine, Get-DockerVersion and Test-DockerEngine for real on the systemd harness with
# Debian's docker.io, and a host without systemctl. The -Root plans and the errors that need no tool
# run in process: tests/NginxKit.Cmdlets.Tests (InstallDockerEngineRootTests, DockerMissingToolTests).
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/SystemdHarness.psm1" -Force
    $supported = Test-SystemdHarnessUsable
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule SystemdHarness
    $modulePath = Get-NginxKitModulePath
}

Describe 'The Docker cmdlets'' errors where their tool or system is missing' -Tag 'Docker' {
    It 'a unit cmdlet on a host without systemctl is SystemctlNotFound, naming the unit' -Skip:(-not $supported) {
        # A host without systemctl, for real: in a private mount namespace, each directory that holds
        # it is overlaid with a layer whose whiteout hides it. Nothing outside that namespace changes.
        $layer = New-TestDirectory
        try {
            & mknod (Join-Path $layer 'systemctl') c 0 0
            $dirs = @(@($env:PATH -split ':') + @('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin') |
                    Where-Object { $_ -and (Test-Path -LiteralPath (Join-Path $_ 'systemctl')) } |
                    ForEach-Object { Split-Path -Parent (& realpath -e (Join-Path $_ 'systemctl')) } | Sort-Object -Unique)
            $dirs | Should -Not -BeNullOrEmpty -Because 'systemctl is on this host to begin with'
            $mounts = ($dirs | ForEach-Object { "mount -t overlay overlay -o lowerdir=${layer}:$_ $_" }) -join ' && '
            $script = @"
Import-Module '$modulePath'
[pscustomobject]@{ Found = [bool](Get-Command systemctl -ErrorAction Ignore) } | ConvertTo-Json -Compress
foreach (`$command in 'Get-DockerService', 'Restart-DockerService') {
    try { & `$command -ErrorAction Stop } catch {
        [pscustomobject]@{ Id = `$_.FullyQualifiedErrorId; Target = "`$(`$_.TargetObject)"; Category = "`$(`$_.CategoryInfo.Category)"; Message = "`$(`$_.ErrorDetails.Message)" } | ConvertTo-Json -Compress
    }
}
"@
            $pwsh = Get-PwshCommand
            $out = & unshare --mount --propagation private -- /bin/sh -c "$mounts && exec `"`$@`"" sh @pwsh -NoProfile -NonInteractive -Command $script 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
            $lines = @($out | ForEach-Object { "$_" } | Where-Object { $_ -like '{*' } | ConvertFrom-Json)
            $lines[0].Found | Should -BeFalse -Because 'inside, no systemctl can be found'
            $lines.Count | Should -Be 3
            foreach ($e in $lines[1..2]) {
                $e.Id | Should -BeLike 'SystemctlNotFound,*'
                $e.Target | Should -Be 'docker.service'
                $e.Category | Should -Be 'NotInstalled'
                $e.Message | Should -Match 'systemctl was not found'
            }
            Test-Path -LiteralPath (Join-Path $dirs[0] 'systemctl') | Should -BeTrue -Because 'outside the namespace nothing changed'
        } finally {
            Remove-Item -LiteralPath $layer -Recurse -Force
        }
    }
}

Describe 'Docker engine install and health on a real systemd with Debian''s docker.io' -Tag 'Docker', 'Systemd', 'Real', 'Slow' -Skip:(-not $supported) {
    BeforeAll {
        $io = Start-DockerIoHarness
        $ready, $h = $io.Ready, $io.Harness
        function Invoke-NginxKit([string] $Script) {
            # The cmdlets as a user on that host runs them; objects come back as JSON.
            $r = Invoke-PwshInHarness -Harness $h -Script "`$ErrorActionPreference = 'Stop'; Import-Module '$modulePath'; $Script"
            if ($r.ExitCode -ne 0) { throw "pwsh in the harness failed ($($r.ExitCode)): $($r.Error) $($r.Output -join "`n")" }
            ($r.Output -join "`n") | ConvertFrom-Json
        }
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'Install-DockerEngine -Source Distribution finds docker.io, enables and starts it, and returns its state' {
        $r = Invoke-NginxKit '$r = Install-DockerEngine -Confirm:$false; [pscustomobject]@{ Changed = $r.Changed; Active = $r.Service.ActiveState; Enabled = $r.Service.UnitFileState; Needed = @($r.Plan.Steps | Where-Object Needed).Count } | ConvertTo-Json'
        $r.Changed | Should -BeTrue -Because 'the unit was neither enabled nor started'
        $r.Needed | Should -Be 0 -Because 'docker.io is installed already'
        $r.Active | Should -Be 'active'
        $r.Enabled | Should -Be 'enabled'
    }

    It 'Get-DockerVersion shows the client and the server' {
        $v = Invoke-NginxKit 'Get-DockerVersion -DockerPath /usr/bin/docker | ConvertTo-Json -Depth 4'
        $v.Client.Version | Should -Match '^20\.10\.'
        $v.Server.Version | Should -Match '^20\.10\.'
        $v.Server.ApiVersion | Should -Not -BeNullOrEmpty
        $v.Server.Os | Should -Be 'linux'
        $v.ServerError | Should -BeNullOrEmpty
    }

    It 'Test-DockerEngine passes every check' {
        $health = Invoke-NginxKit 'Test-DockerEngine | ConvertTo-Json -Depth 4'
        $failed = @($health.Checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Message)" })
        $failed | Should -BeNullOrEmpty
        $health.Healthy | Should -BeTrue
        $health.Checks.Name | Should -Be @('Binary', 'UnitEnabled', 'UnitActive', 'DaemonAnswers', 'ContainerdRunning', 'ConfigConsistent')
        (Invoke-NginxKit 'Test-DockerEngine -Quiet | ConvertTo-Json') | Should -BeExactly $true
    }

    It 'a second Install-DockerEngine changes nothing' {
        (Invoke-NginxKit '(Install-DockerEngine -Confirm:$false).Changed | ConvertTo-Json') | Should -BeExactly $false
    }

    It 'with the daemon stopped, Test-DockerEngine fails the right checks with fixes, and Get-DockerVersion still returns the client' {
        # The socket too: a connection to docker.sock would start the daemon again.
        (Invoke-InHarness -Harness $h -FilePath systemctl -ArgumentList 'stop', 'docker.socket', 'docker.service').ExitCode | Should -Be 0
        $health = Invoke-NginxKit 'Test-DockerEngine | ConvertTo-Json -Depth 4'
        $health.Healthy | Should -BeFalse
        $failed = @($health.Checks | Where-Object { -not $_.Passed })
        $failed.Name | Should -Be @('UnitActive', 'DaemonAnswers')
        $failed | ForEach-Object { $_.Fix | Should -Match 'Start-DockerService' }
        (Invoke-NginxKit 'Test-DockerEngine -Quiet | ConvertTo-Json') | Should -BeExactly $false
        $v = Invoke-NginxKit 'Get-DockerVersion -DockerPath /usr/bin/docker -WarningAction SilentlyContinue | ConvertTo-Json -Depth 4'
        $v.Client.Version | Should -Match '^20\.10\.'
        $v.Server | Should -BeNullOrEmpty
        $v.ServerError | Should -Match 'Cannot connect to the Docker daemon'
    }
}
