<#
    NginxKit's Docker-under-systemd cmdlets against a REAL systemd (tests/Pester/SystemdHarness.psm1):
    Get-DockerService, Enable-/Disable-/Start-/Stop-/Restart-DockerService, Get-/Set-DockerEnvironmentFile
    and Set-DockerDaemonConfig. The cmdlets run inside the harness as a user on that host would run them
    (Invoke-PwshInHarness: this pwsh, Import-Module of the built module); what they did is then read from
    outside: the stand-in dockerd's record of its argv and environment, `systemctl show`, PID 1's journal,
    the files under the harness root. The offline (-Root) behaviours run in this process on temp trees.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when this machine cannot run a real systemd
                             or docker.io cannot be installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/SystemdHarness.psm1" -Force
    $supported = Test-SystemdHarnessUsable
    $analyzeFound = [bool](Find-RealTool -Name systemd-analyze)
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule SystemdHarness -WithoutNginxKit

    $script:ModulePath = [IO.Path]::GetFullPath((Get-NginxKitModulePath))
    $script:FixtureDir = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../Fixtures/Systemd'))
    $script:EnvFile = '/etc/default/docker'
    $script:DropIn = '/etc/systemd/system/docker.service.d/zz-nginxkit-environment.conf'
    # docker-ce's packaged ExecStart, as the stand-in receives it (argv after the program name).
    $script:BaseArgv = @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock')
    $script:Marker = '@@NGINXKIT-RESULT@@'

    # The script Invoke-NginxKit runs inside: imports the built module (its path is written into the
    # text: nothing relies on the environment crossing nsenter), runs the test's script with every
    # stream captured, prints each record as a user would have seen it (default view and Format-List *),
    # then one line of JSON with the records sorted by stream, after a marker line.
    $script:Wrapper = @'
$ErrorActionPreference = 'Continue'
$PSStyle.OutputRendering = 'PlainText'
Import-Module '@@MODULE@@' -ErrorAction Stop
$records = [System.Collections.Generic.List[object]]::new()
try {
    & {
@@SCRIPT@@
    } *>&1 | ForEach-Object { $records.Add($_) }
} catch {
    $records.Add($_)
}
$items = foreach ($r in $records) {
    if ($r -is [System.Management.Automation.ErrorRecord]) {
        [pscustomobject]@{
            Stream = 'Error'; ErrorId = ($r.FullyQualifiedErrorId -split ',')[0]
            Message = if ($r.ErrorDetails -and $r.ErrorDetails.Message) { $r.ErrorDetails.Message } else { $r.Exception.Message }
            Category = "$($r.CategoryInfo.Category)"; Target = "$($r.TargetObject)"
            # The error as shown, every property of the record, and the exception with its inner ones.
            Text = ($r | Out-String -Width 4096) + ($r | Format-List -Property * -Force | Out-String -Width 4096) + "$($r.ErrorDetails)`n$($r.Exception)"
        }
    } elseif ($r -is [System.Management.Automation.WarningRecord]) {
        [pscustomobject]@{ Stream = 'Warning'; Message = $r.Message; Text = "WARNING: $($r.Message)" }
    } elseif ($r -is [System.Management.Automation.VerboseRecord]) {
        [pscustomobject]@{ Stream = 'Verbose'; Message = $r.Message; Text = "VERBOSE: $($r.Message)" }
    } elseif ($r -is [System.Management.Automation.DebugRecord]) {
        [pscustomobject]@{ Stream = 'Debug'; Message = $r.Message; Text = "DEBUG: $($r.Message)" }
    } elseif ($r -is [System.Management.Automation.InformationRecord]) {
        [pscustomobject]@{ Stream = 'Information'; Message = "$($r.MessageData)"; Text = "$($r.MessageData) $($r.Tags)" }
    } else {
        [pscustomobject]@{ Stream = 'Output'; Value = $r; Text = ($r | Out-String -Width 4096) + ($r | Format-List -Property * | Out-String -Width 4096) }
    }
}
foreach ($item in $items) { $item.Text }
Write-Output '@@MARKER@@'
ConvertTo-Json -InputObject @($items) -Depth 8 -Compress
'@

    function Invoke-NginxKit {
        <# Runs NginxKit cmdlets inside the harness; returns Output (objects), Warnings, Verbose (messages),
           Errors (ErrorId, Message, Category, Target), and Printed: everything the process wrote. #>
        # -AsHashtable: objects come back as hashtables, for output whose keys differ only in case (http_proxy, HTTP_PROXY).
        param([Parameter(Mandatory)] [psobject] $Harness, [Parameter(Mandatory)] [string] $Script, [switch] $AsHashtable)
        $text = $script:Wrapper.Replace('@@MODULE@@', $script:ModulePath.Replace("'", "''")).Replace('@@MARKER@@', $script:Marker).Replace('@@SCRIPT@@', $Script)
        $r = Invoke-PwshInHarness -Harness $Harness -Script $text -Environment @{ NO_COLOR = '1' }
        $at = [Array]::LastIndexOf([string[]]$r.Output, $script:Marker)
        if ($r.ExitCode -ne 0 -or $at -lt 0 -or $at + 1 -ge $r.Output.Count) {
            throw "pwsh in the harness gave no result (exit $($r.ExitCode)):`n$($r.Output -join "`n")`n$($r.Error)"
        }
        $items = @(ConvertFrom-Json -InputObject $r.Output[$at + 1] -AsHashtable:$AsHashtable)
        function Select-Stream([string] $Stream, [string] $Member) {
            foreach ($item in $items) { if ($item.Stream -eq $Stream) { if ($Member) { $item.$Member } else { $item } } }
        }
        [pscustomobject]@{
            Output      = @(Select-Stream Output Value)
            Warnings    = @(Select-Stream Warning Message)
            Verbose     = @(Select-Stream Verbose Message)
            Debug       = @(Select-Stream Debug Message)
            Information = @(Select-Stream Information Message)
            Errors      = @(Select-Stream Error)
            Printed     = ($r.Output -join "`n") + "`n" + $r.Error
        }
    }

    function Get-ReloadCount {
        # How many daemon-reloads PID 1 has logged ("Reloading."). journalctl --sync first: it returns
        # only once journald has stored every message sent before it, so nothing is still in flight.
        param([psobject] $Harness)
        Invoke-InHarnessChecked $Harness journalctl @('--sync') | Out-Null
        @((Invoke-InHarnessChecked $Harness journalctl @('_PID=1', '-o', 'cat', '--no-pager')).Output | Where-Object { $_ -eq 'Reloading.' }).Count
    }

    function Get-FileState {
        # Bytes (base64, to compare exactly) and mtime of each file; $null for a missing one.
        param([string[]] $Path)
        foreach ($p in $Path) {
            if (Test-Path -LiteralPath $p) {
                [pscustomobject]@{ Path = $p; Bytes = [Convert]::ToBase64String([IO.File]::ReadAllBytes($p)); Mtime = (Get-Item -LiteralPath $p).LastWriteTimeUtc }
            } else {
                [pscustomobject]@{ Path = $p; Bytes = $null; Mtime = $null }
            }
        }
    }

    function Get-DirListing {
        # File names in a directory (hidden ones included), sorted; empty for a missing directory.
        param([string] $Path)
        @(Get-ChildItem -LiteralPath $Path -Force -File -ErrorAction Ignore | ForEach-Object Name | Sort-Object)
    }

    function New-OfflineTree {
        # A --root tree holding a variant's fixture units (docker-ce by default) as Debian 12 lays them out,
        # built by New-SystemdOfflineRoot (placeholders for every Exec program, so verify can run).
        param([string] $Units = 'docker-ce')
        $stage = New-TestDirectory
        try {
            $fake = [pscustomobject]@{
                LibSystemdSystem = Join-Path $stage 'lib-systemd-system'
                EtcSystemdSystem = Join-Path $stage 'etc-systemd-system'
                EtcDefault       = Join-Path $stage 'etc-default'
            }
            foreach ($dir in $fake.PSObject.Properties.Value) { [void][IO.Directory]::CreateDirectory($dir) }
            Copy-Item -Path (Join-Path $script:FixtureDir 'units/base/*') -Destination $fake.LibSystemdSystem
            Copy-Item -Path (Join-Path $script:FixtureDir "units/$Units/*") -Include '*.service', '*.socket' -Destination $fake.LibSystemdSystem
            New-SystemdOfflineRoot -Harness $fake -Path (Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-offline-' + [guid]::NewGuid().ToString('N').Substring(0, 12)))
        } finally {
            Remove-Item -LiteralPath $stage -Recurse -Force
        }
    }

    function Invoke-Native {
        # A program's exit code, stdout and stderr, kept apart.
        param([string] $FilePath, [string[]] $ArgumentList)
        $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
        foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['SYSTEMD_COLORS'] = '0'
        $p = [Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.GetAwaiter().GetResult(); Error = $err.GetAwaiter().GetResult() }
    }
}

