#Requires -Version 7.6
<#
    Get-DockerJournal against the real journalctl, on real journal files.

    The fixture (JournalFixture.psm1) is written by systemd-journal-remote: three boots of dockerd
    logfmt lines at every priority, multi-line and non-UTF-8 messages, PID 1's lines about docker
    and containerd, a coredump and a journald note about docker, containerd and ssh as noise, and
    entries on and around a whole second; rotated into several files. Every query runs through
    BOTH readers (sd-journal in process, and journalctl -o export, forced with
    NGINXKIT_JOURNAL_READER) and must give exactly what `journalctl -o json` gives on the same files:
    the same entries (cursors), in the same order, with the same fields. The checks of -Since, -Until
    and -Priority, which read no journal, run in process (tests/NginxKit.Cmdlets.Tests).

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when journalctl or systemd-journal-remote is missing
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $tools = @(
        Find-RealTool -Name journalctl
        Find-RealTool -Name systemd-journal-remote -Candidates '/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'
    )
    $script:NoTools = $tools -contains $null
    $script:Readers = @(@{ Reader = 'sdjournal' }, @{ Reader = 'export' })

    # Each case: the cmdlet's parameters (P) and journalctl's arguments (J) for the same question,
    # built when the test runs, once the fixture exists ($fx). R: journalctl's answer is read with
    # --reverse and turned around; that is how journalctl says "the last N entries up to --until"
    # (its -n with --since/--until counts from the journal's tail, or shows the first N after --since),
    # which is what -Last means with a time window.
    $script:Queries = @(
        @{ Name = 'the default unit, docker.service'; Case = { @{ P = @{}; J = @('-u', 'docker.service') } } }
        @{ Name = '-Unit docker (no suffix)'; Case = { @{ P = @{ Unit = 'docker' }; J = @('-u', 'docker.service') } } }
        @{ Name = '-Unit docker, containerd'; Case = { @{ P = @{ Unit = 'docker', 'containerd' }; J = @('-u', 'docker.service', '-u', 'containerd.service') } } }
        @{ Name = '-Unit ssh.service'; Case = { @{ P = @{ Unit = 'ssh.service' }; J = @('-u', 'ssh.service') } } }
        @{ Name = '-Unit init.scope'; Case = { @{ P = @{ Unit = 'init.scope' }; J = @('-u', 'init.scope') } } }
        @{ Name = '-Unit with no entries'; Case = { @{ P = @{ Unit = 'nothing-here' }; J = @('-u', 'nothing-here.service') } } }
        @{ Name = '-Priority err'; Case = { @{ P = @{ Priority = 'err' }; J = @('-u', 'docker.service', '-p', 'err') } } }
        @{ Name = '-Priority 4'; Case = { @{ P = @{ Priority = '4' }; J = @('-u', 'docker.service', '-p', '4') } } }
        @{ Name = '-Priority debug (everything)'; Case = { @{ P = @{ Priority = 'debug' }; J = @('-u', 'docker.service', '-p', 'debug') } } }
        @{ Name = '-Priority emerg'; Case = { @{ P = @{ Priority = 'emerg' }; J = @('-u', 'docker.service', '-p', 'emerg') } } }
        @{ Name = '-Priority warning..err'; Case = { @{ P = @{ Priority = 'warning..err' }; J = @('-u', 'docker.service', '-p', 'warning..err') } } }
        @{ Name = '-Priority err..warning (reversed range)'; Case = { @{ P = @{ Priority = 'err..warning' }; J = @('-u', 'docker.service', '-p', 'err..warning') } } }
        @{ Name = '-Priority debug..notice'; Case = { @{ P = @{ Priority = 'debug..notice' }; J = @('-u', 'docker.service', '-p', 'notice..debug') } } }
        @{ Name = '-Last 5'; Case = { @{ P = @{ Last = 5 }; J = @('-u', 'docker.service', '-n', '5') } } }
        @{ Name = '-Last 1'; Case = { @{ P = @{ Last = 1 }; J = @('-u', 'docker.service', '-n', '1') } } }
        @{ Name = '-Last 0'; Case = { @{ P = @{ Last = 0 }; J = @('-u', 'docker.service', '-n', '0') } } }
        @{ Name = '-Last 100000 (more than there are)'; Case = { @{ P = @{ Last = 100000 }; J = @('-u', 'docker.service', '-n', '100000') } } }
        @{ Name = '-Boot 0'; Case = { @{ P = @{ Boot = '0' }; J = @('-u', 'docker.service', '-b', '0') } } }
        @{ Name = '-Boot -1'; Case = { @{ P = @{ Boot = '-1' }; J = @('-u', 'docker.service', '-b', '-1') } } }
        @{ Name = '-Boot -2 (the oldest)'; Case = { @{ P = @{ Boot = '-2' }; J = @('-u', 'docker.service', '-b', '-2') } } }
        @{ Name = '-Boot <ID of the middle boot>'; Case = { @{ P = @{ Boot = $fx.Boots[1] }; J = @('-u', 'docker.service', '-b', $fx.Boots[1]) } } }
        @{ Name = '-Boot <ID in upper case>'; Case = { @{ P = @{ Boot = $fx.Boots[0].ToUpperInvariant() }; J = @('-u', 'docker.service', '-b', $fx.Boots[0]) } } }
        @{ Name = '-Since @epoch on a whole second'; Case = { @{ P = @{ Since = "@$($fx.EdgeSecond)" }; J = @('-u', 'docker.service', "--since=@$($fx.EdgeSecond)") } } }
        @{ Name = '-Until @epoch on a whole second'; Case = { @{ P = @{ Until = "@$($fx.EdgeSecond)" }; J = @('-u', 'docker.service', "--until=@$($fx.EdgeSecond)") } } }
        @{ Name = '-Since/-Until @epoch, one second'; Case = { @{ P = @{ Since = "@$($fx.EdgeSecond)"; Until = "@$($fx.EdgeSecond + 1)" }; J = @('-u', 'docker.service', "--since=@$($fx.EdgeSecond)", "--until=@$($fx.EdgeSecond + 1)") } } }
        @{ Name = '-Since/-Until to the microsecond (DateTimeOffset)'; Case = {
                $s = [DateTimeOffset]::FromUnixTimeSeconds($fx.EdgeSecond)
                @{ P = @{ Since = $s.AddTicks(10); Until = $s.AddTicks(9990) }; J = @('-u', 'docker.service', "--since=@$($fx.EdgeSecond).000001", "--until=@$($fx.EdgeSecond).000999") } } }
        @{ Name = '-Until between microseconds (rounds down)'; Case = {
                $s = [DateTimeOffset]::FromUnixTimeSeconds($fx.EdgeSecond)
                @{ P = @{ Since = $s.AddTicks(-5); Until = $s.AddTicks(5004) }; J = @('-u', 'docker.service', "--since=@$($fx.EdgeSecond)", "--until=@$($fx.EdgeSecond).000500") } } }
        # Local wall-clock times, as a user types them, around the fixture's edge second: in any time
        # zone they select entries (Some), so the comparison cannot pass on two empty answers.
        @{ Name = '-Since/-Until as date strings'; Case = {
                $local = [DateTimeOffset]::FromUnixTimeSeconds($fx.EdgeSecond).ToLocalTime()
                $since = $local.AddSeconds(-90).ToString('yyyy-MM-dd HH:mm:ss'); $until = $local.AddSeconds(60).ToString('yyyy-MM-dd HH:mm:ss')
                @{ P = @{ Since = $since; Until = $until }; J = @('-u', 'docker.service', "--since=$since", "--until=$until"); Some = $true } } }
        @{ Name = '-Since as a DateTime'; Case = {
                $local = [DateTimeOffset]::FromUnixTimeSeconds($fx.EdgeSecond).ToLocalTime().AddSeconds(-30)
                @{ P = @{ Since = $local.DateTime }; J = @('-u', 'docker.service', "--since=$($local.ToString('yyyy-MM-dd HH:mm:ss'))"); Some = $true } } }
        @{ Name = '-Since "N hours ago" (landing between boots)'; Case = {
                # The instant falls in the gap before the middle boot, so the seconds between the two calls cannot matter.
                $gap = [DateTimeOffset]::FromUnixTimeMilliseconds([long]($fx.Entries.Where({ $_.BootId -eq $fx.Boots[1] }, 'First')[0].Realtime / 1000)).AddHours(-1)
                $h = [math]::Ceiling(([DateTimeOffset]::UtcNow - $gap).TotalHours)
                @{ P = @{ Since = "$h hours ago" }; J = @('-u', 'docker.service', "--since=$h hours ago"); Boots = 2 } } }
        @{ Name = '-Since after the last entry'; Case = { @{ P = @{ Since = (AsLocal '2026-11-22 00:00:00') }; J = @('-u', 'docker.service', "--since=$(AsLocal '2026-11-22 00:00:00')") } } }
        @{ Name = '-Unit ssh -Priority notice -Since/-Until'; Case = { @{ P = @{ Unit = 'ssh'; Priority = 'notice'; Since = (AsLocal '2026-11-21 11:01:00'); Until = (AsLocal '2026-11-21 14:03:00') }; J = @('-u', 'ssh.service', '-p', 'notice', "--since=$(AsLocal '2026-11-21 11:01:00')", "--until=$(AsLocal '2026-11-21 14:03:00')"); Some = $true } } }
        @{ Name = '-Unit docker, containerd -Priority warning..err -Boot -1'; Case = { @{ P = @{ Unit = 'docker', 'containerd'; Priority = 'warning..err'; Boot = '-1' }; J = @('-u', 'docker.service', '-u', 'containerd.service', '-p', 'warning..err', '-b', '-1') } } }
        @{ Name = '-Last 5 -Priority err'; Case = { @{ P = @{ Last = 5; Priority = 'err' }; J = @('-u', 'docker.service', '-p', 'err', '-n', '5') } } }
        @{ Name = '-Last 10 -Boot -1'; Case = { @{ P = @{ Last = 10; Boot = '-1' }; J = @('-u', 'docker.service', '-b', '-1', '-n', '10') } } }
        @{ Name = '-Last 7 -Until @epoch (the last 7 up to Until)'; Case = { @{ P = @{ Last = 7; Until = "@$($fx.EdgeSecond)" }; J = @('-u', 'docker.service', "--until=@$($fx.EdgeSecond)", '-n', '7'); R = $true } } }
        @{ Name = '-Last 3 -Since/-Until'; Case = { @{ P = @{ Last = 3; Since = "@$($fx.EdgeSecond)"; Until = "@$($fx.EdgeSecond + 1)" }; J = @('-u', 'docker.service', "--since=@$($fx.EdgeSecond)", "--until=@$($fx.EdgeSecond + 1)", '-n', '3'); R = $true } } }
        @{ Name = '-Last 50 -Since (fewer in the window)'; Case = { @{ P = @{ Last = 50; Since = (AsLocal '2026-11-21 14:05:20') }; J = @('-u', 'docker.service', "--since=$(AsLocal '2026-11-21 14:05:20')", '-n', '50'); R = $true; Some = $true } } }
        @{ Name = '-Last 4 -Priority err -Since/-Until -Boot -1'; Case = { @{ P = @{ Last = 4; Priority = 'err'; Since = (AsLocal '2026-11-21 11:01:00'); Until = (AsLocal '2026-11-21 11:03:00'); Boot = '-1' }; J = @('-u', 'docker.service', '-p', 'err', "--since=$(AsLocal '2026-11-21 11:01:00')", "--until=$(AsLocal '2026-11-21 11:03:00')", '-b', '-1', '-n', '4'); R = $true; Some = $true } } }
    )
}

