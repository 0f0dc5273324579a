# Entry nodes, cluster routes and connections, against the fake API server (or a real cluster
# named by NGINXKIT_TEST_KUBECONFIG: fault-injection cases then skip).
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $kubectl = Find-RealTool kubectl
    $isFake = -not $env:NGINXKIT_TEST_KUBECONFIG
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi
    $target = Get-KubeTestTarget
    $kc = $target.KubeConfig
    # Names of our own, so the suite can run against a real cluster and clean up.
    $prefix = 'nkt-' + [guid]::NewGuid().ToString('N').Substring(0, 6)

    function New-TestNode([string] $Name, [hashtable] $Labels = @{}) {
        @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = $Name; labels = $Labels }
           status = @{ conditions = @(@{ type = 'Ready'; status = 'True' }); addresses = @(@{ type = 'InternalIP'; address = '192.0.2.10' }) } }
    }
    function New-TestService([string] $Name, [string] $Namespace, [string] $ClusterIP, [int] $Port = 80, [hashtable] $Annotations = @{}, [hashtable] $Labels = @{}) {
        @{ apiVersion = 'v1'; kind = 'Service'; metadata = @{ name = $Name; namespace = $Namespace; annotations = $Annotations; labels = $Labels }
           spec = @{ type = 'ClusterIP'; clusterIP = $ClusterIP; ports = @(@{ port = $Port; protocol = 'TCP' }) } }
    }
    function Get-NodeLabels([string] $Name) {
        (Invoke-Kubectl $target @('get', 'node', $Name, '-o', 'json')).Output | ConvertFrom-Json -AsHashtable | ForEach-Object { $_.metadata.labels }
    }
}

AfterAll {
    if ($target) { Stop-FakeKubeApi $target }
}