Describe 'Set-DockerEnvironmentFile on docker-ce''s unit under a real systemd' -Tag 'Docker', 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DockerCe
        $envPath = Join-Path $h.EtcDefault 'docker'
        $dropInPath = Join-Path $h.EtcSystemdSystem 'docker.service.d/zz-nginxkit-environment.conf'
        # -NoProxy is quoted; the unquoted list the requirements show has its own test in-process
        # (tests/NginxKit.Cmdlets.Tests, DockerEnvironmentFileOfflineTests).
        $setCommand = "Set-DockerEnvironmentFile -Dns 8.8.8.8,8.8.4.4 -HttpProxy http://user:secret@proxy.example:3128 -NoProxy 'localhost,10.0.0.0/8' -Restart"
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'writes the file and drop-in, reloads and restarts: dockerd gets exactly --dns twice and the proxy, and no password is printed' {
        $r = Invoke-NginxKit $h "$setCommand -Verbose"
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 1
        $result = $r.Output[0]
        $result.Changed | Should -BeTrue
        $result.DaemonReloaded | Should -BeTrue
        $result.Restarted | Should -BeTrue
        $result.RestartPending | Should -BeFalse
        $result.FilesTouched | Should -Be @($script:EnvFile, $script:DropIn)

        $record = Get-StandInDockerdRecord -Harness $h
        $record.Program | Should -Be '/usr/bin/dockerd' -Because 'the record keeps argv[0] apart; Argv is what follows it'
        $record.Argv | Should -Be ($script:BaseArgv + @('--dns', '8.8.8.8', '--dns', '8.8.4.4'))
        $record.Environment['http_proxy'] | Should -BeExactly 'http://user:secret@proxy.example:3128'
        $record.Environment['no_proxy'] | Should -BeExactly 'localhost,10.0.0.0/8'
        $record.Pid | Should -Be ([int](Get-UnitShow $h).MainPID)

        # The drop-in is docker-ce's own ExecStart plus $DOCKER_OPTS, after the reset.
        (Get-Content -LiteralPath $dropInPath) -notmatch '^\s*(#|$)' | Should -Be @(
            '[Service]'
            'EnvironmentFile=-/etc/default/docker'
            'ExecStart='
            'ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS')

        # The password is in the file (dockerd needs it) and nowhere in what was printed: output in its
        # default view and Format-List *, warnings, verbose (the ShouldProcess diff), errors.
        [IO.File]::ReadAllText($envPath) | Should -Match 'user:secret@'
        $r.Verbose -join "`n" | Should -Match ([regex]::Escape('http://user:***@proxy.example:3128')) -Because 'the diff was shown, masked'
        $r.Printed | Should -Not -Match 'secret'
    }

    It 'shows a masked diff under -WhatIf and changes nothing' {
        $before = Get-FileState $envPath, $dropInPath
        $reloads = Get-ReloadCount $h
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -HttpProxy http://user:secret@proxy2.example:3128 -Restart -WhatIf'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Changed | Should -BeTrue -Because '-WhatIf reports what would change'
        $r.Output[0].Restarted | Should -BeFalse
        $r.Printed | Should -Match 'What if:'
        $r.Printed | Should -Match ([regex]::Escape('+http_proxy="http://user:***@proxy2.example:3128"'))
        $r.Printed | Should -Not -Match 'secret'
        (Get-FileState $envPath, $dropInPath | ConvertTo-Json) | Should -Be ($before | ConvertTo-Json)
        Get-ReloadCount $h | Should -Be $reloads
    }

    It 'run again, changes nothing: Changed false, both mtimes kept, no daemon-reload, no restart' {
        $before = Get-FileState $envPath, $dropInPath
        $unitBefore = Get-UnitShow $h
        $reloads = Get-ReloadCount $h
        $listing = Get-DirListing $h.EtcDefault

        $r = Invoke-NginxKit $h $setCommand
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
        @($r.Output).Count | Should -Be 1
        $result = $r.Output[0]
        $result.Changed | Should -BeExactly $false
        $result.FilesTouched | Should -BeNullOrEmpty
        $result.DaemonReloaded | Should -BeExactly $false
        $result.Restarted | Should -BeExactly $false

        $after = Get-FileState $envPath, $dropInPath
        foreach ($i in 0, 1) {
            $after[$i].Bytes | Should -BeExactly $before[$i].Bytes
            $after[$i].Mtime | Should -Be $before[$i].Mtime -Because "$($before[$i].Path) must not be rewritten"
        }
        Get-DirListing $h.EtcDefault | Should -Be $listing -Because 'no temp file or new backup either'
        # PID 1 logs "Reloading." for each daemon-reload; journalctl --sync makes the count current.
        Get-ReloadCount $h | Should -Be $reloads -Because 'an unchanged run must not daemon-reload'
        $unitAfter = Get-UnitShow $h
        $unitAfter.MainPID | Should -Be $unitBefore.MainPID
        $unitAfter.InvocationID | Should -Be $unitBefore.InvocationID -Because 'no restart either'

        # The control: the same observable does see a daemon-reload.
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        Get-ReloadCount $h | Should -Be ($reloads + 1)
    }

    It 'passes an -Environment value with spaces, quotes, $, %, \ and # to dockerd exactly' {
        $value = 'a b "c" $HOME %h \ #x'
        $r = Invoke-NginxKit $h @'
Set-DockerEnvironmentFile -Environment @{ X_TEST = 'a b "c" $HOME %h \ #x' } -Restart
Get-DockerEnvironmentFile
'@
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Restarted | Should -BeTrue
        $r.Output[1].Variables.X_TEST | Should -BeExactly $value -Because 'Get-DockerEnvironmentFile reads back what systemd reads'
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Environment['X_TEST'] | Should -BeExactly $value
        $record.Argv | Should -Be ($script:BaseArgv + @('--dns', '8.8.8.8', '--dns', '8.8.4.4')) -Because 'DOCKER_OPTS is left as it was'
    }

    It 'refuses <Name> with InvalidDockerOption and changes nothing' -TestCases @(
        @{ Name = '-Dns ''a b'''; Command = 'Set-DockerEnvironmentFile -Dns ''a b'' -Restart' }
        @{ Name = '-DockerOpts "--label ''a b''"'; Command = 'Set-DockerEnvironmentFile -DockerOpts "--label ''a b''" -Restart' }
        @{ Name = '-DockerOpts with a double-quoted value'; Command = 'Set-DockerEnvironmentFile -DockerOpts ''--label "ab"'' -Restart' }
    ) {
        $before = Get-FileState $envPath, $dropInPath
        $listing = Get-DirListing $h.EtcDefault
        $mainPid = (Get-UnitShow $h).MainPID
        $reloads = Get-ReloadCount $h

        $r = Invoke-NginxKit $h $Command
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].ErrorId | Should -Be 'InvalidDockerOption'
        $r.Errors[0].Category | Should -Be 'InvalidArgument'
        $r.Output | Should -BeNullOrEmpty

        (Get-FileState $envPath, $dropInPath | ConvertTo-Json) | Should -Be ($before | ConvertTo-Json)
        Get-DirListing $h.EtcDefault | Should -Be $listing
        (Get-UnitShow $h).MainPID | Should -Be $mainPid
        Get-ReloadCount $h | Should -Be $reloads
    }

    It 'passes DOCKER_OPTS words holding $, ${...}, % and # (no space) to dockerd exactly' {
        $r = Invoke-NginxKit $h @'
Set-DockerEnvironmentFile -DockerOpts '--label a$b%c#e --label=x${HOME}y --label p%%q' -Restart
'@
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Restarted | Should -BeTrue
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Argv | Should -Be ($script:BaseArgv + @('--label', 'a$b%c#e', '--label=x${HOME}y', '--label', 'p%%q'))
        $record.Environment['DOCKER_OPTS'] | Should -BeExactly '--label a$b%c#e --label=x${HOME}y --label p%%q'
    }

    It 'refuses a DOCKER_OPTS word holding a backslash (systemd 252 unescapes \ in an unbraced $DOCKER_OPTS) and changes nothing' {
        # Measured on this systemd: DOCKER_OPTS='--label a\d' reaches dockerd as 'ad', so the value cannot pass as given.
        $before = Get-FileState $envPath, $dropInPath
        $r = Invoke-NginxKit $h @'
Set-DockerEnvironmentFile -DockerOpts '--label a$b%c\d#e' -Restart
'@
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].ErrorId | Should -Be 'InvalidDockerOption'
        $r.Output | Should -BeNullOrEmpty
        (Get-FileState $envPath, $dropInPath | ConvertTo-Json) | Should -Be ($before | ConvertTo-Json)
    }
}