Describe 'Get-DockerJournal on real journal files' -Tag 'Journal', 'Real' -Skip:$NoTools {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
        Import-TestModule JournalFixture
        $script:SavedReader = $env:NGINXKIT_JOURNAL_READER
        $script:Root = New-TestDirectory
        $script:fx = New-JournalFixture -Path (Join-Path $Root 'std')

        function script:AsLocal([string] $Utc) {
            # The fixture's times are written here in UTC; users (and journalctl) give date strings in local time.
            [DateTimeOffset]::ParseExact($Utc, 'yyyy-MM-dd HH:mm:ss', [cultureinfo]::InvariantCulture, 'AssumeUniversal').ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss')
        }

        function script:Get-Actual {
            # The cmdlet's entries and errors, never throwing on a non-terminating error.
            param([hashtable] $Params)
            $errors = @()
            $entries = @(Get-DockerJournal @Params -ErrorVariable +errors -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Entries = $entries; Errors = @($errors) }
        }

        function script:Assert-SameEntry {
            # Equal key lines, in order; on a difference, say where and show both sides.
            param([string[]] $Actual, [string[]] $Expected, [string] $What)
            # (A pipeline that yields nothing passes $null; that is no entry.)
            $Actual = @($Actual | Where-Object { $null -ne $_ }); $Expected = @($Expected | Where-Object { $null -ne $_ })
            for ($i = 0; $i -lt [math]::Min($Actual.Count, $Expected.Count); $i++) {
                if ($Actual[$i] -cne $Expected[$i]) {
                    $cut = { param($s) if ($s.Length -gt 400) { $s.Substring(0, 400) + '…' } else { $s } }
                    throw "$What`: entry $i differs`n  cmdlet:     $(& $cut $Actual[$i])`n  journalctl: $(& $cut $Expected[$i])"
                }
            }
            $Actual.Count | Should -Be $Expected.Count -Because "$What should return as many entries as journalctl"
        }

        function script:Close-Pipeline {
            # Stops and disposes a [powershell] without waiting forever on a reader that ignores Stop().
            param($PowerShell)
            if (-not $PowerShell) { return }
            if ($PowerShell.InvocationStateInfo.State -eq 'Running') { $null = $PowerShell.BeginStop($null, $null).AsyncWaitHandle.WaitOne(30000) }
            if ($PowerShell.InvocationStateInfo.State -ne 'Running') { $PowerShell.Dispose() }
        }

        function script:Start-FollowRead([string] $Directory, [string] $Options = '') {
            # Get-DockerJournal -Directory <dir> -Follow <options> in a runspace of this process; its
            # output collects in Output as it comes. (Never enumerate Output or the PowerShell's streams
            # while it runs: a PSDataCollection's enumerator waits for the collection to be completed.
            # Count and index instead.)
            $ps = [powershell]::Create()
            $null = $ps.AddScript("param(`$Module, `$Dir) Import-Module `$Module; Get-DockerJournal -Directory `$Dir -Follow $Options").
                AddArgument((Get-NginxKitModulePath)).AddArgument($Directory)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $null = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
            [pscustomobject]@{ PowerShell = $ps; Output = $output }
        }
    }

    AfterAll {
        $env:NGINXKIT_JOURNAL_READER = $SavedReader
        if ($Root) { Get-ChildItem $Root -Recurse -ErrorAction Ignore | ForEach-Object { try { $_.UnixFileMode = 'UserRead, UserWrite, UserExecute' } catch { } }; Remove-Item $Root -Recurse -Force -ErrorAction Ignore }
    }

    Context 'the fixture' {
        It 'is rotated into more than one journal file' {
            $fx.Files.Count | Should -BeGreaterThan 1
            # The active file alone holds only part of the log, so reading the directory matters.
            @(Invoke-JournalctlJson -File (Join-Path $fx.Directory 'docker.journal')).Count | Should -BeLessThan $fx.Count
            @(Invoke-JournalctlJson -Directory $fx.Directory).Count | Should -Be $fx.Count
        }

        It 'holds three boots, in the order journalctl lists them' {
            $boots = (& journalctl --no-pager --directory=$($fx.Directory) --list-boots -o json | ConvertFrom-Json).boot_id
            $boots | Should -Be $fx.Boots
        }

        It 'stores multi-line and non-UTF-8 messages in binary form, as written' {
            $binary = @(Invoke-JournalctlJson -Directory $fx.Directory -Argument '-u', 'docker.service' | Where-Object { $_['MESSAGE'] -isnot [string] })
            $binary.Count | Should -Be @($fx.Entries | Where-Object Kind -EQ 'binary').Count
        }
    }

    Context 'reader: <Reader>' -ForEach $Readers {
        BeforeAll { $env:NGINXKIT_JOURNAL_READER = $Reader }
        AfterAll { $env:NGINXKIT_JOURNAL_READER = $SavedReader }

        It 'matches journalctl for <Name>' -ForEach $Queries {
            $q = & $Case
            $params = $q.P.Clone()
            $params.Directory = $fx.Directory
            $expected = @(Invoke-JournalctlJson -Directory $fx.Directory -Argument ($q.J + $(if ($q.R) { '--reverse' })) | ConvertTo-JournalKey -Json)
            if ($q.R) { [array]::Reverse($expected) }
            if ($q.Some) { $expected.Count | Should -BeGreaterThan 0 -Because 'the query is meant to select entries' }
            $actual = Get-Actual $params
            $actual.Errors | Should -BeNullOrEmpty
            Assert-SameEntry ($actual.Entries | ConvertTo-JournalKey) $expected $Name
            if ($q.Boots) { @($actual.Entries.BootId | Select-Object -Unique).Count | Should -Be $q.Boots }
        }

        It 'answers a query that selects something (sanity: <Name>)' -ForEach @(
            @{ Name = 'default'; P = @{} }, @{ Name = 'Priority err'; P = @{ Priority = 'err' } }, @{ Name = 'Boot -1'; P = @{ Boot = '-1' } }
        ) {
            @(Get-DockerJournal -Directory $fx.Directory @P).Count | Should -BeGreaterThan 10
        }

        It 'reads -File with a wildcard as journalctl --file does' {
            $files = $fx.Files
            $expected = Invoke-JournalctlJson -File $files -Argument '-u', 'docker.service', '-p', 'warning' | ConvertTo-JournalKey -Json
            $actual = Get-Actual @{ File = (Join-Path $fx.Directory '*.journal'); Priority = 'warning' }
            $actual.Errors | Should -BeNullOrEmpty
            Assert-SameEntry ($actual.Entries | ConvertTo-JournalKey) $expected '-File *.journal'
        }

        It 'reads -File of the active file alone: only the part of the log it holds' {
            $active = Join-Path $fx.Directory 'docker.journal'
            $expected = Invoke-JournalctlJson -File $active -Argument '-u', 'docker.service' | ConvertTo-JournalKey -Json
            $actual = Get-Actual @{ File = $active }
            Assert-SameEntry ($actual.Entries | ConvertTo-JournalKey) $expected '-File docker.journal'
            $actual.Entries.Count | Should -BeLessThan @(Get-DockerJournal -Directory $fx.Directory).Count
        }

        It 'reads two -File paths with -Last and -Boot' {
            $two = $fx.Files | Select-Object -First 2
            $expected = Invoke-JournalctlJson -File $two -Argument '-u', 'docker.service', '-b', '-1', '-n', '20' | ConvertTo-JournalKey -Json
            $actual = Get-Actual @{ File = $two; Boot = '-1'; Last = 20 }
            Assert-SameEntry ($actual.Entries | ConvertTo-JournalKey) $expected '-File x2 -Boot -1 -Last 20'
        }

        It 'keeps multi-line messages whole' {
            $multi = @($fx.Entries | Where-Object { $_.Kind -eq 'multiline' -and $_.BootId -eq $fx.Boots[2] })
            $got = @(Get-DockerJournal -Directory $fx.Directory -Boot 0 | Where-Object { $_.Message.Contains("`n") })
            $got.Count | Should -Be $multi.Count
            for ($i = 0; $i -lt $got.Count; $i++) {
                $got[$i].Message | Should -BeExactly $multi[$i].Text('MESSAGE')
                $got[$i].MessageBytes | Should -BeNullOrEmpty -Because 'a valid UTF-8 message needs no raw bytes'
            }
            $got[0].Message.Split("`n").Count | Should -Be 6
        }

        It 'gives the original bytes of non-UTF-8 messages in MessageBytes' {
            $sent = @{}
            foreach ($e in $fx.Entries | Where-Object Kind -EQ 'binary') { $sent[$e.Realtime] = $e.MessageBytes }
            $got = @(Get-DockerJournal -Directory $fx.Directory | Where-Object { $null -ne $_.MessageBytes })
            $got.Count | Should -Be $sent.Count
            foreach ($entry in $got) {
                $usec = [uint64](($entry.TimeCreated.UtcTicks - [DateTimeOffset]::UnixEpoch.UtcTicks) / 10)
                [Convert]::ToHexString($entry.MessageBytes) | Should -Be ([Convert]::ToHexString($sent[$usec]))
                $entry.Message | Should -Be ([Text.Encoding]::UTF8.GetString($sent[$usec])) -Because 'Message shows U+FFFD for the bad bytes'
                $entry.Message | Should -Match ([char]0xFFFD)
            }
        }

        It 'keeps a 100 KB message whole, and an empty one empty' {
            $large = @(Get-DockerJournal -Directory $fx.Directory -Priority warning | Where-Object { $_.Message.Length -gt 100000 })
            $large.Count | Should -Be 3
            $large[0].Msg.Length | Should -Be 102400
            $large[0].Fields['size'] | Should -Be '102400'
            $empty = @(Get-DockerJournal -Directory $fx.Directory | Where-Object { $_.Message -eq '' })
            $empty.Count | Should -Be 3
            $empty[0].Level | Should -BeNullOrEmpty
            $empty[0].Fields.Count | Should -Be 0
        }

        It 'takes dockerd''s logfmt line apart: Level, Msg, Fields' {
            $canary = Get-DockerJournal -Directory $fx.Directory -Last 1
            # (The engine's types live in NginxKit's own load context, out of reach by name: compare as text.)
            "$($canary.Priority)" | Should -BeExactly 'Warning'
            $canary.Level | Should -BeExactly 'warning'
            $canary.Msg | Should -BeExactly 'Your kernel does not support "swap" limit'
            $canary.Fields['storage-driver'] | Should -BeExactly 'overlay2'
            $canary.Fields['err'] | Should -BeExactly "line one`nline two"
            $canary.Fields['time'] | Should -BeExactly '2026-11-25T10:00:00.123456789Z'
            $canary.Fields['flag'] | Should -BeExactly ''
            $canary.Fields.ContainsKey('level') | Should -BeFalse
            $canary.Identifier | Should -BeExactly 'dockerd'
            $canary.Unit | Should -BeExactly 'docker.service'
            $canary.Hostname | Should -BeExactly 'fixture-host'
            $canary.BootId | Should -Be $fx.Boots[2]
        }

        It 'maps every level dockerd writes, with its priority' {
            $byPriority = Get-DockerJournal -Directory $fx.Directory -Boot 0 | Where-Object { $_.Identifier -eq 'dockerd' -and $_.Level } | Group-Object { [int]$_.Priority } -AsHashTable
            $byPriority.Keys | Sort-Object | Should -Be (0..7)
            $byPriority[3][0].Level | Should -Be 'error'
            $byPriority[7][0].Level | Should -Be 'debug'
            $byPriority[4][0].Msg | Should -Not -BeNullOrEmpty
        }

        It 'names PID 1''s lines by the unit they are about, and leaves non-logfmt lines alone' {
            $pid1 = @(Get-DockerJournal -Directory $fx.Directory -Boot -1 | Where-Object Pid -EQ 1)
            $pid1.Count | Should -BeGreaterThan 3
            $pid1.Unit | Sort-Object -Unique | Should -Be 'docker.service'
            $pid1.Identifier | Sort-Object -Unique | Should -Be 'systemd'
            $pid1[0].Level | Should -BeNullOrEmpty
            $pid1[0].Msg | Should -BeNullOrEmpty
            @(Get-DockerJournal -Directory $fx.Directory -Unit containerd -Boot -1 | Where-Object Pid -EQ 1).Unit | Sort-Object -Unique | Should -Be 'containerd.service'
        }

        It 'says which boot is missing: -Boot <Boot>' -ForEach @(@{ Boot = '-3' }, @{ Boot = '1' }, @{ Boot = 'yesterday' }) {
            { Get-DockerJournal -Directory $fx.Directory -Boot $Boot -ErrorAction Stop } | Should -Throw -ErrorId 'BootNotFound*'
        }

        It 'returns nothing for a boot ID the journal does not hold' {
            @(Get-DockerJournal -Directory $fx.Directory -Boot ('0' * 32)).Count | Should -Be 0
        }
    }

    Context 'both readers' {
        It 'give identical objects for <Name>' -ForEach @(
            @{ Name = 'every unit in the fixture'; P = @{ Unit = 'docker', 'containerd', 'ssh', 'init.scope', 'systemd-coredump@0-4242-0', 'systemd-journald' } }
            @{ Name = '-Last 25 -Boot -1'; P = @{ Last = 25; Boot = '-1' } }
            # Since: a local date string made from the fixture when the test runs (any time zone).
            @{ Name = '-Priority warning..err -Since'; P = @{ Priority = 'warning..err'; Since = 'edge - 1 h, local' } }
        ) {
            if ($P.Since -eq 'edge - 1 h, local') {
                $P = $P.Clone()
                $P.Since = [DateTimeOffset]::FromUnixTimeSeconds($fx.EdgeSecond).ToLocalTime().AddHours(-1).ToString('yyyy-MM-dd HH:mm:ss')
            }
            # Every property, Fields and MessageBytes by value (records compare those by reference).
            $flatten = {
                param($e)
                $fields = ($e.Fields.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join [char]1
                $raw = if ($null -ne $e.MessageBytes) { [Convert]::ToBase64String($e.MessageBytes) } else { '-' }
                @($e.TimeCreated.UtcTicks, $e.TimeCreated.Offset, $e.Priority, $e.Unit, $e.Pid, $e.Hostname, $e.BootId, $e.Cursor, $e.Message, $e.Identifier, $e.Level, $e.Msg, $fields, $raw) -join [char]2
            }
            try {
                $env:NGINXKIT_JOURNAL_READER = 'sdjournal'
                $sd = @(Get-DockerJournal -Directory $fx.Directory @P | ForEach-Object { & $flatten $_ })
                $env:NGINXKIT_JOURNAL_READER = 'export'
                $ex = @(Get-DockerJournal -Directory $fx.Directory @P | ForEach-Object { & $flatten $_ })
            } finally { $env:NGINXKIT_JOURNAL_READER = $SavedReader }
            $sd.Count | Should -BeGreaterThan 0
            Assert-SameEntry $ex $sd "$Name (export vs sd-journal)"
        }

        It 'refuse an unknown NGINXKIT_JOURNAL_READER' {
            try {
                $env:NGINXKIT_JOURNAL_READER = 'bogus'
                { Get-DockerJournal -Directory $fx.Directory -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidJournalReader*'
            } finally { $env:NGINXKIT_JOURNAL_READER = $SavedReader }
        }
    }

    Context 'on a host without libsystemd.so.0' {
        It 'falls back to journalctl by itself (NGINXKIT_JOURNAL_READER unset) and gives the same entries' {
            $unshare = Find-RealTool -Name unshare
            if (-not $unshare) { Set-ItResult -Skipped -Because 'unshare (util-linux) is not installed'; return }
            # The library as this process loaded it (the real file behind the libsystemd.so.0 link).
            $null = [Runtime.InteropServices.NativeLibrary]::Load('libsystemd.so.0')
            $lib = (Get-Content /proc/self/maps | Where-Object { $_ -match '\s(/\S*libsystemd\.so\.0[.\d]*)$' } | Select-Object -First 1) -replace '^.*\s(/\S+)$', '$1'
            $lib | Should -Not -BeNullOrEmpty
            $blank = Join-Path $Root 'not-a-library.so'
            Set-Content $blank ''
            $script = @"
Remove-Item Env:NGINXKIT_JOURNAL_READER -ErrorAction Ignore
Import-Module '$(Get-NginxKitModulePath)'
Import-Module '$PSScriptRoot/JournalFixture.psm1'
`$handle = [IntPtr]::Zero
`$available = [Runtime.InteropServices.NativeLibrary]::TryLoad('libsystemd.so.0', [ref] `$handle)
`$keys = @(Get-DockerJournal -Directory '$($fx.Directory)' -Priority warning..err -Boot -1 | ConvertTo-JournalKey)
`$env:NGINXKIT_JOURNAL_READER = 'sdjournal'
`$forced = try { Get-DockerJournal -Directory '$($fx.Directory)' -ErrorAction Stop; 'read' } catch { `$_.FullyQualifiedErrorId }
[pscustomobject]@{ available = `$available; forced = `$forced; keys = `$keys } | ConvertTo-Json -Compress
"@
            # In a private mount namespace (unshare's default propagation), an empty file is bound over
            # the library: only the child sees it gone. journalctl links libsystemd-shared, not libsystemd.so.0.
            # The namespace is a user namespace's (--map-root-user), so any user can make it, root included.
            $out = & $unshare --map-root-user --mount /bin/sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' $blank $lib @(Get-PwshCommand) -NoProfile -NonInteractive -Command $script 2>&1
            $json = @($out | Where-Object { "$_".StartsWith('{') }) | Select-Object -Last 1
            $json | Should -Not -BeNullOrEmpty -Because ($out -join "`n")
            $r = $json | ConvertFrom-Json
            $r.available | Should -BeFalse -Because 'the child cannot load libsystemd.so.0'
            $r.forced | Should -BeLike 'LibsystemdMissing*' -Because 'so sd-journal cannot have read the entries'
            $expected = Invoke-JournalctlJson -Directory $fx.Directory -Argument '-u', 'docker.service', '-p', 'warning..err', '-b', '-1' | ConvertTo-JournalKey -Json
            @($expected).Count | Should -BeGreaterThan 100
            Assert-SameEntry $r.keys $expected 'the fallback without libsystemd'
        }
    }

    Context '-Follow (<Reader>)' -ForEach $Readers {
        BeforeAll {
            $env:NGINXKIT_JOURNAL_READER = $Reader
            # After everything in the standard fixture, so nothing else in the follow directory competes.
            $script:FollowStart = $fx.Last + 60000000
        }
        AfterAll { $env:NGINXKIT_JOURNAL_READER = $SavedReader }

        It 'shows the last 10 entries, as journalctl -f, then those appended; Stop() ends it and leaves no journalctl' {
            $dir = Join-Path $Root "follow-$Reader"
            $app = Start-JournalAppender -Path $dir
            $ps = $null
            try {
                Add-JournalEntry $app (New-FollowEntry -StartUsec $FollowStart -Count 14 -Tag before)
                Wait-Until { @(Invoke-JournalctlJson -Directory $dir).Count -ge 14 } | Should -BeTrue -Because 'journal-remote writes what it is fed at once'
                $expected = @(Invoke-JournalctlJson -Directory $dir -Argument '-u', 'docker.service', '-n', '10' | ForEach-Object { $_['MESSAGE'] })
                $expected | Should -Be @(4..13 | ForEach-Object { "level=info msg=`"before $_`"" }) -Because 'journalctl -n 10 shows the last ten'

                $follow = Start-FollowRead $dir
                $ps = $follow.PowerShell
                $output = $follow.Output
                # From a new boot: journalctl -f alone would keep to the boot that was newest when it started.
                # Appended once the ten are there, so they arrive after them; order is all the check needs.
                Wait-Until { $output.Count -ge 10 } | Should -BeTrue -Because "-Follow first shows the last ten ($($ps.Streams.Error.Count) errors)"
                Add-JournalEntry $app (New-FollowEntry -StartUsec ($FollowStart + 1000000) -Count 4 -Tag after -BootId ('f' * 32))
                Wait-Until { $output.Count -ge 14 -and $output[$output.Count - 1].Msg -eq 'after 3' } | Should -BeTrue -Because "appended entries arrive while following (got $($output.Count))"
                @(for ($i = 0; $i -lt $output.Count; $i++) { $output[$i].Message }) | Should -Be ($expected + @(0..3 | ForEach-Object { "level=info msg=`"after $_`"" }))
                $ps.InvocationStateInfo.State | Should -Be 'Running'

                $stop = $ps.BeginStop($null, $null) # Stop() with a deadline: a reader that ignores it fails here, not hangs the run
                $stop.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'Stop() must end -Follow'
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $ps.Streams.Error.Count | Should -Be 0
                Wait-Until { -not (Get-JournalctlChild -Needle $dir) } | Should -BeTrue -Because 'no journalctl may outlive the reader'
            } finally {
                Close-Pipeline $ps
                Stop-JournalAppender $app
            }
        }

        It 'ends with the pipeline: -Follow -Last 2 | Select-Object -First 4 in a fresh pwsh' {
            $dir = Join-Path $Root "follow-first-$Reader"
            $app = Start-JournalAppender -Path $dir
            $child = $null
            try {
                Add-JournalEntry $app (New-FollowEntry -StartUsec $FollowStart -Count 5 -Tag old)
                Wait-Until { @(Invoke-JournalctlJson -Directory $dir).Count -ge 5 } | Should -BeTrue

                $pwsh = Get-PwshCommand
                $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
                foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command',
                        "`$env:NGINXKIT_JOURNAL_READER = '$Reader'; Import-Module '$(Get-NginxKitModulePath)'; Get-DockerJournal -Directory '$dir' -Follow -Last 2 | Select-Object -First 4 | ForEach-Object { `$_.Msg }; 'done'")) {
                    $psi.ArgumentList.Add($a)
                }
                $psi.RedirectStandardOutput = $true
                $psi.RedirectStandardError = $true
                $child = [Diagnostics.Process]::Start($psi)
                $lines = [NginxKitTests.Journal.LineCollector]::new($child.StandardOutput)
                $stderr = $child.StandardError.ReadToEndAsync()
                Wait-Until { $lines.Count -ge 2 } | Should -BeTrue -Because "the child shows the last 2 first ($($lines.ToArray() -join ', '))"

                Add-JournalEntry $app (New-FollowEntry -StartUsec ($FollowStart + 1000000) -Count 2 -Tag new)
                $child.WaitForExit(30000) | Should -BeTrue -Because 'Select-Object -First 4 ends the pipeline, and the read with it'
                $null = $lines.Task.Wait(30000)
                $child.ExitCode | Should -Be 0 -Because $stderr.Result
                @($lines.ToArray()) | Should -Be @('old 3', 'old 4', 'new 0', 'new 1', 'done')
                Get-JournalctlChild -Needle $dir | Should -BeNullOrEmpty
            } finally {
                if ($child -and -not $child.HasExited) { $child.Kill($true) }
                Stop-JournalAppender $app
            }
        }

        It '-Last 0 shows only entries written after it started, never the newest old one' {
            $dir = Join-Path $Root "follow-last0-$Reader"
            $app = Start-JournalAppender -Path $dir
            $ps = $null
            try {
                Add-JournalEntry $app (New-FollowEntry -StartUsec $FollowStart -Count 3 -Tag old)
                Wait-Until { @(Invoke-JournalctlJson -Directory $dir).Count -ge 3 } | Should -BeTrue
                $follow = Start-FollowRead $dir '-Last 0'
                $ps = $follow.PowerShell
                $output = $follow.Output
                # Nothing old comes, so nothing says when the reader has found the journal's end: append
                # probes, one at a time, until one arrives. An old entry would arrive before any probe.
                $next = $FollowStart + 1000000
                for ($probe = 0; $output.Count -eq 0 -and $probe -lt 60; $probe++) {
                    Add-JournalEntry $app (New-FollowEntry -StartUsec ($next + [uint64]$probe * 1000) -Count 1 -Tag "probe$probe")
                    $null = Wait-Until { $output.Count -gt 0 } -TimeoutSec 0.5
                }
                $output.Count | Should -BeGreaterThan 0 -Because "probes appended while following arrive ($($ps.Streams.Error.Count) errors)"
                # Then two more and an end marker; entries come in order, so anything extra shows before the marker.
                Add-JournalEntry $app (New-FollowEntry -StartUsec ($next + 100000) -Count 2 -Tag new)
                Add-JournalEntry $app (New-FollowEntry -StartUsec ($next + 200000) -Count 1 -Tag end)
                Wait-Until { $output.Count -gt 0 -and $output[$output.Count - 1].Msg -eq 'end 0' } | Should -BeTrue -Because "new entries arrive while following (got $($output.Count))"
                $messages = @(for ($i = 0; $i -lt $output.Count; $i++) { $output[$i].Msg })
                $messages | Where-Object { $_ -like 'old*' } | Should -BeNullOrEmpty
                $messages[0] | Should -BeLike 'probe*'
                $messages[-3..-1] | Should -Be @('new 0', 'new 1', 'end 0')
            } finally {
                Close-Pipeline $ps
                Stop-JournalAppender $app
            }
        }

        It 'stops at the first entry after -Until' {
            $dir = Join-Path $Root "follow-until-$Reader"
            $app = Start-JournalAppender -Path $dir
            $ps = $null
            try {
                Add-JournalEntry $app (New-FollowEntry -StartUsec $FollowStart -Count 3 -Tag in)
                Wait-Until { @(Invoke-JournalctlJson -Directory $dir).Count -ge 3 } | Should -BeTrue
                $until = [DateTimeOffset]::FromUnixTimeMilliseconds([long]($FollowStart / 1000) + 500)
                $follow = Start-FollowRead $dir "-Until '@$($until.ToUnixTimeMilliseconds() / 1000)'"
                $ps = $follow.PowerShell
                $output = $follow.Output
                Wait-Until { $output.Count -ge 3 } | Should -BeTrue -Because "the entries up to -Until come first ($($ps.Streams.Error.Count) errors)"
                $ps.InvocationStateInfo.State | Should -Be 'Running' -Because 'nothing after -Until has been written yet'
                Add-JournalEntry $app (New-FollowEntry -StartUsec ($FollowStart + 1000000) -Count 1 -Tag out)
                Wait-Until { $ps.InvocationStateInfo.State -eq 'Completed' } | Should -BeTrue -Because 'the first entry after -Until ends the read'
                @(for ($i = 0; $i -lt $output.Count; $i++) { $output[$i].Msg }) | Should -Be @('in 0', 'in 1', 'in 2')
                Get-JournalctlChild -Needle $dir | Should -BeNullOrEmpty
            } finally {
                Close-Pipeline $ps
                Stop-JournalAppender $app
            }
        }
    }

    Context 'errors (<Reader>)' -ForEach $Readers {
        BeforeAll {
            $env:NGINXKIT_JOURNAL_READER = $Reader
            $script:OtherDir = Join-Path $Root "other-$Reader"
            # A second, small journal: the file that is made unreadable or sits next to a corrupt one.
            $app = Start-JournalAppender -Path $OtherDir
            Add-JournalEntry $app (New-FollowEntry -StartUsec ($fx.Last + 120000000) -Count 4 -Tag other)
            Stop-JournalAppender $app
            $script:Other = Join-Path $OtherDir 'docker.journal'
        }
        AfterAll { $env:NGINXKIT_JOURNAL_READER = $SavedReader }

        It 'a missing -Directory is JournalNotFound' {
            { Get-DockerJournal -Directory (Join-Path $Root 'no-such-dir') -ErrorAction Stop } | Should -Throw -ErrorId 'JournalNotFound*'
        }

        It 'a missing -File is JournalNotFound, and the other files are still read' {
            $r = Get-Actual @{ File = (Join-Path $Root 'no-such.journal'), $Other }
            $r.Errors.FullyQualifiedErrorId | Should -BeLike 'JournalNotFound*'
            $r.Entries.Count | Should -Be 4
            { Get-DockerJournal -File (Join-Path $Root 'no-such.journal') -ErrorAction Stop } | Should -Throw -ErrorId 'JournalNotFound*'
        }

        It 'a -File wildcard that matches nothing is JournalNotFound; the host''s journal is never read in its place' {
            foreach ($pattern in (Join-Path $Root 'nomatch*.journal'), (Join-Path $Root 'no-such-dir/*.journal')) {
                $errors = @(); $entries = @()
                try { $entries = @(Get-DockerJournal -File $pattern -ErrorVariable +errors -ErrorAction SilentlyContinue) } catch { $errors += $_ }
                $entries.Count | Should -Be 0
                @($errors.FullyQualifiedErrorId) | Should -BeLike 'JournalNotFound*'
                "$($errors[0])" | Should -BeLike "*No journal file matches*$(Split-Path $pattern -Leaf)*"
                $errors[-1].Exception.Message | Should -BeLike '*None of the given journal files*'
            }
            # Beside a file that exists: one error for the pattern, and that file is read.
            $r = Get-Actual @{ File = (Join-Path $Root 'nomatch*.journal'), $Other }
            @($r.Errors.FullyQualifiedErrorId) | Should -BeLike 'JournalNotFound*'
            $r.Entries.Count | Should -Be 4
        }

        It 'an entry with a malformed field is JournalCorrupt and left out; the entries after it still come' {
            $bytes = [IO.File]::ReadAllBytes($Other)
            $messages = [NginxKitTests.Journal.JournalFileDamage]::DataObjects($bytes, 'MESSAGE')
            $messages.Count | Should -Be 4
            # MESSAGE= becomes MESSAGE<: the name runs on to the '=' of level=, which journald never writes.
            $bytes[$messages[1].Offset + [NginxKitTests.Journal.JournalFileDamage]::PayloadOffset($bytes) + 7] = [byte][char]'<'
            $damaged = Join-Path $Root "malformed-$Reader.journal"
            [IO.File]::WriteAllBytes($damaged, $bytes)
            $cursors = @(Invoke-JournalctlJson -File $Other | ForEach-Object { $_['__CURSOR'] })
            $r = Get-Actual @{ File = $damaged }
            @($r.Entries.Msg) | Should -Be @('other 0', 'other 2', 'other 3')
            $r.Errors.Count | Should -Be 1
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'JournalCorrupt,*'
            $r.Errors[0].TargetObject | Should -Be $cursors[1] -Because 'the error names the entry by its cursor'
            "$($r.Errors[0])" | Should -BeLike '*a field name is not valid*left out*'
        }

        It 'data no output mode can read ends the read with JournalCorrupt, where journalctl stops too' {
            $bytes = [IO.File]::ReadAllBytes($Other)
            $messages = [NginxKitTests.Journal.JournalFileDamage]::DataObjects($bytes, 'MESSAGE')
            $bytes[$messages[2].Offset + 1] = 1 # flagged XZ-compressed, which it is not
            $damaged = Join-Path $Root "unreadable-data-$Reader.journal"
            [IO.File]::WriteAllBytes($damaged, $bytes)
            $json = & journalctl --no-pager --file=$damaged -o json 2>&1
            @($json | Where-Object { "$_".StartsWith('{') }).Count | Should -Be 2 -Because 'journalctl stops at the third entry'
            $entries = [Collections.Generic.List[object]]::new()
            $err = $null
            try { Get-DockerJournal -File $damaged -ErrorAction Stop | ForEach-Object { $entries.Add($_) } } catch { $err = $_ }
            @($entries.Msg) | Should -Be @('other 0', 'other 1')
            $err.FullyQualifiedErrorId | Should -BeLike 'JournalCorrupt,*'
            "$err" | Should -BeLike '*cannot be read past the entry of*journalctl stops there too*'
        }

        It 'a corrupt file among good ones is JournalCorrupt; the good files'' entries still come' {
            $dir = Join-Path $Root "corrupt-$Reader"
            New-Item -ItemType Directory $dir | Out-Null
            Copy-Item $fx.Files $dir
            $bad = Join-Path $dir 'x.journal'
            $noise = [byte[]]::new(65536)
            [Random]::new(1).NextBytes($noise)
            [IO.File]::WriteAllBytes($bad, $noise)
            $r = Get-Actual @{ Directory = $dir }
            @($r.Errors | Where-Object FullyQualifiedErrorId -Like 'JournalCorrupt*').Count | Should -Be 1
            $r.Errors[0].TargetObject | Should -Be $bad
            "$($r.Errors[0])" | Should -BeLike "*x.journal*"
            $expected = Invoke-JournalctlJson -Directory $dir -Argument '-u', 'docker.service' | ConvertTo-JournalKey -Json
            @($expected).Count | Should -BeGreaterThan 1000
            Assert-SameEntry ($r.Entries | ConvertTo-JournalKey) $expected 'the good files next to a corrupt one'

            # By -File too: the corrupt one reported and left out, the good one read.
            $r2 = Get-Actual @{ File = $bad, $Other }
            $r2.Errors.FullyQualifiedErrorId | Should -BeLike 'JournalCorrupt*'
            $r2.Entries.Count | Should -Be 4
            { Get-DockerJournal -File $bad -ErrorAction Stop } | Should -Throw -ErrorId 'JournalCorrupt*'
        }

        It 'an unreadable file is JournalNotReadable (as root, read without CAP_DAC_OVERRIDE, since root cannot be refused)' {
            # Any other user is refused by the file mode alone; root reads it unless it gives up the
            # capabilities that bypass file modes, which needs setpriv and nothing else.
            $asRoot = (& id -u) -eq '0'
            $setpriv = if ($asRoot) { Find-RealTool -Name setpriv } else { $null }
            if ($asRoot -and -not $setpriv) { Set-ItResult -Skipped -Because 'setpriv (util-linux) is not installed'; return }
            $dir = Join-Path $Root "unreadable-$Reader"
            New-Item -ItemType Directory $dir | Out-Null
            Copy-Item $fx.Files $dir
            $locked = Join-Path $dir 'locked.journal'
            Copy-Item $Other $locked
            (Get-Item $locked).UnixFileMode = 'None' # chmod 000
            $script = @"
`$env:NGINXKIT_JOURNAL_READER = '$Reader'
Import-Module '$(Get-NginxKitModulePath)'
`$e1 = @(); `$e2 = @(); `$e3 = @()
`$n1 = @(Get-DockerJournal -Directory '$dir' -ErrorVariable +e1 -ErrorAction SilentlyContinue).Count
`$n2 = @(Get-DockerJournal -File '$locked', '$Other' -ErrorVariable +e2 -ErrorAction SilentlyContinue).Count
try { Get-DockerJournal -File '$locked' -ErrorVariable +e3 -ErrorAction SilentlyContinue } catch { `$e3 += `$_ }
[pscustomobject]@{ n1 = `$n1; e1 = @(`$e1.FullyQualifiedErrorId); m1 = @(`$e1 | ForEach-Object { "`$_" }); n2 = `$n2; e2 = @(`$e2.FullyQualifiedErrorId); e3 = @(`$e3.FullyQualifiedErrorId) } | ConvertTo-Json -Compress
"@
            $pwsh = Get-PwshCommand
            # Root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys file modes like any user, yet can still
            # reach the module and pwsh under /root, which 'nobody' could not.
            $out = if ($asRoot) { & $setpriv --bounding-set=-dac_override,-dac_read_search @pwsh -NoProfile -NonInteractive -Command $script 2>&1 }
            else { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1 }
            $json = @($out | Where-Object { "$_".StartsWith('{') }) | Select-Object -Last 1
            $json | Should -Not -BeNullOrEmpty -Because ($out -join "`n")
            $r = $json | ConvertFrom-Json
            $r.e1 | Should -BeLike 'JournalNotReadable*'
            ($r.m1 -join ' ') | Should -BeLike '*locked.journal*'
            $r.n1 | Should -Be @(Invoke-JournalctlJson -Directory $fx.Directory -Argument '-u', 'docker.service').Count -Because 'the readable files are still read'
            $r.e2 | Should -BeLike 'JournalNotReadable*'
            $r.n2 | Should -Be 4
            $r.e3[0] | Should -BeLike 'JournalNotReadable*'
            $r.e3[-1] | Should -BeLike 'JournalNotFound*' -Because 'with no file left to read, the command stops'
        }
    }
}
