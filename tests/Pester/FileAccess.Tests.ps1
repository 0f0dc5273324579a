# Every cmdlet that writes files, run as an unprivileged user against root-owned 0755 targets: one
# AccessDenied error with the path, never a raw .NET exception, and nothing changed.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $asRoot = (& id -u) -eq '0'
    if (-not $asRoot -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw 'NGINXKIT_REQUIRE_REAL=1 but these tests need root, to run cmdlets as nobody.' }

    # How each writing cmdlet is run against the tree $root (root-owned, 0755): the file it would
    # write is $target. Each runs in a child pwsh as nobody; $kubeConfig is the fake cluster's.
    $writers = @(
        @{ Name = 'New-NginxConf'; File = 'etc/nginx/conf.d/default.conf'
            Command = 'New-NginxConf -Route @{ Path = "/web"; Backend = "10.0.0.1"; Port = 8080 } -OutFile $target' }
        @{ Name = 'Sync-NginxConf'; File = 'etc/nginx/conf.d/default.conf'
            Command = 'Sync-NginxConf -Once -KubeConfig $kubeConfig -OutFile $target -SkipNginxTest' }
        @{ Name = 'Set-DockerEnvironmentFile'; File = 'etc/default/docker'
            Command = 'Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10' }
        @{ Name = 'Set-DockerDaemonConfig'; File = 'etc/docker/daemon.json'
            Command = 'Set-DockerDaemonConfig -Root $root -Dns 10.96.0.10' }
        @{ Name = 'Install-DockerEngine'; File = 'etc/apt/keyrings/docker.asc'
            Command = 'Install-DockerEngine -Source Docker -KeyPath $key -Root $root -Architecture amd64' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi -WithoutNginxKit
    $modulePath = Get-NginxKitModulePath
    Import-Module $modulePath -Force

    # Cmdlets that can change something but write no file: each with why.
    $noFile = @{
        'Set-EntryNodeLabel'     = 'labels nodes through the Kubernetes API only'
        'Deploy-NginxKit'        = 'applies objects through the Kubernetes API only'
        'Remove-NginxKit'        = 'deletes objects through the Kubernetes API only'
        'Enable-DockerService'   = 'asks systemctl to enable the unit; systemd writes its links'
        'Disable-DockerService'  = 'asks systemctl to disable the unit; systemd removes its links'
        'Start-DockerService'    = 'asks systemctl to start the unit'
        'Stop-DockerService'     = 'asks systemctl to stop the unit'
        'Restart-DockerService'  = 'asks systemctl to restart the unit'
    }

    function Get-ChangingCmdlet {
        # Every cmdlet of the module that declares SupportsShouldProcess: each can change something.
        Get-Command -Module NginxKit -CommandType Cmdlet | Where-Object {
            $_.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true) |
                Where-Object SupportsShouldProcess
        } | ForEach-Object Name
    }

    function Get-TreeState([string] $Path) {
        # Every entry under the tree, with its kind, mode, owner, size and time: what "nothing changed" compares.
        Get-ChildItem -LiteralPath $Path -Recurse -Force | Sort-Object FullName | ForEach-Object {
            '{0} {1} {2} {3} {4}' -f $_.FullName, $_.UnixMode, $_.User, $(if ($_.PSIsContainer) { '-' } else { $_.Length }), $_.LastWriteTimeUtc.Ticks
        }
    }

    # pwsh runs here from the dotnet tool cache under /root (0700): nobody gets a copy it can read.
    $pwsh = Get-PwshCommand
    $scratch = New-TestDirectory
    & chmod 0755 $scratch
    $pwshArgs = @($pwsh | Select-Object -Skip 1)
    if ($pwshArgs.Count -gt 0) {
        $pwshDir = Join-Path $scratch 'pwsh'
        Copy-Item -LiteralPath (Split-Path $pwshArgs[0]) -Destination $pwshDir -Recurse
        $pwshArgs = @(Join-Path $pwshDir (Split-Path -Leaf $pwshArgs[0]))
    }
    $nobodyHome = Join-Path $scratch 'home'
    New-Item -ItemType Directory $nobodyHome | Out-Null
    & chown nobody $nobodyHome

    function Invoke-AsNobody([string] $Script) {
        # The script in a child pwsh as nobody (no groups), with the built module imported; its JSON output.
        $psi = [Diagnostics.ProcessStartInfo]::new('setpriv')
        $file = Join-Path $nobodyHome ('run-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        Set-Content -LiteralPath $file "Import-Module '$modulePath'`n$Script"
        foreach ($a in @('--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', $pwsh[0]) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-File', $file)) {
            $psi.ArgumentList.Add($a)
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['HOME'] = $nobodyHome
        $psi.Environment['TMPDIR'] = $nobodyHome
        $psi.Environment['DOTNET_CLI_HOME'] = $nobodyHome
        $psi.Environment['NO_COLOR'] = '1'
        $p = [Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.GetAwaiter().GetResult(); Error = $err.GetAwaiter().GetResult() }
    }
}

AfterAll {
    if ($scratch) { Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore }
}

Describe 'Writes the system refuses' -Tag 'FileAccess', 'Real' -Skip:(-not $asRoot) {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name web -ClusterIP 10.96.60.1 -Port 8080 -Annotations @{ 'nginxkit.io/path' = '/web' })
        & chmod -R a+rX $fake.Directory
    }
    AfterAll { Stop-FakeKubeApi $fake }

    It 'runs every cmdlet that can change something, or says why it writes no file' -ForEach @(@{ Run = @($writers | ForEach-Object { $_.Name }) }) {
        @(Get-ChangingCmdlet | Sort-Object) | Should -Be @(@($Run) + @($noFile.Keys) | Sort-Object)
    }

    It '<Name> as nobody: one AccessDenied error with the path, and nothing changed' -ForEach $writers {
        # A tree as a host has it: root's, 0755, with the files the cmdlet would replace.
        $root = Join-Path $scratch ('tree-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        foreach ($dir in 'etc/nginx/conf.d', 'etc/default', 'etc/docker', 'etc/apt/keyrings', 'lib/systemd/system') {
            New-Item -ItemType Directory (Join-Path $root $dir) -Force | Out-Null
        }
        Set-Content (Join-Path $root 'etc/nginx/conf.d/default.conf') '# the running config'
        Set-Content (Join-Path $root 'etc/default/docker') 'DOCKER_OPTS="--log-level info"'
        Set-Content (Join-Path $root 'etc/docker/daemon.json') '{ "debug": false }'
        Copy-Item (Join-Path $PSScriptRoot '../Fixtures/Systemd/units/docker-ce/docker.service') (Join-Path $root 'lib/systemd/system/docker.service')
        Set-Content (Join-Path $root 'etc/os-release') "ID=ubuntu`nID_LIKE=debian`nVERSION_CODENAME=noble"
        $key = Join-Path $root 'docker.asc'
        Set-Content $key "-----BEGIN PGP PUBLIC KEY BLOCK-----`n`nmQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth`n-----END PGP PUBLIC KEY BLOCK-----"
        & chmod -R u=rwX,go=rX $root
        $target = Join-Path $root $File
        $before = Get-TreeState $root

        $r = Invoke-AsNobody @"
`$root = '$root'; `$target = '$target'; `$key = '$key'; `$kubeConfig = '$($fake.KubeConfig)'
`$caught = `$null
try { $Command -Confirm:`$false -ErrorAction Continue -ErrorVariable +errs 2>`$null | Out-Null } catch { `$caught = `$_ }
`$all = @(`$errs) + @(if (`$caught -and @(`$errs) -notcontains `$caught) { `$caught })
ConvertTo-Json -Depth 3 -InputObject @(`$all | ForEach-Object {
    [pscustomobject]@{ ErrorId = `$_.FullyQualifiedErrorId; Category = "`$(`$_.CategoryInfo.Category)"; Target = "`$(`$_.TargetObject)"
        Exception = `$_.Exception.GetType().FullName; Message = "`$(`$_.ErrorDetails.Message)"; Hint = "`$(`$_.ErrorDetails.RecommendedAction)" }
})
"@
        $errors = @(if ($r.Output.Trim()) { $r.Output | ConvertFrom-Json })
        if ($errors.Count -ne 1) { throw "expected one error, got $($errors.Count): $($r.Output) $($r.Error)" }
        $errors[0].ErrorId | Should -BeLike 'AccessDenied,*'
        $errors[0].Category | Should -Be 'PermissionDenied'
        $errors[0].Target | Should -Be $target
        $errors[0].Exception | Should -Be 'NginxKit.Engine.Diagnostics.NginxKitException'
        $errors[0].Message | Should -BeLike "$target cannot be written*"
        $errors[0].Hint | Should -Match 'root'
        Get-TreeState $root | Should -Be $before
    }
}

Describe 'Files pinned with chattr +i' -Tag 'FileAccess', 'Real' -Skip:(-not $asRoot) {
    BeforeAll {
        # The immutable flag needs a file system that keeps it (ext4, xfs, btrfs, tmpfs since Linux 6.0).
        $probe = Join-Path $scratch 'probe'
        Set-Content -LiteralPath $probe 'x'
        & chattr +i $probe 2>$null
        $immutableWorks = $LASTEXITCODE -eq 0
        & chattr -i $probe 2>$null
        if (-not $immutableWorks -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw "NGINXKIT_REQUIRE_REAL=1 but chattr +i does not work under $scratch." }
        $pinned = [System.Collections.Generic.List[string]]::new()
    }
    AfterAll { foreach ($file in $pinned) { & chattr -i -a $file 2>$null } }

    It '<Name> as root on a file marked chattr <Flag>: AccessDenied that names the flag, and nothing changed, not even a backup' -ForEach @(
        @{ Name = 'New-NginxConf'; Flag = '+i'; File = 'etc/nginx/conf.d/default.conf'; OldBackup = $false
            Command = { New-NginxConf -Route @{ Path = '/web'; Backend = '10.0.0.1'; Port = 8080 } -OutFile $target } }
        @{ Name = 'Set-DockerEnvironmentFile'; Flag = '+i'; File = 'etc/default/docker'; OldBackup = $true
            Command = { Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10 } }
        @{ Name = 'Set-DockerDaemonConfig'; Flag = '+a'; File = 'etc/docker/daemon.json'; OldBackup = $false
            Command = { Set-DockerDaemonConfig -Root $root -Dns 10.96.0.10 } }
    ) {
        if (-not $immutableWorks) { Set-ItResult -Skipped -Because "chattr +i does not work under $scratch"; return }
        $root = Join-Path $scratch ('pinned-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        foreach ($dir in 'etc/nginx/conf.d', 'etc/default', 'etc/docker', 'lib/systemd/system') {
            New-Item -ItemType Directory (Join-Path $root $dir) -Force | Out-Null
        }
        Set-Content (Join-Path $root 'etc/nginx/conf.d/default.conf') '# the running config'
        Set-Content (Join-Path $root 'etc/default/docker') 'DOCKER_OPTS="--log-level info"'
        Set-Content (Join-Path $root 'etc/docker/daemon.json') '{ "debug": false }'
        Copy-Item (Join-Path $PSScriptRoot '../Fixtures/Systemd/units/docker-ce/docker.service') (Join-Path $root 'lib/systemd/system/docker.service')
        $target = Join-Path $root $File
        # A backup from an earlier run must survive a write that fails.
        if ($OldBackup) { Set-Content "$target.bak" '# an earlier backup' }
        & chattr $Flag $target
        $pinned.Add($target)
        $before = Get-TreeState $root
        $targetBefore = Get-Content -Raw -LiteralPath $target

        # A write that fails ends the command: the error is thrown, or written once.
        $errors = @()
        try { & $Command -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +errors | Out-Null } catch { $errors += $_ }

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AccessDenied,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($errors[0].TargetObject)" | Should -Be $target
        $errors[0].ErrorDetails.Message | Should -BeLike "$target cannot be written*immutable or append-only*"
        $errors[0].ErrorDetails.RecommendedAction | Should -BeLike "*lsattr -d $target*chattr -i*"
        Get-Content -Raw -LiteralPath $target | Should -Be $targetBefore
        Get-TreeState $root | Should -Be $before
        & chattr -i -a $target
    }
}

Describe 'A file system that is full' -Tag 'FileAccess', 'Real' -Skip:(-not $asRoot) {
    BeforeAll {
        # A small tmpfs of its own: 16 pages, filled so that one page is left: the backup fits, and the new file (two pages) does not.
        $mount = Join-Path $scratch 'full'
        New-Item -ItemType Directory $mount | Out-Null
        & mount -t tmpfs -o size=64k nginxkit-full $mount 2>$null
        $mounted = $LASTEXITCODE -eq 0
        if (-not $mounted -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw "NGINXKIT_REQUIRE_REAL=1 but a tmpfs cannot be mounted at $mount." }
    }
    AfterAll { if ($mounted) { & umount $mount } }

    It 'New-NginxConf -OutFile: one WriteFailed error that says where to make room, and the file and its backup as they were' {
        if (-not $mounted) { Set-ItResult -Skipped -Because "a tmpfs cannot be mounted at $mount"; return }
        $target = Join-Path $mount 'default.conf'
        Set-Content -LiteralPath $target '# the running config'
        Set-Content -LiteralPath "$target.bak" '# an earlier backup'
        $free = [IO.DriveInfo]::new($mount).AvailableFreeSpace
        [IO.File]::WriteAllBytes((Join-Path $mount 'filler'), [byte[]]::new($free - 4096))
        [IO.DriveInfo]::new($mount).AvailableFreeSpace | Should -Be 4096
        $before = Get-TreeState $mount

        $errors = @()
        $routes = 1..40 | ForEach-Object { @{ Path = "/app$_"; Backend = "10.0.0.$_"; Port = 8080 } }
        (New-NginxConf -Route $routes).Length | Should -BeGreaterThan 4096
        try { & { New-NginxConf -Route $routes -OutFile $target } -ErrorAction SilentlyContinue -ErrorVariable +errors | Out-Null } catch { $errors += $_ }

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'WriteFailed,*'
        $errors[0].CategoryInfo.Category | Should -Be 'WriteError'
        "$($errors[0].TargetObject)" | Should -Be $target
        $errors[0].ErrorDetails.Message | Should -Be "$target could not be written: No space left on device. Nothing was changed."
        $errors[0].ErrorDetails.RecommendedAction | Should -BeLike "*df -h $mount*"
        Get-Content -Raw -LiteralPath "$target.bak" | Should -Be "# an earlier backup`n"
        Get-Content -Raw -LiteralPath $target | Should -Be "# the running config`n"
        @(Get-ChildItem -LiteralPath $mount -Force -Filter '*.tmp').Count | Should -Be 0
        (Get-TreeState $mount | Where-Object { $_ -notmatch '\.bak ' }) | Should -Be ($before | Where-Object { $_ -notmatch '\.bak ' })
    }
}