Describe 'Set-DockerEnvironmentFile with Docker''s documented override.conf and http-proxy.conf under a real systemd' -Tag 'Docker', 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DockerCe
        $dropInDir = Join-Path $h.EtcSystemdSystem 'docker.service.d'
        $envPath = Join-Path $h.EtcDefault 'docker'
        # Docker's documentation, "Configure the daemon with systemd": remote access through an
        # override.conf that replaces ExecStart, and the proxy through http-proxy.conf.
        Write-UnixText (Join-Path $dropInDir 'override.conf') @('[Service]', 'ExecStart=', 'ExecStart=/usr/bin/dockerd -H fd:// -H tcp://127.0.0.1:2375')
        Write-UnixText (Join-Path $dropInDir 'http-proxy.conf') @(
            '[Service]'
            'Environment="HTTP_PROXY=http://proxy.example.com:3128"'
            'Environment="HTTPS_PROXY=https://proxy.example.com:3129"'
            'Environment="NO_PROXY=localhost,127.0.0.1,docker-registry.example.com,.corp"')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        Invoke-InHarnessChecked $h systemctl @('start', 'docker.service') | Out-Null
        $overrideArgv = @('-H', 'fd://', '-H', 'tcp://127.0.0.1:2375')
    }
    BeforeEach {
        # These tests restart docker.service more often than its StartLimitBurst=3 in 60 s allows;
        # reset-failed clears that count, which only the tests' own pace would exhaust.
        Invoke-InHarnessChecked $h systemctl @('reset-failed', 'docker.service') | Out-Null
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'dockerd runs with the documented drop-ins: override.conf''s ExecStart and http-proxy.conf''s HTTP_PROXY' {
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Argv | Should -Be $overrideArgv
        $record.Environment['HTTP_PROXY'] | Should -BeExactly 'http://proxy.example.com:3128'
    }

    It 'refuses -HttpProxy while http-proxy.conf sets HTTP_PROXY (DropInOverridden, naming the file), and writes and restarts nothing' {
        $mainPid = (Get-UnitShow $h).MainPID
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -HttpProxy http://new-proxy.example:3128 -Restart'
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].ErrorId | Should -Be 'DropInOverridden'
        $r.Errors[0].Target | Should -Be '/etc/systemd/system/docker.service.d/http-proxy.conf'
        $r.Errors[0].Message | Should -Match 'HTTP_PROXY=http://proxy\.example\.com:3128'
        $r.Errors[0].Text | Should -Match '-OverrideDropIn' -Because 'the hint says how to go on'
        Test-Path -LiteralPath $envPath | Should -BeFalse
        Get-DirListing $dropInDir | Should -Be @('http-proxy.conf', 'override.conf')
        (Get-UnitShow $h).MainPID | Should -Be $mainPid
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Argv | Should -Be $overrideArgv -Because 'dockerd never got --dns'
        $record.Environment['HTTP_PROXY'] | Should -BeExactly 'http://proxy.example.com:3128'
    }

    It 'with -OverrideDropIn dockerd gets --dns after override.conf''s own ExecStart, and the new proxy under both names' {
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -HttpProxy http://new-proxy.example:3128 -OverrideDropIn -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $result = $r.Output[0]
        $result.Changed | Should -BeTrue
        $result.Restarted | Should -BeTrue
        $result.RestartReason | Should -Be 'Changed'
        @($result.Delivery | ForEach-Object { "$($_.Setting) $($_.Value) $($_.Received)" }) | Should -Be @('--dns 9.9.9.9 True', 'http_proxy http://new-proxy.example:3128 True')

        $record = Get-StandInDockerdRecord -Harness $h
        $record.Argv | Should -Be ($overrideArgv + @('--dns', '9.9.9.9'))
        $record.Environment['HTTP_PROXY'] | Should -BeExactly 'http://new-proxy.example:3128' -Because 'an EnvironmentFile wins over Environment='
        $record.Environment['http_proxy'] | Should -BeExactly 'http://new-proxy.example:3128'
        $record.Environment['HTTPS_PROXY'] | Should -BeExactly 'https://proxy.example.com:3129' -Because 'what was not asked for stays'
        # NginxKit's drop-in sorts after both and extends override.conf's ExecStart.
        (Get-UnitShow $h).DropInPaths -split ' ' | Should -Be @(
            '/etc/systemd/system/docker.service.d/http-proxy.conf'
            '/etc/systemd/system/docker.service.d/override.conf'
            $script:DropIn)
        (Get-Content -LiteralPath (Join-Path $h.EtcSystemdSystem ($script:DropIn -replace '^/etc/systemd/system/'))) |
            Should -Contain 'ExecStart=/usr/bin/dockerd -H fd:// -H tcp://127.0.0.1:2375 $DOCKER_OPTS'
    }

    It '-Restart restarts a dockerd that started before the files'' last change (FilesNewerThanDaemon), and then no more' {
        # A run without -Restart writes and leaves dockerd as it was, with a warning.
        $before = (Get-UnitShow $h).MainPID
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 8.8.8.8 -OverrideDropIn'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Changed | Should -BeTrue
        $r.Output[0].Restarted | Should -BeFalse
        $r.Output[0].RestartPending | Should -BeTrue
        $r.Output[0].RestartReason | Should -Be 'Changed'
        $r.Warnings -join "`n" | Should -Match 'restart it'
        (Get-UnitShow $h).MainPID | Should -Be $before
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be ($overrideArgv + @('--dns', '9.9.9.9'))

        # The same command with -Restart changes no file, yet dockerd runs with older ones: it restarts.
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 8.8.8.8 -OverrideDropIn -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Changed | Should -BeFalse
        $r.Output[0].Restarted | Should -BeTrue
        $r.Output[0].RestartReason | Should -Be 'FilesNewerThanDaemon'
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be ($overrideArgv + @('--dns', '8.8.8.8'))

        # A hand edit of the file counts the same.
        [IO.File]::AppendAllText($envPath, "NGINXKIT_HAND_EDIT=1`n")
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Restart'
        $r.Output[0].Changed | Should -BeFalse
        $r.Output[0].RestartReason | Should -Be 'FilesNewerThanDaemon'
        $r.Output[0].Restarted | Should -BeTrue
        (Get-StandInDockerdRecord -Harness $h).Environment['NGINXKIT_HAND_EDIT'] | Should -Be '1'

        # The control: now dockerd runs with the files as they are, and -Restart leaves it alone.
        $mainPid = (Get-UnitShow $h).MainPID
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].RestartReason | Should -BeNullOrEmpty
        $r.Output[0].Restarted | Should -BeFalse
        (Get-UnitShow $h).MainPID | Should -Be $mainPid
    }

    It 'a restart that fails after the write still returns the result: what was written, what failed, and the command that finishes by hand' {
        $failing = Join-Path $dropInDir '10-failing-start.conf'
        Write-UnixText $failing @('[Service]', 'ExecStartPre=/bin/false', 'Restart=no')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        try {
            $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 1.0.0.1 -OverrideDropIn -Restart; "after"'
            $result = $r.Output[0]
            $result.Changed | Should -BeTrue
            $result.FilesTouched | Should -Be @($script:EnvFile)
            $result.DaemonReloaded | Should -BeTrue
            $result.Restarted | Should -BeFalse
            $result.Failed | Should -Match '^restart: systemctl restart docker\.service failed'
            $result.FinishCommand | Should -BeExactly 'systemctl daemon-reload && systemctl restart docker.service'
            $r.Output[1] | Should -Be 'after' -Because 'the error does not stop the script'
            $r.Errors.Count | Should -Be 1
            $r.Errors[0].ErrorId | Should -Be 'SystemctlFailed'
            $r.Errors[0].Message | Should -Match ([regex]::Escape('/etc/default/docker was written, but the restart failed'))
            $r.Errors[0].Message | Should -Match ([regex]::Escape('Finish by hand: systemctl daemon-reload && systemctl restart docker.service'))
            [IO.File]::ReadAllText($envPath) | Should -Match ([regex]::Escape('DOCKER_OPTS="--dns 1.0.0.1"'))
        } finally {
            Remove-Item -LiteralPath $failing
        }
        # With the cause gone, the command the result gave finishes the change.
        Invoke-InHarnessChecked $h systemctl @('reset-failed', 'docker.service') | Out-Null
        Invoke-InHarnessChecked $h /bin/sh @('-c', $result.FinishCommand) | Out-Null
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be ($overrideArgv + @('--dns', '1.0.0.1'))
    }

    It 'refuses a drop-in that sorts after NginxKit''s and resets ExecStart, naming it; -DropInName that sorts later then works' {
        $late = Join-Path $dropInDir 'zzz-override.conf'
        Write-UnixText $late @('[Service]', 'ExecStart=', 'ExecStart=/usr/bin/dockerd -H fd://')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker.service') | Out-Null
        $before = Get-FileState $envPath
        $mainPid = (Get-UnitShow $h).MainPID

        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -OverrideDropIn -Restart'
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].ErrorId | Should -Be 'DropInOverridden'
        $r.Errors[0].Target | Should -Be '/etc/systemd/system/docker.service.d/zzz-override.conf'
        $r.Errors[0].Text | Should -Match '-DropInName' -Because 'the hint says how to go on'
        (Get-FileState $envPath | ConvertTo-Json) | Should -Be ($before | ConvertTo-Json)
        (Get-UnitShow $h).MainPID | Should -Be $mainPid
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be @('-H', 'fd://')

        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -OverrideDropIn -DropInName zzzz-nginxkit.conf -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Restarted | Should -BeTrue
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be @('-H', 'fd://', '--dns', '9.9.9.9')
        Get-DirListing $dropInDir | Should -Contain 'zzzz-nginxkit.conf'
        Get-DirListing $dropInDir | Should -Not -Contain ($script:DropIn -replace '^.*/') -Because 'the older NginxKit drop-in is removed'
    }
}

