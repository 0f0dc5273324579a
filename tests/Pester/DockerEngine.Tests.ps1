# Install-DockerEngine, Get-DockerVersion and Test-DockerEngine: planned offline under -Root, and
# for real on the systemd harness with Debian's docker.io.
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

Describe 'Install-DockerEngine -Source Docker, planned and written under -Root' -Tag 'Docker' {
    BeforeEach {
        $root = New-TestDirectory
        New-Item -ItemType Directory "$root/etc" | Out-Null
        Set-Content "$root/etc/os-release" "PRETTY_NAME=`"Ubuntu 24.04 LTS`"`nID=ubuntu`nID_LIKE=debian`nVERSION_CODENAME=noble`nUBUNTU_CODENAME=noble"
        $key = Join-Path $root 'docker.asc'
        Set-Content $key "-----BEGIN PGP PUBLIC KEY BLOCK-----`n`nmQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth`n-----END PGP PUBLIC KEY BLOCK-----"
    }
    AfterEach { Remove-Item $root -Recurse -Force }

    It '-WhatIf plans a signed-by keyring and source for the detected suite, and writes nothing' {
        $r = Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture arm64 -WhatIf
        $files = @($r.Plan.Steps | Where-Object Kind -eq File)
        $files.Target | Should -Be @("$root/etc/apt/keyrings/docker.asc", "$root/etc/apt/sources.list.d/docker.list")
        $files.Needed | Should -Be @($true, $true)
        $files[1].Content | Should -BeExactly "deb [arch=arm64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable`n"
        ($r.Plan.Steps | Where-Object Kind -eq Command).Target | Should -Be @('apt-get update', 'apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin')
        ($r.Plan.Steps.Target + $r.Plan.Steps.Description) -match 'apt-key' | Should -BeNullOrEmpty
        "$root/etc/apt" | Should -Not -Exist
    }

    It 'writes the key and the source, and a second run changes nothing' {
        (Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture amd64 -Confirm:$false).Changed | Should -BeTrue
        [IO.File]::ReadAllBytes("$root/etc/apt/keyrings/docker.asc") | Should -Be ([IO.File]::ReadAllBytes($key))
        Get-Content "$root/etc/apt/sources.list.d/docker.list" -Raw | Should -BeExactly "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable`n"
        $before = (Get-Item "$root/etc/apt/sources.list.d/docker.list").LastWriteTimeUtc
        $again = @(Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture amd64 -Confirm:$false)
        $again.Count | Should -Be 1
        $again[0].Changed | Should -BeExactly $false
        @($again.Plan.Steps | Where-Object Needed).Count | Should -Be 0
        (Get-Item "$root/etc/apt/sources.list.d/docker.list").LastWriteTimeUtc | Should -Be $before
    }

    It 'refuses a key file that is not an OpenPGP key, and a host that is not Debian or Ubuntu' {
        Set-Content $key 'not a key'
        { Install-DockerEngine -Source Docker -KeyPath $key -Root $root -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'KeyNotUsable,*'
        Set-Content "$root/etc/os-release" "ID=fedora`nVERSION_ID=40"
        { Install-DockerEngine -Source Docker -Root $root -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'UnsupportedDistribution,*'
    }
}

Describe 'The Docker cmdlets'' errors where their tool or system is missing' -Tag 'Docker' {
    BeforeAll {
        Import-Module $modulePath -Force
        $dir = New-TestDirectory
    }
    AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }

    It 'Get-DockerVersion with no docker client is DockerNotFound' {
        { Get-DockerVersion -DockerPath "$dir/no-such-docker" -ErrorAction Stop } | Should -Throw -ErrorId 'DockerNotFound,*'
    }

    It 'Get-DockerVersion with a client that prints no version is DockerVersionFailed' {
        $fake = Join-Path $dir 'silent-docker'
        Set-Content -LiteralPath $fake -Value "#!/bin/sh`necho 'no daemon here' >&2`nexit 1"
        & chmod 755 $fake
        { Get-DockerVersion -DockerPath $fake -ErrorAction Stop } | Should -Throw -ErrorId 'DockerVersionFailed,*'
    }

    It 'a unit cmdlet on a host where systemd is not PID 1 is SystemdNotRunning, naming the unit, with no systemctl command line' {
        $err = $null
        Get-DockerService -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SystemdNotRunning,*'
        $err[0].TargetObject | Should -Be 'docker.service'
        $err[0].ErrorDetails.Message | Should -Match 'systemd is not running'
        $err[0].ErrorDetails.Message | Should -Not -Match 'systemctl show|-p |Get-DockerJournal'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'Test-DockerEngine where systemd is not PID 1 sends no one to a unit cmdlet or the unit''s log' {
        $health = Test-DockerEngine -Socket (Join-Path $dir 'no-daemon.sock')
        $checks = @{}
        foreach ($check in $health.Checks) { $checks[$check.Name] = $check }
        $checks.UnitActive.Passed | Should -BeFalse
        $checks.UnitActive.Message | Should -Match 'systemd is not running'
        $checks.DaemonAnswers.Passed | Should -BeFalse
        $checks.DaemonAnswers.Fix | Should -Match 'systemd is not running here'
        @($health.Checks | Where-Object Fix | ForEach-Object Fix) -match 'Get-DockerJournal|Start-DockerService' | Should -BeNullOrEmpty
    }

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

    It 'Get-DockerEnvironmentFile on a tree without the file is EnvironmentFileNotFound' {
        $err = $null
        Get-DockerEnvironmentFile -Root $dir -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentFileNotFound,*'
    }

    It '-Restart with -Root is refused (RestartWithRoot) before anything is read or written' {
        { Set-DockerEnvironmentFile -Root $dir -Dns 1.1.1.1 -Restart -ErrorAction Stop } | Should -Throw -ErrorId 'RestartWithRoot,*'
        Test-Path -LiteralPath (Join-Path $dir 'etc') | Should -BeFalse
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