Describe 'Set-EntryNodeLabel' -Tag 'Kubernetes' -Skip:(-not $isFake) {
    BeforeEach {
        Reset-FakeKubeApi $target
        Add-FakeKubeObject $target -Object @(1..3 | ForEach-Object { New-TestNode "n$_" }) | Out-Null
        Clear-FakeKubeRequest $target
    }

    It 'labels a node role=entry with one PATCH, and a re-run sends none' {
        $r = Set-EntryNodeLabel -Name n1 -KubeConfig $kc
        $r.Changed | Should -BeTrue
        $r.Node.Labels['role'] | Should -Be 'entry'
        (Get-NodeLabels n1)['role'] | Should -Be 'entry'
        @(Get-FakeKubeRequest $target -Method PATCH).Count | Should -Be 1
        Clear-FakeKubeRequest $target
        $again = Set-EntryNodeLabel -Name n1 -KubeConfig $kc
        $again.Changed | Should -BeFalse
        @(Get-FakeKubeRequest $target -Method PATCH).Count | Should -Be 0
    }

    It 'sends a merge patch that carries the resourceVersion it was computed from' {
        Set-EntryNodeLabel -Name n1 -KubeConfig $kc | Out-Null
        $patch = @(Get-FakeKubeRequest $target -Method PATCH)[0]
        $patch.contentType | Should -BeLike 'application/merge-patch+json*'
        $patch.fieldManager | Should -Be 'nginxkit'
        ($patch.body | ConvertFrom-Json).metadata.resourceVersion | Should -Not -BeNullOrEmpty
    }

    It 'removes the label with -Remove, and any labels with -Label' {
        Set-EntryNodeLabel -Name n2 -Label @{ 'nginxkit.io/zone' = 'a'; tier = 'edge' } -KubeConfig $kc | Out-Null
        (Get-NodeLabels n2)['tier'] | Should -Be 'edge'
        $r = Set-EntryNodeLabel -Name n2 -Label @{ tier = '' } -Remove -KubeConfig $kc
        $r.Changed | Should -BeTrue
        @((Get-NodeLabels n2).Keys) | Should -Not -Contain 'tier'
        (Get-NodeLabels n2)['nginxkit.io/zone'] | Should -Be 'a'
        (Set-EntryNodeLabel -Name n2 -Remove -KubeConfig $kc).Changed | Should -BeFalse
    }

    It 'gives one NodeNotFound error for a missing node and labels the others' {
        $r = @(Set-EntryNodeLabel -Name n1, ghost, n3 -KubeConfig $kc -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Name | Should -Be @('n1', 'n3')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NodeNotFound,*'
        $errs[0].TargetObject | Should -Be 'ghost'
        (Get-NodeLabels n3)['role'] | Should -Be 'entry'
    }

    It 'gives one KubeForbidden error for a node the API refuses, and the others go on' {
        Add-FakeKubeFault -Server $target -Method PATCH -Path /api/v1/nodes/n2 -Code 403 | Out-Null
        $r = @(Set-EntryNodeLabel -Name n1, n2, n3 -KubeConfig $kc -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Name | Should -Be @('n1', 'n3')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'KubeForbidden,*'
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        @((Get-NodeLabels n2).Keys) | Should -Not -Contain 'role'
    }

    It 'retries a 409 conflict and succeeds' {
        Add-FakeKubeFault -Server $target -Method PATCH -Path /api/v1/nodes/n1 -Code 409 -Times 1 | Out-Null
        $r = Set-EntryNodeLabel -Name n1 -KubeConfig $kc
        $r.Changed | Should -BeTrue
        $r.Attempts | Should -Be 2
        @(Get-FakeKubeRequest $target -Method PATCH -Path /api/v1/nodes/n1).Count | Should -Be 2
        (Get-NodeLabels n1)['role'] | Should -Be 'entry'
    }

    It 'keeps the labels other writers set' {
        Add-FakeKubeObject $target -Object (New-TestNode n1 @{ other = 'x' }) | Out-Null
        $r = Set-EntryNodeLabel -Name n1 -KubeConfig $kc
        $r.Changed | Should -BeTrue
        (Get-NodeLabels n1)['other'] | Should -Be 'x'
    }

    It '-WhatIf sends only dry-run requests and changes nothing' {
        $r = @(Set-EntryNodeLabel -Name n1, n2 -KubeConfig $kc -WhatIf)
        $r.Changed | Should -Be @($true, $true)
        $r.DryRun | Should -Be @($true, $true)
        $writes = @(Get-FakeKubeRequest $target | Where-Object { $_.method -in 'PATCH', 'PUT', 'POST', 'DELETE' })
        $writes.Count | Should -Be 2
        $writes | ForEach-Object { $_.dryRun | Should -BeTrue }
        @((Get-NodeLabels n1).Keys) | Should -Not -Contain 'role'
    }

    It '-WhatIf says which nodes are already labelled, from the server''s dry run' {
        Add-FakeKubeObject $target -Object (New-TestNode n1 @{ role = 'entry' }) | Out-Null
        $shown = Invoke-FreshPwsh "Import-Module '$(Get-NginxKitModulePath)'; Set-EntryNodeLabel -Name n1, n2 -KubeConfig '$kc' -WhatIf | Out-Null"
        $text = $shown.Output -join "`n"
        $text | Should -Match ([regex]::Escape('What if: Node "n1" is already labelled (role=entry): nothing to change.'))
        $text | Should -Match ([regex]::Escape('What if: Set labels role=entry on node "n2".'))
        $text | Should -Not -Match ([regex]::Escape('on node "n1"'))
        @(Get-FakeKubeRequest $target | Where-Object { $_.method -in 'PATCH', 'PUT', 'POST', 'DELETE' -and -not $_.dryRun }).Count | Should -Be 0
    }

    It 'checks label syntax before any request' {
        { Set-EntryNodeLabel -Name n1 -Label @{ 'bad key!' = 'x' } -KubeConfig $kc -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidLabel,*'
        { Set-EntryNodeLabel -Name n1 -Role 'no spaces' -KubeConfig $kc -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidLabel,*'
        @(Get-FakeKubeRequest $target -ExcludeDiscovery).Count | Should -Be 0
    }

    It 'takes node objects from Get-EntryNode -All through the pipeline' {
        $r = @(Get-EntryNode -All -KubeConfig $kc | Where-Object Name -ne 'n2' | Set-EntryNodeLabel -KubeConfig $kc)
        $r.Name | Should -Be @('n1', 'n3')
        (Get-EntryNode -KubeConfig $kc).Name | Should -Be @('n1', 'n3')
    }

    It 'labels 500 nodes with one LIST and 500 PATCHes, unlabels them, and a re-run patches none' {
        Reset-FakeKubeApi $target
        Add-FakeKubeObject $target -Object @(1..500 | ForEach-Object { New-TestNode ('w{0:d3}' -f $_) }) | Out-Null
        Clear-FakeKubeRequest $target
        $names = 1..500 | ForEach-Object { 'w{0:d3}' -f $_ }
        $r = @(Set-EntryNodeLabel -Name $names -KubeConfig $kc -ThrottleLimit 16)
        $r.Count | Should -Be 500
        @($r | Where-Object Changed).Count | Should -Be 500
        $r[0].Name | Should -Be 'w001' -Because 'results come in input order'
        @(Get-FakeKubeRequest $target -Method PATCH).Count | Should -Be 500
        @(Get-FakeKubeRequest $target -Method GET -ExcludeDiscovery | Where-Object path -eq '/api/v1/nodes').Count | Should -Be 1
        (Get-EntryNode -KubeConfig $kc).Count | Should -Be 500
        Clear-FakeKubeRequest $target
        @(Set-EntryNodeLabel -Name $names -KubeConfig $kc | Where-Object Changed).Count | Should -Be 0
        @(Get-FakeKubeRequest $target -Method PATCH).Count | Should -Be 0
        @(Set-EntryNodeLabel -Name $names -Remove -KubeConfig $kc | Where-Object Changed).Count | Should -Be 500
        @(Get-EntryNode -KubeConfig $kc).Count | Should -Be 0
    }
}

Describe 'Get-EntryNode' -Tag 'Kubernetes' -Skip:(-not $isFake) {
    BeforeAll {
        Reset-FakeKubeApi $target
        Add-FakeKubeObject $target -Object @(
            New-TestNode e1 @{ role = 'entry'; 'node-role.kubernetes.io/worker' = '' }
            New-TestNode e2 @{ role = 'entry' }
            New-TestNode w1 @{ role = 'worker' }
        ) | Out-Null
    }

    It 'lists the nodes labelled role=entry' {
        (Get-EntryNode -KubeConfig $kc).Name | Should -Be @('e1', 'e2')
    }

    It 'lists another role with -Role, and every node with -All' {
        (Get-EntryNode -Role worker -KubeConfig $kc).Name | Should -Be 'w1'
        (Get-EntryNode -All -KubeConfig $kc).Name | Should -Be @('e1', 'e2', 'w1')
    }

    It 'reports Ready, Roles, Labels and Age, and the default view shows them' {
        $n = Get-EntryNode e1 -KubeConfig $kc
        $n.Ready | Should -BeTrue
        $n.Roles | Should -Be 'worker'
        $n.Labels['role'] | Should -Be 'entry'
        $n.Age | Should -BeOfType [timespan]
        $n.InternalIP | Should -Be '192.0.2.10'
        $table = ($n | Out-String -Width 200)
        $table | Should -Match 'Name\s+Ready\s+Roles\s+Age\s+Labels'
        $table | Should -Match 'e1\s+Ready\s+worker'
    }

    It 'names a node that is not an entry node in an error' {
        Get-EntryNode w1, e2 -KubeConfig $kc -ErrorVariable errs -ErrorAction SilentlyContinue | ForEach-Object Name | Should -Be 'e2'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NodeNotFound,*'
    }

    It 'agrees with kubectl, both ways' -Skip:(-not $kubectl) {
        (Invoke-Kubectl $target @('label', 'node', 'w1', 'role=entry', '--overwrite')).ExitCode | Should -Be 0
        (Get-EntryNode -KubeConfig $kc).Name | Should -Contain 'w1'
        Set-EntryNodeLabel w1 -Role worker -KubeConfig $kc | Out-Null
        $shown = (Invoke-Kubectl $target @('get', 'nodes', '--show-labels', '--no-headers')).Output
        ($shown -split "`n" | Where-Object { $_ -match '^w1\s' }) | Should -Match 'role=worker'
    }
}

Describe 'Get-NginxRoute from the cluster' -Tag 'Kubernetes' -Skip:(-not $isFake) {
    BeforeAll {
        Reset-FakeKubeApi $target
        Add-FakeKubeObject $target -Object @(
            New-TestService volume storage 10.96.0.10 8080 @{ 'nginxkit.io/path' = '/volume' } @{ app = 'volume' }
            New-TestService api platform 10.96.0.20 80 @{ 'nginxkit.io/path' = '/api' } @{ app = 'api' }
            New-TestService dashboard platform 10.96.0.30 3000 @{ 'nginxkit.io/expose' = 'true' } @{ app = 'ui' }
            New-TestService grafana monitoring 10.96.0.50 3000 @{} @{ app = 'grafana' }
            New-TestService evil platform 10.96.0.40 80 @{ 'nginxkit.io/path' = '/x { return 200; } #' }
            @{ apiVersion = 'v1'; kind = 'Service'; metadata = @{ name = 'db'; namespace = 'storage' }; spec = @{ clusterIP = 'None'; ports = @(@{ port = 5432 }) } }
        ) | Out-Null
    }

    It 'turns the Services that opt in, in every namespace, into routes, and refuses hostile ones' {
        $out = @(Get-NginxRoute -KubeConfig $kc -WarningVariable warns -ErrorVariable errs -ErrorAction SilentlyContinue -Verbose 4>&1)
        $r = @($out | Where-Object { $_ -is [NginxKit.NginxRoute] })
        $r.Path | Should -Be @('/api', '/dashboard', '/volume')
        ($r | Where-Object Path -eq '/volume').Backend | Should -Be '10.96.0.10'
        $warns | Should -BeNullOrEmpty
        $verbose = ($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match 'monitoring/grafana: it does not opt in'
        $verbose | Should -Match 'storage/db: it does not opt in'
        (Get-NginxRoute -KubeConfig $kc -ExposeAll -ErrorAction SilentlyContinue).Path | Should -Be @('/grafana', '/api', '/dashboard', '/volume')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRoutePath,*'
        $r | New-NginxConf | Should -Not -Match '\{ return 200; \}'
    }

    It 'reads one namespace or several, and a label selector' {
        (Get-NginxRoute -KubeConfig $kc -Namespace storage -WarningAction SilentlyContinue).Service | Should -Be 'volume'
        Clear-FakeKubeRequest $target
        (Get-NginxRoute -KubeConfig $kc -Namespace storage, monitoring -ExposeAll).Service | Should -Be @('grafana', 'volume')
        (Get-FakeKubeRequest $target -ExcludeDiscovery).path | Should -Be @('/api/v1/namespaces/monitoring/services', '/api/v1/namespaces/storage/services')
        (Get-NginxRoute -KubeConfig $kc -Selector 'app in (api,ui)' -ErrorAction SilentlyContinue).Service | Should -Be @('api', 'dashboard')
    }

    It 'sees what kubectl get svc -A -o yaml shows' -Skip:(-not $kubectl) {
        $dir = New-TestDirectory
        try {
            (Invoke-Kubectl $target @('get', 'svc', '-A', '-o', 'yaml')).Output | Set-Content "$dir/svc.yaml"
            # Some Services here are refused on purpose (hence SilentlyContinue); both sides must still find the rest.
            $offlineRoutes = @(Get-NginxRoute -Path "$dir/svc.yaml" -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
            $liveRoutes = @(Get-NginxRoute -KubeConfig $kc -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
            $liveRoutes.Count | Should -BeGreaterThan 0 -Because 'the cluster has Services that opt in'
            $offlineRoutes.Count | Should -Be $liveRoutes.Count
            $offline = $offlineRoutes | New-NginxConf
            $live = $liveRoutes | New-NginxConf
            $live | Should -Match 'proxy_pass http://'
            $live | Should -BeExactly $offline
        }
        finally { Remove-Item $dir -Recurse -Force }
    }
}

Describe 'Connections' -Tag 'Kubernetes' -Skip:(-not $isFake) {
    BeforeAll {
        $secret = 'tok-' + [guid]::NewGuid().ToString('N')
        $guarded = Start-FakeKubeApi -Token $secret
        Add-FakeKubeObject $guarded -Object (New-TestNode g1 @{ role = 'entry' }) | Out-Null
        $dir = New-TestDirectory
        # One kubeconfig, three contexts: the guarded fake with a token, with an exec plugin, and a dead port.
        $exec = Join-Path $dir 'cred.sh'
        Set-Content $exec "#!/bin/sh`necho '{""apiVersion"":""client.authentication.k8s.io/v1"",""kind"":""ExecCredential"",""status"":{""token"":""$secret""}}'"
        chmod 755 $exec
        $multi = Join-Path $dir 'config'
        Set-Content $multi @"
apiVersion: v1
kind: Config
clusters:
- name: guarded
  cluster: { server: "$($guarded.Url)" }
- name: dead
  cluster: { server: "http://127.0.0.1:1" }
users:
- name: token
  user: { token: "$secret" }
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $exec
      interactiveMode: Never
- name: nobody
  user: {}
contexts:
- name: with-token
  context: { cluster: guarded, user: token }
- name: with-exec
  context: { cluster: guarded, user: exec }
- name: no-credentials
  context: { cluster: guarded, user: nobody }
- name: dead
  context: { cluster: dead, user: token }
current-context: with-token
"@
    }
    AfterAll {
        Stop-FakeKubeApi $guarded
        Remove-Item $dir -Recurse -Force -ErrorAction Ignore
    }

    It 'authenticates with a token, and with an exec plugin' {
        (Get-EntryNode -KubeConfig $multi).Name | Should -Be 'g1'
        (Get-EntryNode -KubeConfig $multi -Context with-exec).Name | Should -Be 'g1'
    }

    It 'stops with KubeUnauthorized when the cluster refuses the credentials' {
        { Get-EntryNode -KubeConfig $multi -Context no-credentials -ErrorAction Stop } | Should -Throw -ErrorId 'KubeUnauthorized,*'
    }

    It 'stops with KubeUnreachable when no server answers' {
        { Get-EntryNode -KubeConfig $multi -Context dead -ErrorAction Stop } | Should -Throw -ErrorId 'KubeUnreachable,*'
    }

    It 'never shows the token in verbose, debug, warning or error output' {
        $all = & {
            Get-EntryNode -KubeConfig $multi -Verbose -Debug
            Set-EntryNodeLabel g1 -KubeConfig $multi -Verbose -Debug -WhatIf
            try { Get-EntryNode -KubeConfig $multi -Context no-credentials -Verbose -Debug } catch { $_ | Out-String }
            Connect-NginxKitCluster -KubeConfig $multi | Format-List * | Out-String
        } *>&1 | Out-String
        $all | Should -Not -Match $secret
        $all | Should -Match 'Cluster http://127.0.0.1'
    }

    It 'takes $env:KUBECONFIG by default, and Connect-NginxKitCluster sets a session default' {
        $r = Invoke-FreshPwsh @"
Import-Module '$(Get-NginxKitModulePath)'
`$env:KUBECONFIG = '$multi'
(Get-EntryNode).Name
`$env:KUBECONFIG = '/nonexistent'
(Connect-NginxKitCluster -KubeConfig '$multi' -Context with-exec).Context
(Get-EntryNode).Name
"@
        $r.Output | Should -Be @('g1', 'with-exec', 'g1')
    }

    It 'completes contexts from the kubeconfig, nodes from the cluster, and offers nothing when no cluster answers' {
        $r = Invoke-FreshPwsh @"
Import-Module '$(Get-NginxKitModulePath)'
function Complete([string] `$line) { (TabExpansion2 `$line `$line.Length).CompletionMatches }
(Complete 'Get-EntryNode -KubeConfig $multi -Context with-').CompletionText -join ','
(Complete 'Set-EntryNodeLabel -KubeConfig $multi -Name g').CompletionText -join ','
`$sw = [Diagnostics.Stopwatch]::StartNew()
@(Complete 'Set-EntryNodeLabel -KubeConfig $multi -Context dead -Name ').Count
`$sw.Elapsed.TotalSeconds -lt 30
"@
        $r.Output | Should -Be @('with-exec,with-token', 'g1', '0', 'True')
    }
}

Describe 'Connections over TLS' -Tag 'Kubernetes' -Skip:(-not $isFake) {
    BeforeAll {
        # Clusters as kubeadm, kind and k3s set them up: HTTPS with a cluster CA, a client
        # certificate for the user (RSA or EC), HTTP/2. The fake takes the token too, for exec plugins.
        $secret = 'tok-' + [guid]::NewGuid().ToString('N')
        $tls = Start-FakeKubeApi -Tls -Token $secret
        $null = Add-FakeKubeObject $tls -Object (New-TestNode t1 @{ role = 'entry' }), (New-TestNode t2),
            (New-TestService -Name web -Namespace default -ClusterIP 10.96.7.7 -Port 8080 -Annotations @{ 'nginxkit.io/path' = '/web' })
        $stranger = Start-FakeKubeApi -Tls
        $dir = New-TestDirectory
        function New-TlsKubeConfig([string] $Name, [hashtable] $Config) {
            New-FakeKubeConfig -Path (Join-Path $dir "$Name.kubeconfig") -Url $tls.Url @Config
        }
    }
    AfterAll {
        Stop-FakeKubeApi $tls
        Stop-FakeKubeApi $stranger
        Remove-Item $dir -Recurse -Force -ErrorAction Ignore
    }
    BeforeEach { Clear-FakeKubeRequest -Server $tls }

    It 'reads, labels and lists routes as the certificate''s user: <Key> key, <Form>' -TestCases @(
        @{ Key = 'Rsa'; Form = 'embedded data' }
        @{ Key = 'Ec'; Form = 'embedded data' }
        @{ Key = 'Rsa'; Form = 'relative file paths' }
        @{ Key = 'Ec'; Form = 'relative file paths' }
    ) {
        $config = New-TlsKubeConfig "$Key-$($Form -replace ' ', '-')" @{ Pki = $tls.Pki; ClientKey = $Key; CertificatePaths = $Form -like '*paths' }
        (Connect-NginxKitCluster -KubeConfig $config).AuthKind | Should -Be 'client certificate'
        (Get-EntryNode -KubeConfig $config).Name | Should -Be 't1'
        $result = Set-EntryNodeLabel t2 -KubeConfig $config
        $result.Changed | Should -BeTrue
        (Set-EntryNodeLabel t2 -KubeConfig $config -Remove).Changed | Should -BeTrue
        $route = Get-NginxRoute -KubeConfig $config -Namespace default
        "$($route.Path) $($route.Backend):$($route.Port)" | Should -Be '/web 10.96.7.7:8080'
        $requests = @(Get-FakeKubeRequest -Server $tls)
        $requests.method | Should -Contain 'PATCH'
        $requests | ForEach-Object {
            $_.user | Should -Be 'kubernetes-admin'
            $_.status | Should -BeLessThan 300
        }
    }

    It 'reads certificate and exec paths relative to the kubeconfig that names them, as kubectl does, also when $env:KUBECONFIG merges several' {
        # The first file names nothing relative; the second does, from another directory than the first
        # and than the working directory.
        $first = Join-Path $dir 'merge/first/config'
        $second = Join-Path $dir 'merge/second/config'
        $null = New-Item -ItemType Directory -Force (Split-Path $first), (Join-Path $dir 'merge/second/bin'), (Join-Path $dir 'merge/elsewhere')
        Set-Content $first "apiVersion: v1`nkind: Config`nclusters:`n- name: other`n  cluster: { server: `"https://127.0.0.1:1`" }`nusers:`n- name: other`n  user: { token: x }`ncontexts:`n- name: other`n  context: { cluster: other, user: other }`ncurrent-context: other`n"
        $null = New-FakeKubeConfig -Path $second -Url $tls.Url -Pki $tls.Pki -CertificatePaths
        $cred = Join-Path $dir 'merge/second/bin/cred.sh'
        Set-Content $cred "#!/bin/sh`necho '{""apiVersion"":""client.authentication.k8s.io/v1"",""kind"":""ExecCredential"",""status"":{""token"":""$secret""}}'"
        chmod 755 $cred
        # A context whose user runs ./bin/cred.sh: a command with a slash is relative to the file.
        Add-Content $second "- name: exec`n  user:`n    exec:`n      apiVersion: client.authentication.k8s.io/v1`n      command: ./bin/cred.sh`n      interactiveMode: Never`n"
        (Get-Content $second -Raw) -replace 'contexts:', "contexts:`n- name: with-exec`n  context: { cluster: fake, user: exec }" | Set-Content $second
        Get-Content $second -Raw | Should -Match 'client-certificate: \.\./\.\./pki/client\.crt|client-certificate: (\.\./)+'

        $merged = "$first$([IO.Path]::PathSeparator)$second"
        $r = Invoke-FreshPwsh @"
Import-Module '$(Get-NginxKitModulePath)'
Set-Location '$(Join-Path $dir 'merge/elsewhere')'
`$env:KUBECONFIG = '$merged'
(Get-EntryNode -Context fake).Name
(Get-EntryNode -Context with-exec).Name
"@
        $r.Output | Should -Be @('t1', 't1')
        $users = @(Get-FakeKubeRequest -Server $tls -Path /api/v1/nodes).user
        $users | Should -Be @('kubernetes-admin', 'token')

        if ($kubectl) {
            $k = Invoke-Kubectl ([pscustomobject]@{ KubeConfig = $null; CacheDir = Join-Path $dir 'merge/cache' }) @('--context', 'with-exec', 'get', 'nodes', '-l', 'role=entry', '-o', 'name') `
                -Kubectl $kubectl -Environment @{ KUBECONFIG = $merged }
            $k.ExitCode | Should -Be 0 -Because "kubectl reads the same paths the same way: $($k.Error)"
            $k.Output.Trim() | Should -Be 'node/t1'
        }
    }

    It 'stops with KubeTlsFailed, naming the certificate-authority, when the server''s certificate is not from the kubeconfig''s CA' {
        $config = New-TlsKubeConfig foreign-ca @{ Pki = $stranger.Pki; ClientPki = $tls.Pki }
        $thrown = $null
        try { Get-EntryNode -KubeConfig $config -ErrorAction Stop } catch { $thrown = $_ }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'KubeTlsFailed,*'
        $thrown.CategoryInfo.Category | Should -Be 'SecurityError'
        "$thrown" | Should -Match 'not trusted: it is not signed by the certificate-authority the kubeconfig gives'
        @(Get-FakeKubeRequest -Server $tls).Count | Should -Be 0
    }

    It 'stops with KubeUnauthorized when the user has <Case>' -TestCases @(
        @{ Case = 'a client certificate another CA issued'; Foreign = $true }
        @{ Case = 'no certificate and no token'; Foreign = $false }
    ) {
        $user = if ($Foreign) { @{ ClientPki = $stranger.Pki } } else { @{ NoClientCertificate = $true } }
        $config = New-TlsKubeConfig "unauthorized-$($Case -replace '\W', '-')" (@{ Pki = $tls.Pki } + $user)
        { Get-EntryNode -KubeConfig $config -ErrorAction Stop } | Should -Throw -ErrorId 'KubeUnauthorized,*'
        $requests = @(Get-FakeKubeRequest -Server $tls)
        $requests.Count | Should -BeGreaterThan 0
        $requests | ForEach-Object {
            $_.status | Should -Be 401
            $_.user | Should -BeNullOrEmpty
        }
    }

    It 'never shows a key or certificate in verbose, debug or error output' {
        $config = New-TlsKubeConfig leak-check @{ Pki = $tls.Pki }
        $key = (Get-Content (Join-Path $tls.Pki 'client.key') -Raw) -replace '(?s)-----[^-]+-----', '' -replace '\s', ''
        $keyData = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Join-Path $tls.Pki 'client.key')))
        $all = & {
            Get-EntryNode -KubeConfig $config -Verbose -Debug
            Set-EntryNodeLabel t2 -KubeConfig $config -Verbose -Debug -WhatIf
            Connect-NginxKitCluster -KubeConfig $config | Format-List * | Out-String
            $bad = New-TlsKubeConfig leak-check-foreign @{ Pki = $stranger.Pki; ClientPki = $tls.Pki }
            try { Get-EntryNode -KubeConfig $bad -Verbose -Debug } catch { $_ | Format-List * -Force | Out-String }
        } *>&1 | Out-String
        $all | Should -Match 'Cluster https://127.0.0.1'
        $all | Should -Not -Match ([regex]::Escape($key.Substring(0, 40)))
        $all | Should -Not -Match ([regex]::Escape($keyData.Substring(0, 40)))
    }
}

# The part of the suite that needs no fault injection and no seeding behind the API: it runs against
# the fake and, with NGINXKIT_TEST_KUBECONFIG, against a real cluster, with a label key and a
# namespace of its own, and cleans up after itself.
Describe 'On any cluster (fake, or NGINXKIT_TEST_KUBECONFIG)' -Tag 'Kubernetes', 'RealCluster' -Skip:(-not $kubectl) {
    BeforeAll {
        $any = Get-KubeTestTarget
        $anyKc = $any.KubeConfig
        $key = "nginxkit.io/test-$prefix"
        $ns = $prefix
        if ($any.IsFake) {
            Add-FakeKubeObject $any -Object @(New-TestNode c1; New-TestNode c2) | Out-Null
        }
        $nodes = @((Invoke-Kubectl $any @('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}')).Output -split ' ' | Where-Object { $_ } | Select-Object -First 2)
        $manifest = @"
apiVersion: v1
kind: Namespace
metadata: { name: $ns }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: $ns, annotations: { nginxkit.io/path: /web } }
spec: { type: ClusterIP, ports: [ { port: 80, targetPort: 8080 } ], selector: { app: web } }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: $ns }
spec: { clusterIP: None, ports: [ { port: 5432 } ], selector: { app: db } }
"@
        $file = Join-Path ([IO.Path]::GetTempPath()) "$prefix.yaml"
        Set-Content $file $manifest
        $applied = Invoke-Kubectl $any @('apply', '--server-side', '--validate=false', '-f', $file)
    }
    AfterAll {
        if ($nodes) { Set-EntryNodeLabel -Name $nodes -Label @{ $key = '' } -Remove -KubeConfig $anyKc -ErrorAction SilentlyContinue | Out-Null }
        Invoke-Kubectl $any @('delete', 'namespace', $ns, '--ignore-not-found', '--wait=false') | Out-Null
        Remove-Item $file -ErrorAction Ignore
        Stop-FakeKubeApi $any
    }

    It 'labels nodes with a label of its own, once, and a re-run changes nothing' {
        $nodes.Count | Should -BeGreaterThan 0
        $r = @(Set-EntryNodeLabel -Name $nodes -Label @{ $key = 'entry' } -KubeConfig $anyKc)
        @($r.Changed) | Should -Be (@($true) * $nodes.Count)
        @(Get-EntryNode -All -KubeConfig $anyKc | Where-Object { $_.Labels[$key] -eq 'entry' }).Name | Should -Be $nodes
        @(Set-EntryNodeLabel -Name $nodes -Label @{ $key = 'entry' } -KubeConfig $anyKc).Changed | Should -Be (@($false) * $nodes.Count)
    }

    It '-WhatIf asks the server and changes nothing' {
        $r = @(Set-EntryNodeLabel -Name $nodes -Label @{ $key = 'other' } -KubeConfig $anyKc -WhatIf)
        @($r.DryRun) | Should -Be (@($true) * $nodes.Count)
        @($r.Changed) | Should -Be (@($true) * $nodes.Count)
        @(Get-EntryNode -All -KubeConfig $anyKc | Where-Object { $_.Labels[$key] -eq 'entry' }).Count | Should -Be $nodes.Count
    }

    It 'finds the routes of Services in a namespace of its own' {
        $applied.ExitCode | Should -Be 0 -Because $applied.Error
        $out = @(Get-NginxRoute -Namespace $ns -KubeConfig $anyKc -WarningVariable warns -Verbose 4>&1)
        $routes = @($out | Where-Object { $_ -is [NginxKit.NginxRoute] })
        $routes.Path | Should -Be '/web'
        $routes[0].Port | Should -Be 80
        $routes[0].Backend | Should -Match '^(\d+\.\d+\.\d+\.\d+|[0-9a-f:]*:[0-9a-f:]*)$'
        $routes[0].Created | Should -BeOfType [DateTime]
        $routes[0].Created.Kind | Should -Be 'Utc'
        $warns | Should -BeNullOrEmpty
        ($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Contain "Skipped Service $ns/db: it does not opt in: give it nginxkit.io/path, or nginxkit.io/expose: `"true`"."
    }

    It 'removes its label again' {
        $nodes.Count | Should -BeGreaterThan 0
        @(Set-EntryNodeLabel -Name $nodes -Label @{ $key = '' } -Remove -KubeConfig $anyKc).Changed | Should -Be (@($true) * $nodes.Count)
        @(Get-EntryNode -All -KubeConfig $anyKc | Where-Object { $_.Labels.ContainsKey($key) }).Count | Should -Be 0
    }
}