Describe 'Proxy credentials in every output stream of the Docker cmdlets under a real systemd' -Tag 'Docker', 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DockerCe
        # A proxy with a password in Docker's documented http-proxy.conf, for the unit cmdlets to see.
        Write-UnixText (Join-Path $h.EtcSystemdSystem 'docker.service.d/http-proxy.conf') @('[Service]', 'Environment="HTTP_PROXY=http://ops:NKDROPIN@proxy.example:3128"')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        Invoke-InHarnessChecked $h systemctl @('start', 'docker.service') | Out-Null
        # daemon.json goes to a tree of its own: this harness has no private /etc/docker.
        $tree = New-OfflineTree
        # Every secret part carries NK and a capital word, so one pattern finds any of them in the output.
        $secretPattern = 'NKSECRET|NKTAIL|NKTOKEN|NKDROPIN'
        # Each proxy form of the issue, given through variables so that no command line (which
        # PowerShell may echo in an error's position) holds a secret.
        $commands = @'
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'; $WarningPreference = 'Continue'
$schemeLess = 'ops:NKSECRETA@proxy.example:3128'
$atInPassword = 'http://ops:NKSECRETB@NKTAILB@proxy.example:3128'
$slashInPassword = 'http://ops:NKSECRETC/NKTAILC@proxy.example:3128'
$tokenOnly = 'http://NKTOKEND@proxy.example:3128'
$mirror = 'https://ops:NKSECRETE@mirror.example'
$badUrl = "http://ops:NKSECRETG@proxy.example:3128`a"
$maskedOpts = '--registry-mirror https://ops:***@m.example --registry-mirror https://ops:NKSECRETF@n.example'
$quotedOpts = "--registry-mirror 'https://ops:NKSECRETH@m.example'"
$flagOpts = "--http-proxy $schemeLess --registry-mirror $mirror"
$tree = '@@TREE@@'
# A refusal ends its command only: each command runs on its own, its error recorded as written.
function Step([scriptblock] $Command) { try { & $Command } catch { Write-Error -ErrorRecord $_ } }
# Refusals first, while nothing is written.
Step { Set-DockerEnvironmentFile -HttpProxy $atInPassword -Restart }
Step { Set-DockerEnvironmentFile -HttpProxy $badUrl }
Step { Set-DockerEnvironmentFile -DockerOpts $maskedOpts }
Step { Set-DockerEnvironmentFile -DockerOpts $quotedOpts }
# Every form written, previewed first.
Step { Set-DockerEnvironmentFile -HttpProxy $schemeLess -HttpsProxy $atInPassword -Environment @{ all_proxy = $slashInPassword } -RegistryMirror $mirror -OverrideDropIn -Restart -WhatIf }
Step { Set-DockerEnvironmentFile -HttpProxy $schemeLess -HttpsProxy $atInPassword -Environment @{ all_proxy = $slashInPassword } -RegistryMirror $mirror -OverrideDropIn -Restart }
Step { Set-DockerEnvironmentFile -HttpProxy $tokenOnly -DockerOpts $flagOpts -OverrideDropIn }
Step { Get-DockerEnvironmentFile }
Step { Get-DockerService }
Step { Restart-DockerService }
Step { Test-DockerEngine }
Step { Set-DockerDaemonConfig -Root $tree -HttpProxy $schemeLess -HttpsProxy $slashInPassword -NoProxy localhost -RegistryMirror $mirror -WhatIf }
Step { Set-DockerDaemonConfig -Root $tree -HttpProxy $schemeLess -HttpsProxy $slashInPassword -NoProxy localhost -RegistryMirror $mirror }
Step { Set-DockerDaemonConfig -Root $tree -HttpProxy $tokenOnly -HttpsProxy $atInPassword }
Step { Set-DockerDaemonConfig -Root $tree -Setting @{ proxies = @{ 'http-proxy' = $atInPassword } } -HttpProxy $schemeLess }
Step { Set-DockerDaemonConfig -Root $tree -HttpsProxy 'http://ops:***@proxy.example:3128' }
'@.Replace('@@TREE@@', $tree)
        # The unit's start limit (3 in 60 s) counts the tests' own starts, not NginxKit's.
        Invoke-InHarnessChecked $h systemctl @('reset-failed', 'docker.service') | Out-Null
        $r = Invoke-NginxKit $h $commands -AsHashtable
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
        if ($tree) { Remove-Item -LiteralPath $tree -Recurse -Force -ErrorAction Ignore }
    }

    It 'the secrets did reach dockerd and the files: the test is about real credentials' {
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Environment['http_proxy'] | Should -BeExactly 'http://NKTOKEND@proxy.example:3128'
        $record.Environment['HTTP_PROXY'] | Should -BeExactly 'http://NKTOKEND@proxy.example:3128' -Because '-OverrideDropIn wins over http-proxy.conf'
        $record.Environment['https_proxy'] | Should -BeExactly 'http://ops:NKSECRETB@NKTAILB@proxy.example:3128'
        $record.Environment['all_proxy'] | Should -BeExactly 'http://ops:NKSECRETC/NKTAILC@proxy.example:3128'
        $record.Argv | Should -Be ($script:BaseArgv + @('--http-proxy', 'ops:NKSECRETA@proxy.example:3128', '--registry-mirror', 'https://ops:NKSECRETE@mirror.example'))
        $json = Get-Content -LiteralPath (Join-Path $tree 'etc/docker/daemon.json') -Raw | ConvertFrom-Json
        $json.proxies.'http-proxy' | Should -BeExactly 'http://NKTOKEND@proxy.example:3128'
        $json.proxies.'https-proxy' | Should -BeExactly 'http://ops:NKSECRETB@NKTAILB@proxy.example:3128'
    }

    It 'every stream was written to: output, errors with their ErrorIds, warnings and verbose' {
        $r.Output.Count | Should -BeGreaterOrEqual 10
        @($r.Errors | ForEach-Object { $_['ErrorId'] }) | Should -Be @('DropInOverridden', 'InvalidEnvironmentValue', 'MaskedValue', 'InvalidDockerOption', 'DuplicateSetting', 'MaskedValue')
        $r.Warnings | Should -Not -BeNullOrEmpty
        $r.Verbose | Should -Not -BeNullOrEmpty
        $r.Printed | Should -Match 'What if:'
    }

    It 'no stream shows a secret: objects in their views, Format-List and JSON, errors with ErrorDetails and exceptions, warnings, verbose, debug, information' {
        $found = [regex]::Matches($r.Printed, ".{0,60}($secretPattern).{0,20}") | ForEach-Object Value
        $found | Should -BeNullOrEmpty
        foreach ($stream in 'Warnings', 'Verbose', 'Debug', 'Information') { ($r.$stream -join "`n") | Should -Not -Match $secretPattern -Because $stream }
    }

    It 'each form is shown masked, not dropped: user names stay, the secret part is ***' {
        foreach ($shown in 'ops:***@proxy.example:3128', 'http://ops:***@proxy.example:3128', 'http://***@proxy.example:3128', 'https://ops:***@mirror.example', '--http-proxy ops:***@proxy.example:3128') {
            $r.Printed | Should -Match ([regex]::Escape($shown))
        }
        $info = @($r.Output | Where-Object { $_ -is [Collections.IDictionary] -and $_.Contains('IgnoredExportLines') })[0]
        $info['Variables']['http_proxy'] | Should -BeExactly 'http://***@proxy.example:3128'
        $info['Variables']['HTTP_PROXY'] | Should -BeExactly 'http://***@proxy.example:3128'
        $info['Variables']['https_proxy'] | Should -BeExactly 'http://ops:***@proxy.example:3128'
        $info['Variables']['all_proxy'] | Should -BeExactly 'http://ops:***@proxy.example:3128'
        $info['DockerOpts'] | Should -Be @('--http-proxy', 'ops:***@proxy.example:3128', '--registry-mirror', 'https://ops:***@mirror.example')
        $unit = @($r.Output | Where-Object { $_ -is [Collections.IDictionary] -and $_.Contains('FragmentPath') })[0]
        $unit['Environment'] | Should -Be @('HTTP_PROXY=http://ops:***@proxy.example:3128')
    }

    It 'every file that holds a credential, and its .bak, is 0600' {
        $files = @(
            Get-ChildItem -LiteralPath $h.EtcDefault -Filter 'docker*' -File
            Get-ChildItem -LiteralPath (Join-Path $h.EtcSystemdSystem 'docker.service.d') -File | Where-Object Name -NE 'http-proxy.conf' # the test's own
            Get-ChildItem -LiteralPath (Join-Path $tree 'etc/docker') -File
        ) | Where-Object { [Text.Encoding]::UTF8.GetString([IO.File]::ReadAllBytes($_.FullName)) -match $secretPattern }
        $files.Name | Sort-Object | Should -Be @('daemon.json', 'daemon.json.bak', 'docker', 'docker.bak')
        foreach ($file in $files) {
            (Get-Item -LiteralPath $file.FullName).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') -Because $file.FullName
        }
    }
}

Describe 'Get-DockerService and the unit state cmdlets under a real systemd' -Tag 'Docker', 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DockerCe
        $wantsLink = Join-Path $h.EtcSystemdSystem 'multi-user.target.wants/docker.service'
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'a unit systemd does not have is UnitNotFound, for that unit only' {
        $r = Invoke-NginxKit $h 'Get-DockerService -Name nginxkit-no-such.service, docker.service'
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].ErrorId | Should -Be 'UnitNotFound'
        $r.Errors[0].Target | Should -Be 'nginxkit-no-such.service'
        $r.Output.Count | Should -Be 1
    }

    It 'reports the packaged unit as systemctl show does: disabled, inactive, no drop-in' {
        $r = Invoke-NginxKit $h 'Get-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $unit = $r.Output[0]
        $show = Get-UnitShow $h
        $unit.Name | Should -Be 'docker.service'
        $unit.FragmentPath | Should -Be $show.FragmentPath
        $unit.FragmentPath | Should -Be '/lib/systemd/system/docker.service'
        $unit.UnitFileState | Should -Be 'disabled'
        $unit.ActiveState | Should -Be 'inactive'
        $unit.SubState | Should -Be 'dead'
        $unit.MainPID | Should -Be 0
        $unit.DropInPaths | Should -BeNullOrEmpty
        $unit.EnvironmentFiles | Should -BeNullOrEmpty
        $unit.ExecStart | Should -BeExactly '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock'
        $unit.NeedDaemonReload | Should -BeFalse
        $unit.Properties.FragmentPath | Should -Be $show.FragmentPath
        $unit.Properties.ExecStart | Should -BeExactly $show.ExecStart -Because 'Properties is the raw systemctl show data'
    }

    It 'Enable-DockerService enables (Changed true), then has nothing to do (Changed false)' {
        $r = Invoke-NginxKit $h 'Enable-DockerService; Enable-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 2
        $r.Output[0].Unit | Should -Be 'docker.service'
        $r.Output[0].Action | Should -Be 'enable'
        $r.Output[0].Changed | Should -BeTrue
        $r.Output[0].State.UnitFileState | Should -Be 'enabled'
        $r.Output[0].State.ActiveState | Should -Be 'inactive' -Because 'enable does not start'
        $r.Output[1].Changed | Should -BeFalse
        $show = Get-UnitShow $h
        $show.UnitFileState | Should -Be 'enabled'
        $show.ActiveState | Should -Be 'inactive'
        Test-Path -LiteralPath $wantsLink | Should -BeTrue
    }

    It 'Start-DockerService -PassThru starts it; a second Start-DockerService reports Changed false and restarts nothing' {
        $r = Invoke-NginxKit $h 'Start-DockerService -PassThru; Start-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $state = $r.Output[0]
        $state.ActiveState | Should -Be 'active'
        $state.SubState | Should -Be 'running'
        $state.MainPID | Should -BeGreaterThan 0
        $r.Output[1].Action | Should -Be 'start'
        $r.Output[1].Changed | Should -BeFalse
        $r.Output[1].State.MainPID | Should -Be $state.MainPID
        $show = Get-UnitShow $h
        [int]$show.MainPID | Should -Be $state.MainPID
        $show.ActiveState | Should -Be 'active'
        (Get-StandInDockerdRecord -Harness $h).Pid | Should -Be $state.MainPID
        @(Get-ChildItem -LiteralPath $h.Results -Filter '*.argv').Count | Should -Be 1 -Because 'dockerd was started once'
    }

    It 'lists the NginxKit drop-in in DropInPaths after Set-DockerEnvironmentFile, as systemctl show does' {
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 8.8.8.8 -Restart | Out-Null; Get-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $unit = $r.Output[0]
        $show = Get-UnitShow $h
        $unit.DropInPaths | Should -Be @($script:DropIn)
        $show.DropInPaths | Should -Be $script:DropIn
        $unit.FragmentPath | Should -Be '/lib/systemd/system/docker.service' -Because 'the packaged unit stays in place'
        $unit.EnvironmentFiles | Should -Be @('-/etc/default/docker')
        $unit.ExecStart | Should -BeExactly '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'
        $unit.NeedDaemonReload | Should -BeFalse
        $unit.ActiveState | Should -Be 'active'
        [int]$show.MainPID | Should -Be $unit.MainPID
    }

    It 'Restart-DockerService always acts: Changed true and a new MainPID' {
        $before = [int](Get-UnitShow $h).MainPID
        $r = Invoke-NginxKit $h 'Restart-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Action | Should -Be 'restart'
        $r.Output[0].Changed | Should -BeTrue
        $r.Output[0].State.MainPID | Should -Not -Be $before
        $r.Output[0].State.ActiveState | Should -Be 'active'
        [int](Get-UnitShow $h).MainPID | Should -Be $r.Output[0].State.MainPID
        (Get-StandInDockerdRecord -Harness $h).Pid | Should -Be $r.Output[0].State.MainPID
    }

    It 'Restart-DockerService after a hand edit of the packaged unit runs daemon-reload first (NeedDaemonReload) and says so' {
        # The seed's hand edit: the packaged unit file itself, changed in place.
        $unitFile = Join-Path $h.LibSystemdSystem 'docker.service'
        $original = [IO.File]::ReadAllText($unitFile)
        try {
            [IO.File]::WriteAllText($unitFile, $original.Replace("[Service]`n", "[Service]`nEnvironment=NGINXKIT_HAND_EDIT=1`n"))
            (Get-UnitShow $h).NeedDaemonReload | Should -Be 'yes'
            $r = Invoke-NginxKit $h 'Restart-DockerService -Verbose'
            $r.Errors | Should -BeNullOrEmpty
            $r.Output[0].DaemonReloaded | Should -BeTrue
            $r.Verbose -join "`n" | Should -Match 'NeedDaemonReload'
            (Get-StandInDockerdRecord -Harness $h).Environment['NGINXKIT_HAND_EDIT'] | Should -Be '1' -Because 'the restart ran the edited unit'
            (Get-UnitShow $h).NeedDaemonReload | Should -Be 'no'
            # The control: with nothing changed on disk there is no reload.
            (Invoke-NginxKit $h 'Restart-DockerService').Output[0].DaemonReloaded | Should -BeFalse
        } finally {
            [IO.File]::WriteAllText($unitFile, $original)
            Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        }
    }

    It '-WhatIf on Stop, Restart and Disable changes nothing' {
        $before = Get-UnitShow $h
        $r = Invoke-NginxKit $h 'Stop-DockerService -WhatIf; Restart-DockerService -WhatIf; Disable-DockerService -WhatIf'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        ([regex]::Matches($r.Printed, 'What if:')).Count | Should -Be 3
        $after = Get-UnitShow $h
        $after.ActiveState | Should -Be 'active'
        $after.UnitFileState | Should -Be 'enabled'
        $after.MainPID | Should -Be $before.MainPID
        $after.InvocationID | Should -Be $before.InvocationID
        Test-Path -LiteralPath $wantsLink | Should -BeTrue
    }

    It 'Stop-DockerService -PassThru gives the stopped state; a second stop reports Changed false' {
        $r = Invoke-NginxKit $h 'Stop-DockerService -PassThru; Stop-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].ActiveState | Should -Be 'inactive'
        $r.Output[0].SubState | Should -Be 'dead'
        $r.Output[0].MainPID | Should -Be 0
        @($r.Output).Count | Should -Be 2
        $r.Output[1].Action | Should -Be 'stop'
        $r.Output[1].Changed | Should -BeExactly $false
        $show = Get-UnitShow $h
        $show.ActiveState | Should -Be 'inactive'
        $show.MainPID | Should -Be '0'
    }

    It 'Start-DockerService after a hand edit of the stopped packaged unit runs daemon-reload first (NeedDaemonReload) and says so' {
        $unitFile = Join-Path $h.LibSystemdSystem 'docker.service'
        $original = [IO.File]::ReadAllText($unitFile)
        try {
            (Get-UnitShow $h).ActiveState | Should -Be 'inactive'
            [IO.File]::WriteAllText($unitFile, $original.Replace("[Service]`n", "[Service]`nEnvironment=NGINXKIT_HAND_EDIT=start`n"))
            (Get-UnitShow $h).NeedDaemonReload | Should -Be 'yes'
            $r = Invoke-NginxKit $h 'Start-DockerService -Verbose'
            $r.Errors | Should -BeNullOrEmpty
            $r.Output[0].Action | Should -Be 'start'
            $r.Output[0].Changed | Should -BeTrue
            $r.Output[0].DaemonReloaded | Should -BeTrue
            $r.Verbose -join "`n" | Should -Match 'NeedDaemonReload'
            (Get-StandInDockerdRecord -Harness $h).Environment['NGINXKIT_HAND_EDIT'] | Should -Be 'start' -Because 'the start ran the edited unit'
            (Get-UnitShow $h).NeedDaemonReload | Should -Be 'no'
        } finally {
            [IO.File]::WriteAllText($unitFile, $original)
            Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
            Invoke-InHarnessChecked $h systemctl @('stop', 'docker.service') | Out-Null
        }
    }

    It 'Disable-DockerService disables (Changed true) and removes the wants link' {
        $r = Invoke-NginxKit $h 'Disable-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Changed | Should -BeTrue
        $r.Output[0].State.UnitFileState | Should -Be 'disabled'
        (Get-UnitShow $h).UnitFileState | Should -Be 'disabled'
        Test-Path -LiteralPath $wantsLink | Should -BeFalse
    }

    It 'a start systemctl fails is the error SystemctlFailed, with systemctl''s stderr and a pointer to Get-DockerJournal' {
        Write-UnixText (Join-Path $h.EtcSystemdSystem 'docker.service.d/zzz-broken.conf') @('[Service]', 'ExecStart=', 'ExecStart=/usr/bin/no-such-dockerd')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        try {
            $r = Invoke-NginxKit $h 'Start-DockerService; "after"'
            $r.Errors.Count | Should -Be 1
            $r.Errors[0].ErrorId | Should -Be 'SystemctlFailed'
            $r.Errors[0].Message | Should -Match 'systemctl start docker\.service'
            $r.Errors[0].Message | Should -Match 'Job for docker\.service failed' -Because 'systemctl''s own stderr is carried'
            $r.Errors[0].Message | Should -Match 'Get-DockerJournal'
            $r.Output | Should -Be @('after') -Because 'the error is not terminating'
        } finally {
            Remove-Item -LiteralPath (Join-Path $h.EtcSystemdSystem 'docker.service.d/zzz-broken.conf')
            Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
            Invoke-InHarness -Harness $h -FilePath systemctl -ArgumentList stop, docker.service, docker.socket | Out-Null
        }
    }
}

Describe 'Set-DockerEnvironmentFile on Debian''s docker.io unit under a real systemd' -Tag 'Docker', 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DebianDockerIo
        $envPath = Join-Path $h.EtcDefault 'docker'
        $dropInDir = Join-Path $h.EtcSystemdSystem 'docker.service.d'
        # A hand-written /etc/default/docker: a comment, an export line (which systemd ignores), an
        # unrelated line in a form NginxKit would never write (single quotes).
        $lines = @('# Proxy for image pulls, added by hand  ', 'export http_proxy=http://proxy:3128', "ENV_UNRELATED='kept as written'")
        Write-UnixText $envPath $lines
        $original = [IO.File]::ReadAllBytes($envPath)
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'an export line never reaches dockerd: systemd ignores it and says so' {
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker') | Out-Null
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Environment['ENV_UNRELATED'] | Should -BeExactly 'kept as written' -Because 'the file is read'
        $record.Environment.ContainsKey('http_proxy') | Should -BeFalse
        Invoke-InHarnessChecked $h journalctl @('--sync') | Out-Null
        $log = (Invoke-InHarnessChecked $h journalctl @('-u', 'docker.service', '-p', 'err', '--no-pager', '-o', 'cat')).Output -join "`n"
        $log | Should -Match ([regex]::Escape("Ignoring invalid environment assignment 'export http_proxy=http://proxy:3128'"))
    }

    It 'Get-DockerEnvironmentFile warns about the export line and lists it as ignored' {
        $r = Invoke-NginxKit $h 'Get-DockerEnvironmentFile'
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings.Count | Should -Be 1
        $r.Warnings[0] | Should -Match ([regex]::Escape("/etc/default/docker:2: systemd ignores 'export http_proxy=http://proxy:3128'"))
        $info = $r.Output[0]
        @($info.IgnoredExportLines).Count | Should -Be 1
        $info.IgnoredExportLines[0].Key | Should -Be 'http_proxy'
        $info.IgnoredExportLines[0].LineNumber | Should -Be 2
        $info.Variables.ENV_UNRELATED | Should -BeExactly 'kept as written'
        $info.Variables.PSObject.Properties.Name | Should -Not -Contain 'http_proxy'
    }

    It 'Set-DockerEnvironmentFile -Restart rewrites the export line with a warning: dockerd then has http_proxy, the other lines are kept byte for byte' {
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings.Count | Should -Be 1
        $r.Warnings[0] | Should -Match ([regex]::Escape("'export http_proxy=...' was ignored by systemd; it is rewritten as http_proxy=..."))
        $result = $r.Output[0]
        $result.Changed | Should -BeTrue
        $result.FixedExportKeys | Should -Be @('http_proxy')
        $result.FilesTouched | Should -Be @($script:EnvFile) -Because 'Debian''s unit already reads the file and passes $DOCKER_OPTS'
        $result.DaemonReloaded | Should -BeTrue
        $result.Restarted | Should -BeTrue

        $record = Get-StandInDockerdRecord -Harness $h
        $record.Environment['http_proxy'] | Should -BeExactly 'http://proxy:3128'
        $record.Environment['ENV_UNRELATED'] | Should -BeExactly 'kept as written'

        $text = [IO.File]::ReadAllText($envPath)
        $text | Should -BeExactly ($lines[0] + "`n" + 'http_proxy="http://proxy:3128"' + "`n" + $lines[2] + "`n")
        [IO.File]::ReadAllBytes("$envPath.bak") | Should -Be $original -Because 'the backup is the file as it was'
        Test-Path -LiteralPath $dropInDir | Should -BeFalse
    }

    It 'Set-DockerEnvironmentFile -Dns 1.1.1.1 -Restart writes no drop-in: $DOCKER_OPTS stays once in ExecStart, dockerd gets --dns once' {
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 1.1.1.1 -Restart'
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
        $r.Output[0].FilesTouched | Should -Be @($script:EnvFile)
        $r.Output[0].Restarted | Should -BeTrue
        Test-Path -LiteralPath $dropInDir | Should -BeFalse

        $show = Get-UnitShow $h
        $show.DropInPaths | Should -Be ''
        ([regex]::Matches($show.ExecStart, 'argv\[\]=')).Count | Should -Be 1 -Because 'one ExecStart'
        ([regex]::Matches($show.ExecStart, [regex]::Escape('$DOCKER_OPTS'))).Count | Should -Be 1
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Program | Should -Be '/usr/sbin/dockerd'
        $record.Argv | Should -Be ($script:BaseArgv + @('--dns', '1.1.1.1'))
        $record.Environment['http_proxy'] | Should -BeExactly 'http://proxy:3128'
    }

    It 'Get-DockerEnvironmentFile gives DOCKER_OPTS as the words dockerd receives, for a hand-written quoted value' {
        # systemd 252 splits an unbraced $DOCKER_OPTS with quote and backslash processing (measured:
        # "a b" in double quotes is ONE argument). A reader that reports plain whitespace words misleads.
        Write-UnixText $envPath 'DOCKER_OPTS="--label \"a b\" --dns 1.1.1.1"'
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker') | Out-Null
        $argv = (Get-StandInDockerdRecord -Harness $h).Argv
        $argv | Should -Be ($script:BaseArgv + @('--label', 'a b', '--dns', '1.1.1.1'))
        $r = Invoke-NginxKit $h 'Get-DockerEnvironmentFile'
        $r.Output[0].DockerOpts | Should -Be $argv[3..($argv.Count - 1)]
    }
}

# What the -Root cases need beyond the module and the fixture units (systemd-analyze, a writer killed
# with kill -9) keeps them here; the rest run in-process (DockerDaemonConfigOfflineTests,
# DockerEnvironmentFileOfflineTests).
Describe 'Set-DockerEnvironmentFile and Set-DockerDaemonConfig offline (-Root)' -Tag 'Docker', 'Systemd', 'Real' {
    BeforeAll {
        Import-Module $script:ModulePath -Force
        $trees = [Collections.Generic.List[string]]::new()
    }
    AfterAll {
        foreach ($t in $trees) { Remove-Item -LiteralPath $t -Recurse -Force -ErrorAction Ignore }
    }

    It 'writes a drop-in that systemd-analyze verify --root accepts with exit 0 and empty stderr' -Skip:(-not $analyzeFound) {
        $tree = New-OfflineTree; $trees.Add($tree)
        $result = Set-DockerEnvironmentFile -Root $tree -Dns 8.8.8.8 -HttpProxy http://proxy:3128
        $result.Changed | Should -BeTrue
        $result.DaemonReloaded | Should -BeFalse -Because 'offline: no systemctl'
        $result.Restarted | Should -BeFalse
        $dropIn = Join-Path $tree $script:DropIn.TrimStart('/')
        Test-Path -LiteralPath $dropIn | Should -BeTrue

        $verify = Invoke-Native systemd-analyze @('verify', "--root=$tree", 'docker.service')
        $verify.ExitCode | Should -Be 0 -Because $verify.Error
        $verify.Error | Should -BeNullOrEmpty -Because 'verify only warns (rc 0) on some mistakes'
        # verify did read the drop-in: the effective unit shows it...
        $cat = Invoke-Native systemd-analyze @("--root=$tree", 'cat-config', 'systemd/system/docker.service')
        $cat.Output | Should -Match ([regex]::Escape("# $tree$($script:DropIn)"))
        $cat.Output | Should -Match ([regex]::Escape('ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'))
        # ...and the control: without the ExecStart= reset, the same verify fails.
        (Get-Content -LiteralPath $dropIn) | Where-Object { $_ -ne 'ExecStart=' } | Set-Content -LiteralPath $dropIn
        $bad = Invoke-Native systemd-analyze @('verify', "--root=$tree", 'docker.service')
        $bad.ExitCode | Should -Not -Be 0
        $bad.Error | Should -Match 'more than one ExecStart'
    }

    It 'never leaves a partial /etc/default/docker when killed (kill -9) at random points of a write loop' -Tag 'Slow' {
        $tree = New-OfflineTree; $trees.Add($tree)
        $dir = Join-Path $tree 'etc/default'
        $envPath = Join-Path $dir 'docker'
        $dropInPath = Join-Path $tree $script:DropIn.TrimStart('/')
        # Two large versions (4 MiB values, so a write takes long enough to be hit) and the start one.
        $v0 = "# the first version, before any write`nBIG=small`n"
        $valueA = 'a' * 4MB
        $valueB = 'b' * 4MB
        # The exact texts of A and B, as NginxKit renders them from v0 (on a scratch copy).
        $scratch = New-OfflineTree; $trees.Add($scratch)
        Write-UnixText (Join-Path $scratch 'etc/default/docker') $v0.TrimEnd("`n").Split("`n")
        Set-DockerEnvironmentFile -Root $scratch -Environment @{ BIG = $valueA } | Out-Null
        $textA = [IO.File]::ReadAllText((Join-Path $scratch 'etc/default/docker'))
        Set-DockerEnvironmentFile -Root $scratch -Environment @{ BIG = $valueB } | Out-Null
        $textB = [IO.File]::ReadAllText((Join-Path $scratch 'etc/default/docker'))
        $textA | Should -BeExactly "# the first version, before any write`nBIG=`"$valueA`"`n"
        $valid = @{ $v0 = 'v0'; $textA = 'A'; $textB = 'B' }

        # The tree starts at v0, with the drop-in already in place (so the loop only rewrites the file).
        Write-UnixText $envPath $v0.TrimEnd("`n").Split("`n")
        Set-DockerEnvironmentFile -Root $tree -Environment @{ BIG = 'small' } | Out-Null
        Test-Path -LiteralPath $dropInPath | Should -BeTrue
        [IO.File]::ReadAllText($envPath) | Should -BeExactly $v0
        $dropInBytes = [IO.File]::ReadAllBytes($dropInPath)

        $ready = Join-Path $tree 'ready'
        $child = @"
Import-Module '$($script:ModulePath.Replace("'", "''"))' -ErrorAction Stop
`$values = @(('a' * 4MB), ('b' * 4MB))
`$i = Get-Random -Maximum 2
[IO.File]::WriteAllText('$ready', '')
while (`$true) { Set-DockerEnvironmentFile -Root '$tree' -Environment @{ BIG = `$values[`$i % 2] } | Out-Null; `$i++ }
"@
        $pwsh = Get-PwshCommand
        $tempPattern = '^\.docker(\.bak)?\.[0-9a-f]{32}\.tmp$'
        $everReplaced = $false
        $seenTemps = @()
        $log = [Collections.Generic.List[string]]::new()
        $killsInWrite = 0
        foreach ($k in 1..30) {
            Remove-Item -LiteralPath $ready -ErrorAction Ignore
            $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $child)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($psi)
            try {
                # Both pipes drained in the background: the writer must never block on a full one.
                $childOut = $p.StandardOutput.ReadToEndAsync()
                $childErr = $p.StandardError.ReadToEndAsync()
                $watch = [Diagnostics.Stopwatch]::StartNew()
                while (-not (Test-Path -LiteralPath $ready) -and -not $p.HasExited -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 10 }
                if ($p.HasExited -or -not (Test-Path -LiteralPath $ready)) {
                    if (-not $p.HasExited) { $p.Kill() }
                    $p.WaitForExit()
                    throw "The writer loop did not start: $($childOut.GetAwaiter().GetResult()) $($childErr.GetAwaiter().GetResult())"
                }
                Start-Sleep -Milliseconds (Get-Random -Minimum 0 -Maximum 1200)
                $mode = 'random'
                if ($k -eq 1) {
                    # The first kill waits for a whole write (the file grows from v0 to 4 MiB when it is replaced),
                    # so however slow a loaded machine makes a write, the loop replaces the file at least once.
                    $mode = 'after-write'
                    $watch.Restart()
                    while ($watch.Elapsed.TotalSeconds -lt 60 -and [IO.FileInfo]::new($envPath).Length -lt 4MB) { Start-Sleep -Milliseconds 10 }
                }
                elseif ($k % 2 -eq 0) {
                    # Every other kill waits until a write is under way (a new temp file exists), then kills.
                    $mode = 'in-write'
                    $watch.Restart()
                    while ($watch.Elapsed.TotalSeconds -lt 10 -and -not @([IO.Directory]::GetFiles($dir, '.docker*.tmp') | Where-Object { [IO.Path]::GetFileName($_) -notin $seenTemps })) { [Threading.Thread]::Sleep(1) }
                }
                & kill -9 $p.Id
                $p.WaitForExit()
            } finally {
                if (-not $p.HasExited) { $p.Kill() }
                $p.Dispose()
            }

            $text = [IO.File]::ReadAllText($envPath)
            $valid.ContainsKey($text) | Should -BeTrue -Because "after kill $k the file must be a whole version, not $($text.Length) chars of a partial one"
            if ($text -ne $v0) { $everReplaced = $true }
            if ($everReplaced) {
                Test-Path -LiteralPath "$envPath.bak" | Should -BeTrue -Because 'the file has been replaced, so the previous version is kept'
            }
            if (Test-Path -LiteralPath "$envPath.bak") {
                $valid.ContainsKey([IO.File]::ReadAllText("$envPath.bak")) | Should -BeTrue -Because "after kill $k the backup must be a whole version too"
            }
            [IO.File]::ReadAllBytes($dropInPath) | Should -Be $dropInBytes
            $names = Get-DirListing $dir
            $others = @($names | Where-Object { $_ -notin 'docker', 'docker.bak' -and $_ -notin $seenTemps })
            $others.Count | Should -BeLessOrEqual 1 -Because "a kill can interrupt at most one write (new files: $($others -join ', '))"
            $others | Where-Object { $_ -notmatch $tempPattern } | Should -BeNullOrEmpty -Because 'only the writer''s own temp file may be left'
            if ($others) { $killsInWrite++ }
            $seenTemps += $others
            $log.Add("kill $k ($mode): $($valid[$text]), backup $(if (Test-Path "$envPath.bak") { $valid[[IO.File]::ReadAllText("$envPath.bak")] } else { 'none' }), left $(if ($others) { $others } else { 'nothing' })")
        }
        Write-Information ($log -join "`n") -InformationAction Continue
        $everReplaced | Should -BeTrue -Because 'the loop did write'
        $killsInWrite | Should -BeGreaterThan 0 -Because 'at least one kill landed inside a write (it left its temp file)'
        # A later run still works, whatever the killed ones left.
        (Set-DockerEnvironmentFile -Root $tree -Environment @{ BIG = 'final' }).Changed | Should -BeTrue
        [IO.File]::ReadAllText($envPath) | Should -BeExactly "# the first version, before any write`nBIG=`"final`"`n"
    }
}

Describe 'Set-DockerEnvironmentFile with Debian''s real docker.io under a real systemd' -Tag 'Docker', 'Systemd', 'Real', 'Slow' -Skip:(-not $supported) {
    BeforeAll {
        $io = Start-DockerIoHarness
        $ready, $h, $docker, $notReady = $io.Ready, $io.Harness, $io.Docker, $io.NotReady
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -Restart reaches dockerd''s command line and a container''s resolv.conf' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        Invoke-InHarnessChecked $h systemctl @('start', 'docker') | Out-Null
        $r = Invoke-NginxKit $h 'Set-DockerEnvironmentFile -Dns 9.9.9.9 -Restart; Get-DockerService'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Changed | Should -BeTrue
        $r.Output[0].Restarted | Should -BeTrue
        $r.Output[0].FilesTouched | Should -Be @($script:EnvFile) -Because 'Debian''s unit needs no drop-in'
        $r.Output[1].ActiveState | Should -Be 'active'
        $r.Output[1].DropInPaths | Should -BeNullOrEmpty

        $main = Get-MainCommandLine $h
        $main.MainPID | Should -Be "$($r.Output[1].MainPID)"
        $main.Argv | Should -Be @('/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '9.9.9.9')

        Import-BusyboxImage $h $docker 'nginxkit/busybox:dns'
        $resolv = Invoke-InHarnessChecked $h $docker @('run', '--rm', 'nginxkit/busybox:dns', 'cat', '/etc/resolv.conf')
        $resolv.Output | Should -Contain 'nameserver 9.9.9.9'
    }
}
