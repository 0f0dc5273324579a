<#
    The fidelity check of tests/Fixtures/FakeKubeApi: the REAL kubectl drives the fake and must see a
    Kubernetes API (discovery, tables, labels, server-side apply, dry run, watch, Status errors, auth).
    Then the wire protocol directly (watch resume and 410, JSON/merge patches, no-ops, dry run), and
    Get-KubeTestTarget. Every case runs against the fake: these tests are about the fake itself.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when kubectl is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $kubectl = Find-RealTool -Name kubectl
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi -WithoutNginxKit

    function New-Node([string] $Name, [hashtable] $Labels = @{}) {
        @{
            apiVersion = 'v1'; kind = 'Node'
            metadata   = @{ name = $Name; labels = $Labels }
            status     = @{
                conditions = @(@{ type = 'Ready'; status = 'True' })
                nodeInfo   = @{ kubeletVersion = 'v1.32.0' }
                addresses  = @(@{ type = 'InternalIP'; address = '10.0.0.1' })
            }
        }
    }

    function New-Service([string] $Name, [string] $Namespace, [int] $Port = 80) {
        @{
            apiVersion = 'v1'; kind = 'Service'
            metadata   = @{ name = $Name; namespace = $Namespace; labels = @{ app = $Name } }
            spec       = @{ selector = @{ app = $Name }; ports = @(@{ name = 'http'; port = $Port; targetPort = 8080 }) }
        }
    }

    # One API call with the status code and body, whatever the code (Invoke-RestMethod throws on 4xx).
    function Invoke-Api {
        param(
            [Parameter(Mandatory)] [object] $Server,
            [Parameter(Mandatory)] [string] $Method,
            [Parameter(Mandatory)] [string] $Path,
            [object] $Body,
            [string] $ContentType = 'application/json',
            [hashtable] $Headers = @{}
        )
        $params = @{ Uri = "$($Server.Url)$Path"; Method = $Method; Headers = $Headers; SkipHttpErrorCheck = $true }
        if ($null -ne $Body) {
            $params.Body = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 32 -Compress }
            $params.ContentType = $ContentType
        }
        $response = Invoke-WebRequest @params
        [pscustomobject]@{
            Code = [int]$response.StatusCode
            Body = if ($response.Content) { $response.Content | ConvertFrom-Json -Depth 64 -DateKind String } else { $null }
            Raw  = $response.Content
        }
    }

    # The events of a watch that the server ends after timeoutSeconds, parsed.
    function Get-WatchEvents([object] $Server, [string] $Path, [int] $TimeoutSeconds = 1) {
        $sep = if ($Path.Contains('?')) { '&' } else { '?' }
        $content = (Invoke-WebRequest "$($Server.Url)$Path${sep}timeoutSeconds=$TimeoutSeconds").Content
        @($content -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -Depth 64 -DateKind String })
    }

    # kubectl get nodes -w for 20 s, with $Change made once its watch is open; kubectl's result.
    function Watch-Nodes([object] $Server, [object] $Target, [scriptblock] $Change) {
        $job = Start-ThreadJob -ScriptBlock {
            Import-Module (Join-Path $using:PSScriptRoot 'FakeKubeApi.psm1')
            Invoke-Kubectl $using:Target @('get', 'nodes', '-w') -TimeoutSec 20 -Kubectl $using:kubectl
        }
        try {
            $null = Wait-Until -TimeoutSec 20 -Because 'kubectl to open its watch' -Condition {
                Get-FakeKubeRequest -Server $Server -Path /api/v1/nodes | Where-Object { $_.watch -and $_.status -eq 200 }
            }
            & $Change
            $job | Receive-Job -Wait -AutoRemoveJob
        } finally {
            $job | Remove-Job -Force -ErrorAction Ignore
        }
    }

    function Get-NodeJson([object] $Server, [string] $Name) {
        (Invoke-Api -Server $Server -Method GET -Path "/api/v1/nodes/$Name").Body
    }
}

Describe 'FakeKubeApi speaks Kubernetes to the real kubectl' -Tag 'Kubernetes', 'Fidelity' -Skip:(-not $kubectl) {
    BeforeAll {
        $kubectl = Find-RealTool -Name kubectl
        $fake = Start-FakeKubeApi
        function Kubectl([string[]] $Arguments, [int] $TimeoutSec = 60) {
            Invoke-Kubectl $fake $Arguments -TimeoutSec $TimeoutSec -Kubectl $kubectl
        }
    }
    AfterAll { Stop-FakeKubeApi $fake }

    BeforeEach {
        Reset-FakeKubeApi -Server $fake
        $null = Add-FakeKubeObject -Server $fake -Object (New-Node n1 @{ zone = 'a' }), (New-Node n2 @{ zone = 'b'; 'node-role.kubernetes.io/entry' = '' })
    }

    It 'lists the seeded nodes with their labels (get nodes --show-labels)' {
        $r = Kubectl @('get', 'nodes', '--show-labels')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $lines = $r.Output -split "`n"
        $lines[0] | Should -Match '^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+LABELS$'
        $lines | Where-Object { $_ -match '^n1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\s+zone=a$' } | Should -HaveCount 1
        $lines | Where-Object { $_ -match '^n2\s+Ready\s+entry\s+\S+\s+v1\.32\.0\s+node-role\.kubernetes\.io/entry=,zone=b$' } | Should -HaveCount 1
        # kubectl asked for a server-side Table, and got one.
        $list = @(Get-FakeKubeRequest -Server $fake -Method GET -Path /api/v1/nodes)
        $list[-1].accept | Should -Match 'as=Table'
        $list[-1].status | Should -Be 200
    }

    It 'labels a node with a merge PATCH that the node then shows (label node n1 role=entry)' {
        Clear-FakeKubeRequest -Server $fake
        $r = Kubectl @('label', 'node', 'n1', 'role=entry')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match 'node/n1 labeled'

        $node = (Kubectl @('get', 'node', 'n1', '-o', 'json')).Output | ConvertFrom-Json
        $node.metadata.labels.role | Should -Be 'entry'
        $node.metadata.labels.zone | Should -Be 'a'

        $patch = @(Get-FakeKubeRequest -Server $fake -Method PATCH -Path /api/v1/nodes/n1)
        $patch | Should -HaveCount 1
        $patch[0].contentType | Should -Be 'application/merge-patch+json'
        $patch[0].fieldManager | Should -Be 'kubectl-label'
        $patch[0].dryRun | Should -BeFalse
        $patch[0].status | Should -Be 200
    }

    It 'refuses a node port outside --service-node-port-range as the apiserver does (create service nodeport)' {
        $r = Kubectl @('create', 'service', 'nodeport', 'entry', '--tcp=80:80', '--node-port=28888')
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'Service "entry" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 28888: provided port is not in the valid range\. The range of valid ports is 30000-32767'
        $r = Kubectl @('create', 'service', 'nodeport', 'entry', '--tcp=80:80', '--node-port=30080')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        ((Kubectl @('get', 'service', 'entry', '-o', 'json')).Output | ConvertFrom-Json).spec.ports[0].nodePort | Should -Be 30080
    }

    It 'refuses to change an allocated clusterIP as the apiserver does (patch svc), and takes other changes' {
        $r = Kubectl @('create', 'service', 'clusterip', 'web', '--tcp=80:8080')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $ip = ((Kubectl @('get', 'service', 'web', '-o', 'json')).Output | ConvertFrom-Json).spec.clusterIP
        $ip | Should -Match '^\d+\.\d+\.\d+\.\d+$'
        $r = Kubectl @('patch', 'service', 'web', '--type=merge', '-p', '{"spec":{"clusterIP":"10.96.200.200"}}')
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'The Service "web" is invalid: spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.200\.200"\}: may not change once set'
        $r = Kubectl @('patch', 'service', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"nginxkit.io/path":"/web"}}}')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $svc = (Kubectl @('get', 'service', 'web', '-o', 'json')).Output | ConvertFrom-Json
        $svc.spec.clusterIP | Should -Be $ip
        $svc.spec.clusterIPs | Should -Be @($ip)
        $svc.metadata.annotations.'nginxkit.io/path' | Should -Be '/web'
    }

    It 'refuses to change a Deployment''s selector as apps/v1 does (apply)' {
        $dir = New-TestDirectory
        try {
            function Deployment([string] $App) {
                "apiVersion: apps/v1`nkind: Deployment`nmetadata: { name: web, namespace: default }`nspec:`n  selector: { matchLabels: { app: $App } }`n  template:`n    metadata: { labels: { app: $App } }`n    spec: { containers: [ { name: web, image: nginx } ] }`n"
            }
            Set-Content "$dir/a.yaml" (Deployment web)
            $r = Kubectl @('apply', '--server-side', '-f', "$dir/a.yaml")
            $r.ExitCode | Should -Be 0 -Because $r.Error
            Set-Content "$dir/b.yaml" (Deployment other)
            $r = Kubectl @('apply', '--server-side', '-f', "$dir/b.yaml")
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"other"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable'
            ((Kubectl @('get', 'deployment', 'web', '-o', 'json')).Output | ConvertFrom-Json).spec.selector.matchLabels.app | Should -Be 'web'
        }
        finally { Remove-Item $dir -Recurse -Force }
    }

    It 'answers a watch from a resourceVersion it has not reached with 504 Too large resource version' {
        $list = (Kubectl @('get', '--raw', '/api/v1/nodes')).Output | ConvertFrom-Json
        $ahead = [long]$list.metadata.resourceVersion + 1000
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $r = Kubectl @('get', '--raw', "/api/v1/nodes?watch=1&resourceVersion=$ahead") -TimeoutSec 30
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match "Error from server \(Timeout\): Timeout: Too large resource version: $ahead, current: $($list.metadata.resourceVersion)"
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 2.5 -Because 'the apiserver waits for the resourceVersion before giving up'
    }

    It 'removes a label (label node n1 role-)' {
        (Kubectl @('label', 'node', 'n1', 'role=entry')).ExitCode | Should -Be 0
        $r = Kubectl @('label', 'node', 'n1', 'role-')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match 'node/n1 unlabeled'
        $labels = (Get-NodeJson $fake n1).metadata.labels
        $labels.PSObject.Properties.Name | Should -Not -Contain 'role'
        $labels.zone | Should -Be 'a'
    }

    It 'changes nothing on a server-side dry run (label node n1 n2 role=entry --dry-run=server)' {
        $before = @((Get-NodeJson $fake n1).metadata.resourceVersion, (Get-NodeJson $fake n2).metadata.resourceVersion)
        Clear-FakeKubeRequest -Server $fake
        $r = Kubectl @('label', 'node', 'n1', 'n2', 'role=entry', '--dry-run=server')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match 'node/n1 labeled \(server dry run\)'
        $r.Output | Should -Match 'node/n2 labeled \(server dry run\)'

        foreach ($name in 'n1', 'n2') { (Get-NodeJson $fake $name).metadata.labels.PSObject.Properties.Name | Should -Not -Contain 'role' }
        @((Get-NodeJson $fake n1).metadata.resourceVersion, (Get-NodeJson $fake n2).metadata.resourceVersion) | Should -Be $before
        $patches = @(Get-FakeKubeRequest -Server $fake -Method PATCH)
        $patches | Should -HaveCount 2
        $patches.dryRun | Should -Be @($true, $true)
        $patches.query | ForEach-Object { $_ | Should -Match 'dryRun=All' }
    }

    It 'returns every service across namespaces (get svc -A -o yaml)' {
        $null = Add-FakeKubeObject -Server $fake -Object (New-Service web ns1), (New-Service api ns2 8443), (New-Service db ns2)
        $r = Kubectl @('get', 'svc', '-A', '-o', 'yaml')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match '(?m)^kind: List$'
        [regex]::Matches($r.Output, '(?m)^  kind: Service$') | Should -HaveCount 3
        $names = [regex]::Matches($r.Output, '(?m)^    name: (\S+)\r?$') | ForEach-Object { $_.Groups[1].Value }
        $names | Should -Be @('web', 'api', 'db') -Because 'the apiserver lists in namespace/name key order (ns1/web, ns2/api, ns2/db)'
        $r.Output | Should -Match '(?m)^    namespace: ns1\r?$'
        $r.Output | Should -Match '(?m)^    clusterIP: 10\.96\.\d+\.\d+\r?$' -Because 'the fake allocates cluster IPs like the apiserver'
        @(Get-FakeKubeRequest -Server $fake -Method GET -Path /api/v1/services)[-1].status | Should -Be 200
    }

    Context 'server-side apply of a NginxKit-like manifest' {
        BeforeAll {
            $manifest = Join-Path $TestDrive 'nginxkit.yaml'
            @'
apiVersion: v1
kind: Namespace
metadata:
  name: nginxkit
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: nginxkit
  namespace: nginxkit
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: nginxkit-reader
rules:
- apiGroups: [""]
  resources: ["services", "nodes"]
  verbs: ["get", "list", "watch", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nginxkit-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: nginxkit-reader
subjects:
- kind: ServiceAccount
  name: nginxkit
  namespace: nginxkit
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: entry
  namespace: nginxkit
  labels: {app: entry}
spec:
  replicas: 2
  selector:
    matchLabels: {app: entry}
  template:
    metadata:
      labels: {app: entry}
    spec:
      serviceAccountName: nginxkit
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: entry
  namespace: nginxkit
spec:
  selector: {app: entry}
  ports:
  - name: http
    port: 80
    targetPort: 80
'@ | Set-Content -LiteralPath $manifest
            $objects = @('namespace/nginxkit', 'serviceaccount/nginxkit', 'clusterrole/nginxkit-reader',
                'clusterrolebinding/nginxkit-reader', 'deployment/entry', 'service/entry')
            function Get-ResourceVersions {
                foreach ($o in $objects) {
                    $r = Kubectl @('get', $o, '-n', 'nginxkit', '-o', 'jsonpath={.metadata.resourceVersion}')
                    if ($r.ExitCode -ne 0) { throw "get $o failed: $($r.Error)" }
                    $r.Output
                }
            }
        }

        It 'creates all six objects, then a second apply is a no-op' {
            Clear-FakeKubeRequest -Server $fake
            $r = Kubectl @('apply', '--server-side', '-f', $manifest)
            $r.ExitCode | Should -Be 0 -Because $r.Error
            [regex]::Matches($r.Output, 'serverside-applied') | Should -HaveCount 6

            $applies = @(Get-FakeKubeRequest -Server $fake -Method PATCH)
            $applies | Should -HaveCount 6
            $applies.contentType | Sort-Object -Unique | Should -Be 'application/apply-patch+yaml'
            $applies.fieldManager | Sort-Object -Unique | Should -Be 'kubectl'
            $applies.status | Sort-Object -Unique | Should -Be 201 -Because 'an apply that creates answers 201 Created'

            $deploy = (Kubectl @('get', 'deployment', 'entry', '-n', 'nginxkit', '-o', 'json', '--show-managed-fields')).Output | ConvertFrom-Json
            $deploy.spec.replicas | Should -Be 2
            $deploy.metadata.generation | Should -Be 1
            $deploy.spec.template.spec.containers[0].imagePullPolicy | Should -Be 'IfNotPresent' -Because 'defaults are applied'
            $deploy.metadata.managedFields[0].manager | Should -Be 'kubectl'
            $deploy.metadata.managedFields[0].operation | Should -Be 'Apply'
            (Kubectl @('get', 'namespace', 'nginxkit', '-o', 'jsonpath={.status.phase}')).Output | Should -Be 'Active'

            $before = Get-ResourceVersions
            $again = Kubectl @('apply', '--server-side', '-f', $manifest)
            $again.ExitCode | Should -Be 0 -Because $again.Error
            [regex]::Matches($again.Output, 'serverside-applied') | Should -HaveCount 6
            Get-ResourceVersions | Should -Be $before -Because 'an apply that changes nothing keeps every resourceVersion'
        }

        It 'changes nothing with --dry-run=server' {
            # As on a real cluster, a dry run cannot create the namespace its other objects go into.
            $ns = Add-FakeKubeObject -Server $fake -Object @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = 'nginxkit' } }
            Clear-FakeKubeRequest -Server $fake
            $r = Kubectl @('apply', '--server-side', '--dry-run=server', '-f', $manifest)
            $r.ExitCode | Should -Be 0 -Because $r.Error
            [regex]::Matches($r.Output, 'serverside-applied \(server dry run\)') | Should -HaveCount 6
            (Kubectl @('get', 'namespace', 'nginxkit', '-o', 'jsonpath={.metadata.resourceVersion}')).Output | Should -Be $ns.metadata.resourceVersion
            foreach ($o in $objects | Select-Object -Skip 1) {
                (Kubectl @('get', $o, '-n', 'nginxkit')).Error | Should -Match 'NotFound'
            }
            $patches = @(Get-FakeKubeRequest -Server $fake -Method PATCH)
            $patches | Should -HaveCount 6
            $patches.dryRun | Sort-Object -Unique | Should -Be $true
        }

        It 'fails a dry run of objects whose namespace does not exist yet, as a real apiserver does' {
            $r = Kubectl @('apply', '--server-side', '--dry-run=server', '-f', $manifest)
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -Match 'namespace/nginxkit serverside-applied \(server dry run\)'
            $r.Error | Should -Match 'namespaces "nginxkit" not found'
        }

        It 'changes an applied field and keeps the others (re-apply with an edit bumps resourceVersion and generation)' {
            (Kubectl @('apply', '--server-side', '-f', $manifest)).ExitCode | Should -Be 0
            $rv = (Kubectl @('get', 'deployment', 'entry', '-n', 'nginxkit', '-o', 'jsonpath={.metadata.resourceVersion}')).Output
            (Get-Content -LiteralPath $manifest -Raw).Replace('replicas: 2', 'replicas: 3') | Set-Content -LiteralPath (Join-Path $TestDrive 'edited.yaml')
            (Kubectl @('apply', '--server-side', '-f', (Join-Path $TestDrive 'edited.yaml'))).ExitCode | Should -Be 0
            $deploy = (Kubectl @('get', 'deployment', 'entry', '-n', 'nginxkit', '-o', 'json')).Output | ConvertFrom-Json
            $deploy.spec.replicas | Should -Be 3
            $deploy.metadata.generation | Should -Be 2
            [long]$deploy.metadata.resourceVersion | Should -BeGreaterThan ([long]$rv)
        }
    }

    Context 'pods, their logs and events, as Deploy-NginxKit -Wait reads them' {
        BeforeEach {
            $null = Add-FakeKubeObject -Server $fake -Object @(
                @{
                    apiVersion = 'v1'; kind = 'Pod'
                    metadata   = @{ name = 'entry-1'; namespace = 'edge'; labels = @{ app = 'entry' } }
                    spec       = @{ initContainers = @(@{ name = 'render'; image = 'nginxkit:0.1.0' }); containers = @(@{ name = 'nginx'; image = 'nginxkit:0.1.0' }, @{ name = 'sync'; image = 'nginxkit:0.1.0' }) }
                    status     = @{
                        phase                 = 'Pending'
                        conditions            = @(@{ type = 'PodScheduled'; status = 'True' })
                        initContainerStatuses = @(@{ name = 'render'; image = 'nginxkit:0.1.0'; ready = $false; restartCount = 4; state = @{ waiting = @{ reason = 'CrashLoopBackOff'; message = 'back-off 1m20s' } } })
                        containerStatuses     = @(
                            @{ name = 'nginx'; image = 'nginxkit:0.1.0'; ready = $false; restartCount = 0; state = @{ waiting = @{ reason = 'PodInitializing' } } }
                            @{ name = 'sync'; image = 'nginxkit:0.1.0'; ready = $false; restartCount = 0; state = @{ waiting = @{ reason = 'PodInitializing' } } })
                    }
                }
                @{
                    apiVersion = 'v1'; kind = 'Pod'
                    metadata   = @{ name = 'entry-2'; namespace = 'edge'; labels = @{ app = 'entry' } }
                    spec       = @{ containers = @(@{ name = 'nginx'; image = 'nginxkit:0.1.0' }) }
                    status     = @{ phase = 'Running'; containerStatuses = @(@{ name = 'nginx'; ready = $true; restartCount = 2; state = @{ running = @{} } }) }
                }
                @{
                    apiVersion = 'v1'; kind = 'Event'
                    metadata   = @{ name = 'entry-1.17a'; namespace = 'edge' }
                    involvedObject = @{ kind = 'Pod'; name = 'entry-1'; namespace = 'edge' }
                    type = 'Warning'; reason = 'BackOff'; message = 'Back-off restarting failed container render'
                }
                @{
                    apiVersion = 'v1'; kind = 'Event'
                    metadata   = @{ name = 'entry-2.17b'; namespace = 'edge' }
                    involvedObject = @{ kind = 'Pod'; name = 'entry-2'; namespace = 'edge' }
                    type = 'Normal'; reason = 'Started'; message = 'Started container nginx'
                })
            Set-FakeKubePodLog -Server $fake -Namespace edge -Pod entry-1 -Container render -Previous -Text "one`ntwo`nthree`n"
            Set-FakeKubePodLog -Server $fake -Namespace edge -Pod entry-1 -Container render -Text "now`n"
        }

        It 'prints READY, STATUS and RESTARTS as the apiserver''s printer does (get pods)' {
            $r = Kubectl @('get', 'pods', '-n', 'edge')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $rows = @($r.Output -split "`n" | Where-Object { $_ } | ForEach-Object { , ($_ -split '\s{2,}') })
            $rows[0][0..3] | Should -Be @('NAME', 'READY', 'STATUS', 'RESTARTS')
            $rows[1][0..3] | Should -Be @('entry-1', '0/2', 'Init:CrashLoopBackOff', '0')
            $rows[2][0..3] | Should -Be @('entry-2', '1/1', 'Running', '2')
        }

        It 'selects pods by label and returns their status (get pods -l -o json)' {
            $r = Kubectl @('get', 'pods', '-n', 'edge', '-l', 'app=entry', '-o', 'json')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $items = ($r.Output | ConvertFrom-Json -Depth 32).items
            @($items.metadata.name) | Should -Be @('entry-1', 'entry-2')
            $items[0].status.initContainerStatuses[0].state.waiting.reason | Should -Be 'CrashLoopBackOff'
        }

        It 'serves a container''s log, the previous instance''s too, and the tail (logs -c --previous --tail)' {
            (Kubectl @('logs', '-n', 'edge', 'entry-1', '-c', 'render', '--previous')).Output | Should -BeExactly "one`ntwo`nthree`n"
            (Kubectl @('logs', '-n', 'edge', 'entry-1', '-c', 'render', '--previous', '--tail', '2')).Output | Should -BeExactly "two`nthree`n"
            (Kubectl @('logs', '-n', 'edge', 'entry-1', '-c', 'render')).Output | Should -BeExactly "now`n"
        }

        It 'refuses a container the pod does not have, and a previous instance that never ran' {
            $r = Kubectl @('logs', '-n', 'edge', 'entry-1', '-c', 'proxy')
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'container proxy is not valid for pod entry-1'
            $r = Kubectl @('logs', '-n', 'edge', 'entry-2', '-c', 'nginx', '--previous')
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'previous terminated container "nginx" in pod "entry-2" not found'
        }

        It 'lists a pod''s events by field selector (get events --field-selector involvedObject.name=)' {
            $r = Kubectl @('get', 'events', '-n', 'edge', '--field-selector', 'involvedObject.name=entry-1', '-o', 'json')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $items = ($r.Output | ConvertFrom-Json -Depth 32).items
            @($items.reason) | Should -Be @('BackOff')
            $table = Kubectl @('get', 'events', '-n', 'edge', '--field-selector', 'type=Warning')
            $table.Output | Should -Match 'Warning\s+BackOff\s+pod/entry-1\s+Back-off restarting failed container render'
            $table.Output | Should -Not -Match 'entry-2'
        }

        It 'stores nothing on a server-side dry run, for every kind it serves' {
            $kinds = @(
                @{ apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'dry'; namespace = 'edge' }; spec = @{ containers = @(@{ name = 'c'; image = 'i' }) } }
                @{ apiVersion = 'v1'; kind = 'Event'; metadata = @{ name = 'dry'; namespace = 'edge' }; involvedObject = @{ kind = 'Pod'; name = 'dry' }; reason = 'R' }
                @{ apiVersion = 'v1'; kind = 'ConfigMap'; metadata = @{ name = 'dry'; namespace = 'edge' }; data = @{ a = 'b' } }
                @{ apiVersion = 'v1'; kind = 'ServiceAccount'; metadata = @{ name = 'dry'; namespace = 'edge' } }
                @{ apiVersion = 'v1'; kind = 'Service'; metadata = @{ name = 'dry'; namespace = 'edge' }; spec = @{ ports = @(@{ port = 80 }) } }
                @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = 'dry' } }
                @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'dry' } }
                @{ apiVersion = 'apps/v1'; kind = 'Deployment'; metadata = @{ name = 'dry'; namespace = 'edge' }
                    spec = @{ selector = @{ matchLabels = @{ a = 'b' } }; template = @{ metadata = @{ labels = @{ a = 'b' } }; spec = @{ containers = @(@{ name = 'c'; image = 'i' }) } } } }
                @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'Role'; metadata = @{ name = 'dry'; namespace = 'edge' }; rules = @() }
                @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'RoleBinding'; metadata = @{ name = 'dry'; namespace = 'edge' }; roleRef = @{ apiGroup = 'rbac.authorization.k8s.io'; kind = 'Role'; name = 'dry' } }
                @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRole'; metadata = @{ name = 'dry' }; rules = @() }
                @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRoleBinding'; metadata = @{ name = 'dry' }; roleRef = @{ apiGroup = 'rbac.authorization.k8s.io'; kind = 'ClusterRole'; name = 'dry' } })
            # One document per object: JSON is YAML.
            $file = Join-Path $TestDrive 'dry.yaml'
            "---`n" + (($kinds | ForEach-Object { ConvertTo-Json -InputObject $_ -Depth 16 -Compress }) -join "`n---`n") | Set-Content -LiteralPath $file
            $r = Kubectl @('apply', '--server-side', '--dry-run=server', '-f', $file)
            $r.ExitCode | Should -Be 0 -Because $r.Error
            [regex]::Matches($r.Output, 'serverside-applied \(server dry run\)') | Should -HaveCount $kinds.Count
            foreach ($k in $kinds) {
                $args = @('get', $k.kind.ToLowerInvariant(), 'dry') + $(if ($k.metadata.namespace) { @('-n', $k.metadata.namespace) } else { @() })
                (Kubectl $args).Error | Should -Match 'NotFound' -Because "$($k.kind) must not be stored"
            }
            # And a dry-run delete of a pod leaves it.
            $r = Kubectl @('delete', 'pod', 'entry-2', '-n', 'edge', '--dry-run=server')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $r.Output | Should -Match 'pod "entry-2" deleted \(server dry run\)'
            (Kubectl @('get', 'pod', 'entry-2', '-n', 'edge')).ExitCode | Should -Be 0
        }
    }

    It 'sees a MODIFIED event after a label change (get nodes -w)' {
        $r = Watch-Nodes -Server $fake -Target $fake -Change { (Kubectl @('label', 'node', 'n1', 'role=entry')).ExitCode | Should -Be 0 }
        $r.TimedOut | Should -BeTrue -Because 'get -w runs until stopped'
        $rows = @($r.Output -split "`n" | Where-Object { $_ -match '^n1\s' })
        $rows.Count | Should -Be 2 -Because "the initial list shows n1 once and the MODIFIED event once more:`n$($r.Output)`n$($r.Error)"
        $watch = Get-FakeKubeRequest -Server $fake -Path /api/v1/nodes | Where-Object watch | Select-Object -First 1
        $watch.query | Should -Match 'resourceVersion=\d+'
    }

    It 'shows each patch of a burst sent in one control request as its own change (get nodes -w)' {
        $r = Watch-Nodes -Server $fake -Target $fake -Change {
            $null = Invoke-FakeKubePatch -Server $fake -Patch @(foreach ($i in 1..3) { @{ path = '/api/v1/nodes/n1'; patch = @{ metadata = @{ labels = @{ step = "s$i" } } } } })
        }
        $rows = @($r.Output -split "`n" | Where-Object { $_ -match '^n1\s' })
        $rows.Count | Should -Be 4 -Because "the initial list shows n1 once and each of the three MODIFIED events once more:`n$($r.Output)`n$($r.Error)"
    }

    It 'exits non-zero with NotFound for a missing node (get node missing)' {
        $r = Kubectl @('get', 'node', 'missing')
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'Error from server \(NotFound\): nodes "missing" not found'
    }

    It 'fails with Forbidden when a 403 fault is injected (label node)' {
        Add-FakeKubeFault -Server $fake -Method PATCH -Path /api/v1/nodes/n2 -Code 403
        $r = Kubectl @('label', 'node', 'n2', 'role=entry')
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'Error from server \(Forbidden\): nodes "n2" is forbidden: User "system:anonymous" cannot patch resource "nodes"'
        (Get-NodeJson $fake n2).metadata.labels.PSObject.Properties.Name | Should -Not -Contain 'role'
        Clear-FakeKubeFault -Server $fake
        (Kubectl @('label', 'node', 'n2', 'role=entry')).ExitCode | Should -Be 0
    }

    It 'creates objects from kubectl generators, which send protobuf (create namespace / deployment / service)' {
        (Kubectl @('create', 'namespace', 'team-a')).ExitCode | Should -Be 0
        $r = Kubectl @('create', 'deployment', 'api', '-n', 'team-a', '--image=nginx:1.27', '--replicas=0', '--port=8080')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        (Kubectl @('create', 'service', 'clusterip', 'api', '-n', 'team-a', '--tcp=80:8080')).ExitCode | Should -Be 0
        (Get-FakeKubeRequest -Server $fake -Method POST).contentType | Sort-Object -Unique | Should -Be 'application/vnd.kubernetes.protobuf'

        $deploy = (Kubectl @('get', 'deployment', 'api', '-n', 'team-a', '-o', 'json')).Output | ConvertFrom-Json
        $deploy.spec.replicas | Should -Be 0 -Because 'a pointer field set to zero survives decoding'
        $deploy.spec.template.spec.containers[0].ports[0].containerPort | Should -Be 8080
        $svc = (Kubectl @('get', 'service', 'api', '-n', 'team-a', '-o', 'json')).Output | ConvertFrom-Json
        $svc.spec.ports[0].targetPort | Should -Be 8080
        $svc.spec.selector.app | Should -Be 'api'
    }

    Context 'with a token' {
        BeforeAll {
            $secured = Start-FakeKubeApi -Token 'nginxkit-test-token'
            $noToken = Join-Path $TestDrive 'no-token.kubeconfig'
            (Get-Content -LiteralPath $secured.KubeConfig -Raw) -replace '(?s)users:.*$', "users:`n- name: fake`n  user: {}`n" |
                Set-Content -LiteralPath $noToken
        }
        AfterAll { Stop-FakeKubeApi $secured }

        It 'answers Unauthorized to a kubeconfig without the token' {
            $target = [pscustomobject]@{ KubeConfig = $noToken; CacheDir = $secured.CacheDir }
            $r = Invoke-Kubectl $target @('get', 'nodes') -Kubectl $kubectl
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'You must be logged in to the server'
            @(Get-FakeKubeRequest -Server $secured).Count | Should -BeGreaterThan 0
            Get-FakeKubeRequest -Server $secured | ForEach-Object { $_.status | Should -Be 401 }
        }

        It 'answers Unauthorized to kubectl even with the token, since kubectl never sends one over plain HTTP' {
            $r = Invoke-Kubectl $secured @('get', 'nodes') -Kubectl $kubectl
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'You must be logged in to the server'
        }

        It 'serves a client that sends the bearer token' {
            (Invoke-Api -Server $secured -Method GET -Path /api/v1/nodes -Headers @{ Authorization = 'Bearer nginxkit-test-token' }).Code | Should -Be 200
            $denied = Invoke-Api -Server $secured -Method GET -Path /api/v1/nodes -Headers @{ Authorization = 'Bearer wrong' }
            $denied.Code | Should -Be 401
            $denied.Body.kind | Should -Be 'Status'
            $denied.Body.reason | Should -Be 'Unauthorized'
        }
    }

    Context 'over TLS, with client certificates' {
        BeforeAll {
            $tls = Start-FakeKubeApi -Tls -Token 'nginxkit-tls-token'
            $null = Add-FakeKubeObject -Server $tls -Object (New-Node n1 @{ zone = 'a' })
            # Another cluster: its CA and its client certificates are strangers to the first.
            $stranger = Start-FakeKubeApi -Tls
            function Invoke-TlsKubectl([string] $Name, [hashtable] $Config, [string[]] $Arguments) {
                $path = New-FakeKubeConfig -Path (Join-Path $TestDrive "$Name.kubeconfig") -Url $tls.Url @Config
                Invoke-Kubectl ([pscustomobject]@{ KubeConfig = $path; CacheDir = Join-Path $TestDrive "cache-$Name" }) $Arguments -Kubectl $kubectl
            }
        }
        AfterAll {
            Stop-FakeKubeApi $tls
            Stop-FakeKubeApi $stranger
        }
        BeforeEach { Clear-FakeKubeRequest -Server $tls }

        It 'serves kubectl over HTTP/2 as the certificate''s user: <Key> key, <Form>' -TestCases @(
            @{ Key = 'Rsa'; Form = 'embedded data' }
            @{ Key = 'Ec'; Form = 'embedded data' }
            @{ Key = 'Rsa'; Form = 'relative file paths' }
            @{ Key = 'Ec'; Form = 'relative file paths' }
        ) {
            $r = Invoke-TlsKubectl "$Key-$($Form -replace ' ', '-')" @{ Pki = $tls.Pki; ClientKey = $Key; CertificatePaths = $Form -like '*paths' } @('get', 'nodes', '-o', 'name')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $r.Output.Trim() | Should -Be 'node/n1'
            $requests = @(Get-FakeKubeRequest -Server $tls)
            $requests.Count | Should -BeGreaterThan 0
            $requests | ForEach-Object {
                $_.user | Should -Be 'kubernetes-admin'
                $_.protocol | Should -Be 'HTTP/2'
                $_.status | Should -Be 200
            }
        }

        It 'watches over HTTP/2 and sees a label change (get nodes -w)' {
            $config = New-FakeKubeConfig -Path (Join-Path $TestDrive 'watch.kubeconfig') -Url $tls.Url -Pki $tls.Pki
            $watcher = [pscustomobject]@{ KubeConfig = $config; CacheDir = Join-Path $TestDrive 'cache-watch' }
            $r = Watch-Nodes -Server $tls -Target $watcher -Change {
                (Invoke-Kubectl $watcher @('label', 'node', 'n1', 'tls=yes', '--overwrite') -Kubectl $kubectl).ExitCode | Should -Be 0
            }
            $r.TimedOut | Should -BeTrue -Because 'get -w runs until stopped'
            @($r.Output -split "`n" | Where-Object { $_ -match '^n1\s' }).Count | Should -Be 2 -Because "the list shows n1 and the MODIFIED event once more:`n$($r.Output)`n$($r.Error)"
            (Get-FakeKubeRequest -Server $tls -Path /api/v1/nodes | Where-Object watch | Select-Object -First 1).protocol | Should -Be 'HTTP/2'
        }

        It 'serves kubectl with the bearer token instead of a certificate, which it sends over TLS' {
            $r = Invoke-TlsKubectl token @{ Pki = $tls.Pki; Token = 'nginxkit-tls-token'; NoClientCertificate = $true } @('get', 'nodes', '-o', 'name')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            (Get-FakeKubeRequest -Server $tls).user | Sort-Object -Unique | Should -Be 'token'
        }

        It 'answers 401 Unauthorized to a client with neither' {
            $r = Invoke-TlsKubectl anonymous @{ Pki = $tls.Pki; NoClientCertificate = $true } @('get', 'nodes')
            $r.ExitCode | Should -Not -Be 0
            @(Get-FakeKubeRequest -Server $tls).Count | Should -BeGreaterThan 0
            Get-FakeKubeRequest -Server $tls | ForEach-Object { $_.status | Should -Be 401 }
        }

        It 'answers 401 to a client certificate another CA issued, and still takes the token beside it' {
            # The apiserver requests a client certificate without requiring one it trusts (RequestClientCert):
            # an unknown CA's certificate identifies nobody, and the next authenticator, the token, may.
            $r = Invoke-TlsKubectl foreign-client @{ Pki = $tls.Pki; ClientPki = $stranger.Pki } @('get', 'nodes')
            $r.ExitCode | Should -Not -Be 0
            $served = @(Get-FakeKubeRequest -Server $tls)
            $served.Count | Should -BeGreaterThan 0
            $served | ForEach-Object { $_.status | Should -Be 401 }

            Clear-FakeKubeRequest -Server $tls
            $r = Invoke-TlsKubectl foreign-client-token @{ Pki = $tls.Pki; ClientPki = $stranger.Pki; Token = 'nginxkit-tls-token' } @('get', 'nodes', '-o', 'name')
            $r.ExitCode | Should -Be 0 -Because $r.Error
            (Get-FakeKubeRequest -Server $tls).user | Sort-Object -Unique | Should -Be 'token'
        }

        It 'is refused by kubectl when the kubeconfig trusts another CA' {
            $r = Invoke-TlsKubectl foreign-ca @{ Pki = $stranger.Pki; ClientPki = $tls.Pki } @('get', 'nodes')
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'x509: certificate signed by unknown authority'
            @(Get-FakeKubeRequest -Server $tls).Count | Should -Be 0
        }
    }
}

Describe 'FakeKubeApi authorizes ServiceAccount tokens by RBAC and keeps Events, as the real kubectl sees them' -Tag 'Kubernetes', 'Fidelity' -Skip:(-not $kubectl) {
    BeforeAll {
        $kubectl = Find-RealTool -Name kubectl
        # kubectl sends a bearer token only over TLS.
        $fake = Start-FakeKubeApi -Tls
        function Kubectl([string[]] $Arguments, [object] $Target = $fake) { Invoke-Kubectl $Target $Arguments -Kubectl $kubectl }
        function New-TokenTarget([string] $Name, [string] $Token) {
            $path = New-FakeKubeConfig -Path (Join-Path $TestDrive "$Name.kubeconfig") -Url $fake.Url -Token $Token -Pki $fake.Pki -NoClientCertificate
            [pscustomobject]@{ KubeConfig = $path; CacheDir = Join-Path $TestDrive "cache-$Name" }
        }
        foreach ($a in @(@('create', 'namespace', 'nginx-entry'), @('create', 'namespace', 'shop'),
                @('create', 'serviceaccount', 'nginx-entry', '-n', 'nginx-entry'),
                @('create', 'service', 'clusterip', 'web', '-n', 'shop', '--tcp=80:8080'),
                @('create', 'service', 'clusterip', 'db', '-n', 'default', '--tcp=5432:5432'))) {
            $r = Kubectl $a
            if ($r.ExitCode -ne 0) { throw "kubectl $($a -join ' '): $($r.Error)" }
        }
    }
    AfterAll { Stop-FakeKubeApi $fake }
    BeforeEach { Clear-FakeKubeRequest -Server $fake }

    It 'issues a token with kubectl create token, and a Role in one namespace lets it list there and nowhere else' {
        $created = Kubectl @('create', 'token', 'nginx-entry', '-n', 'nginx-entry', '--duration', '1h')
        $created.ExitCode | Should -Be 0 -Because $created.Error
        $token = $created.Output.Trim()
        $token | Should -Match '^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$' -Because 'the apiserver issues JWTs'
        $sa = New-TokenTarget sa $token

        $denied = Kubectl @('get', 'services', '-n', 'shop') $sa
        $denied.ExitCode | Should -Not -Be 0
        $denied.Error | Should -Match ([regex]::Escape('Error from server (Forbidden): services is forbidden: User "system:serviceaccount:nginx-entry:nginx-entry" cannot list resource "services" in API group "" in the namespace "shop"'))

        (Kubectl @('create', 'role', 'watch-services', '-n', 'shop', '--verb=list,watch', '--resource=services')).ExitCode | Should -Be 0
        (Kubectl @('create', 'rolebinding', 'watch-services', '-n', 'shop', '--role=watch-services', '--serviceaccount=nginx-entry:nginx-entry')).ExitCode | Should -Be 0
        Clear-FakeKubeRequest -Server $fake
        $allowed = Kubectl @('get', 'services', '-n', 'shop', '-o', 'name') $sa
        $allowed.ExitCode | Should -Be 0 -Because $allowed.Error
        $allowed.Output.Trim() | Should -Be 'service/web'
        $other = Kubectl @('get', 'services', '-n', 'default') $sa
        $other.Error | Should -Match 'cannot list resource "services" in API group "" in the namespace "default"'
        $all = Kubectl @('get', 'services', '-A') $sa
        $all.Error | Should -Match 'cannot list resource "services" in API group "" at the cluster scope'
        $get = Kubectl @('get', 'service', 'web', '-n', 'shop') $sa
        $get.Error | Should -Match ([regex]::Escape('services "web" is forbidden: User "system:serviceaccount:nginx-entry:nginx-entry" cannot get resource "services"'))

        $requests = @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery)
        $requests.user | Sort-Object -Unique | Should -Be 'system:serviceaccount:nginx-entry:nginx-entry'
        ($requests | Where-Object path -EQ '/api/v1/namespaces/shop/services').status | Should -Be 200
        ($requests | Where-Object path -NE '/api/v1/namespaces/shop/services').status | Sort-Object -Unique | Should -Be 403
    }

    It 'grants every namespace through a ClusterRoleBinding, and only the verbs its rules name' {
        $sa = New-TokenTarget cluster (Kubectl @('create', 'token', 'nginx-entry', '-n', 'nginx-entry')).Output.Trim()
        (Kubectl @('create', 'clusterrole', 'read-services', '--verb=list', '--resource=services')).ExitCode | Should -Be 0
        (Kubectl @('create', 'clusterrolebinding', 'read-services', '--clusterrole=read-services', '--serviceaccount=nginx-entry:nginx-entry')).ExitCode | Should -Be 0
        $all = Kubectl @('get', 'services', '-A', '-o', 'name') $sa
        $all.ExitCode | Should -Be 0 -Because $all.Error
        ($all.Output.Trim() -split "`n") | Should -Be @('service/db', 'service/web')
        # list only: a watch is another verb.
        $watch = Kubectl @('get', 'services', '-A', '-w', '--request-timeout=5s') $sa
        $watch.Error | Should -Match 'cannot watch resource "services" in API group "" at the cluster scope'
        # No rule for events: creating one is forbidden.
        $event = Join-Path $TestDrive 'event.yaml'
        Set-Content -LiteralPath $event -Value "apiVersion: v1`nkind: Event`nmetadata: {name: web.1, namespace: shop}`ninvolvedObject: {apiVersion: v1, kind: Service, name: web, namespace: shop}`nreason: PathConflict`nmessage: taken`ntype: Warning`n"
        $create = Kubectl @('create', '-f', $event) $sa
        $create.Error | Should -Match 'events is forbidden: User "system:serviceaccount:nginx-entry:nginx-entry" cannot create resource "events" in API group "" in the namespace "shop"'
        (Kubectl @('delete', 'clusterrolebinding', 'read-services')).ExitCode | Should -Be 0
        (Kubectl @('get', 'services', '-A') $sa).Error | Should -Match 'at the cluster scope'
    }

    It 'refuses a token once its ServiceAccount is gone, while the admin''s certificate still serves' {
        (Kubectl @('create', 'serviceaccount', 'short-lived', '-n', 'shop')).ExitCode | Should -Be 0
        $sa = New-TokenTarget short (Kubectl @('create', 'token', 'short-lived', '-n', 'shop')).Output.Trim()
        (Kubectl @('get', 'services', '-n', 'shop') $sa).Error | Should -Match 'Forbidden'
        (Kubectl @('delete', 'serviceaccount', 'short-lived', '-n', 'shop')).ExitCode | Should -Be 0
        (Kubectl @('get', 'services', '-n', 'shop') $sa).Error | Should -Match 'You must be logged in to the server'
        (Kubectl @('create', 'token', 'short-lived', '-n', 'shop')).Error | Should -Match 'serviceaccounts "short-lived" not found'
        (Kubectl @('get', 'services', '-A', '-o', 'name')).ExitCode | Should -Be 0
    }

    It 'keeps a core/v1 Event that kubectl get events and kubectl describe show, and checks its namespace' {
        $uid = ((Kubectl @('get', 'service', 'web', '-n', 'shop', '-o', 'json')).Output | ConvertFrom-Json).metadata.uid
        $now = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")
        $event = Join-Path $TestDrive 'conflict.yaml'
        Set-Content -LiteralPath $event -Value @"
apiVersion: v1
kind: Event
metadata: {name: web.17f2a, namespace: shop}
involvedObject: {apiVersion: v1, kind: Service, name: web, namespace: shop, uid: $uid}
reason: PathConflict
message: location /web/ is held by Service prod/web
type: Warning
source: {component: nginxkit, host: nginx-entry-1}
reportingComponent: nginxkit.io/sync
reportingInstance: nginx-entry-1
firstTimestamp: "$now"
lastTimestamp: "$now"
count: 1
"@
        $create = Kubectl @('create', '-f', $event)
        $create.ExitCode | Should -Be 0 -Because $create.Error
        $create.Output | Should -Match 'event/web.17f2a created'

        $table = Kubectl @('get', 'events', '-n', 'shop', '-o', 'wide')
        $table.ExitCode | Should -Be 0 -Because $table.Error
        $lines = $table.Output.Trim() -split "`n"
        $lines[0] | Should -Match '^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME$'
        $lines[1] | Should -Match '^\d+s\s+Warning\s+PathConflict\s+service/web\s+nginxkit, nginx-entry-1\s+location /web/ is held by Service prod/web\s+\d+s\s+1\s+web\.17f2a$'
        $selected = Kubectl @('get', 'events', '-A', '--field-selector', 'reason=PathConflict,involvedObject.kind=Service', '-o', 'name')
        $selected.Output.Trim() | Should -Be 'event/web.17f2a'
        (Kubectl @('get', 'events', '-A', '--field-selector', 'type=Normal', '-o', 'name')).Output.Trim() | Should -BeNullOrEmpty

        $described = Kubectl @('describe', 'service', 'web', '-n', 'shop')
        $described.ExitCode | Should -Be 0 -Because $described.Error
        $described.Output | Should -Match '(?m)^Events:\s*\n\s+Type\s+Reason\s+Age\s+From\s+Message\s*\n\s+----.*\n\s+Warning\s+PathConflict\s+\d+s\s+nginxkit\s+location /web/ is held by Service prod/web'
        (Get-FakeKubeRequest -Server $fake -Path /api/v1/namespaces/shop/events | Select-Object -Last 1).query |
            Should -Match ([regex]::Escape("involvedObject.uid%3D$uid"))

        (Get-Content -LiteralPath $event -Raw) -replace 'namespace: shop\}', 'namespace: default}' -replace 'name: web.17f2a', 'name: web.2' | Set-Content -LiteralPath $event
        $wrong = Kubectl @('create', '-f', $event)
        $wrong.ExitCode | Should -Not -Be 0
        $wrong.Error | Should -Match 'Event "web.2" is invalid: involvedObject.namespace: Invalid value: "shop": does not match event.namespace'
    }
}

Describe 'FakeKubeApi wire protocol' -Tag 'Kubernetes', 'Fidelity' {
    BeforeAll { $fake = Start-FakeKubeApi }
    AfterAll { Stop-FakeKubeApi $fake }
    BeforeEach {
        Reset-FakeKubeApi -Server $fake
        $null = Add-FakeKubeObject -Server $fake -Object (New-Node n1 @{ zone = 'a'; role = 'entry' }), (New-Node n2 @{ zone = 'b' })
    }

    It 'lists with the list kind, a resourceVersion, and items without kind or apiVersion' {
        $list = (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body
        $list.kind | Should -Be 'NodeList'
        $list.apiVersion | Should -Be 'v1'
        [long]$list.metadata.resourceVersion | Should -BeGreaterThan 0
        $list.items.metadata.name | Should -Be @('n1', 'n2')
        $list.items[0].PSObject.Properties.Name | Should -Not -Contain 'kind'
        $list.items[0].metadata.uid | Should -Match '^[0-9a-f-]{36}$'
        $list.items[0].metadata.creationTimestamp | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
    }

    It 'seeds each item of a List file, as kubectl get -o yaml prints one, with its namespace' {
        $file = Join-Path (Get-RepoRoot) 'examples/services.yaml'
        $stored = @(Add-FakeKubeObject -Server $fake -LiteralPath $file)
        $stored.kind | Select-Object -Unique | Should -Be 'Service'
        $stored.Count | Should -Be (Select-String -LiteralPath $file -Pattern '^  kind: Service$').Count
        $list = (Invoke-Api -Server $fake -Method GET -Path /api/v1/namespaces/storage/services).Body
        $list.items.metadata.name | Sort-Object | Should -Be @('postgres', 'volume')
        ($list.items | Where-Object { $_.metadata.name -eq 'volume' }).spec.clusterIP | Should -Be '10.96.12.40'
    }

    It 'filters a list with <Query>' -TestCases @(
        @{ Query = 'labelSelector=zone%3Da'; Names = @('n1') }
        @{ Query = 'labelSelector=zone%3D%3Db'; Names = @('n2') }
        @{ Query = 'labelSelector=zone!%3Da'; Names = @('n2') }
        @{ Query = 'labelSelector=role'; Names = @('n1') }
        @{ Query = 'labelSelector=!role'; Names = @('n2') }
        @{ Query = 'labelSelector=zone%20in%20(a,b)'; Names = @('n1', 'n2') }
        @{ Query = 'labelSelector=zone%20notin%20(a)'; Names = @('n2') }
        @{ Query = 'fieldSelector=metadata.name%3Dn2'; Names = @('n2') }
        @{ Query = 'fieldSelector=metadata.name!%3Dn2'; Names = @('n1') }
    ) {
        $list = (Invoke-Api -Server $fake -Method GET -Path "/api/v1/nodes?$Query").Body
        @($list.items.metadata.name) | Should -Be $Names
    }

    It 'pages with limit and continue' {
        $first = (Invoke-Api -Server $fake -Method GET -Path '/api/v1/namespaces?limit=3').Body
        $first.items | Should -HaveCount 3
        $first.metadata.remainingItemCount | Should -Be 1
        $next = (Invoke-Api -Server $fake -Method GET -Path "/api/v1/namespaces?limit=3&continue=$([uri]::EscapeDataString($first.metadata.continue))").Body
        @($next.items.metadata.name) | Should -Be @('kube-system')
        $next.metadata.PSObject.Properties.Name | Should -Not -Contain 'continue'
    }

    It 'answers errors as Status objects with the real codes and reasons' {
        $missing = Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes/x
        $missing.Code | Should -Be 404
        $missing.Body.kind | Should -Be 'Status'
        $missing.Body.status | Should -Be 'Failure'
        $missing.Body.reason | Should -Be 'NotFound'
        $missing.Body.message | Should -Be 'nodes "x" not found'
        $missing.Body.details.name | Should -Be 'x'
        $missing.Body.details.kind | Should -Be 'nodes'
        $missing.Body.code | Should -Be 404

        $dup = Invoke-Api -Server $fake -Method POST -Path /api/v1/nodes -Body @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'n1' } }
        $dup.Code | Should -Be 409
        $dup.Body.reason | Should -Be 'AlreadyExists'

        $node = Get-NodeJson $fake n1
        $stale = $node | ConvertTo-Json -Depth 32 | ConvertFrom-Json -AsHashtable
        $stale.metadata.resourceVersion = '1'
        $conflict = Invoke-Api -Server $fake -Method PUT -Path /api/v1/nodes/n1 -Body $stale
        $conflict.Code | Should -Be 409
        $conflict.Body.reason | Should -Be 'Conflict'
        $conflict.Body.message | Should -Match 'the object has been modified'

        $deployments = Invoke-Api -Server $fake -Method GET -Path /apis/apps/v1/namespaces/default/deployments/nope
        $deployments.Body.message | Should -Be 'deployments.apps "nope" not found'
        $deployments.Body.details.group | Should -Be 'apps'

        $badType = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{}' -ContentType 'text/plain'
        $badType.Code | Should -Be 415
        $badType.Body.reason | Should -Be 'UnsupportedMediaType'

        $noManager = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}' -ContentType 'application/apply-patch+yaml'
        $noManager.Code | Should -Be 400
        $noManager.Body.message | Should -Match 'fieldManager is required for apply requests'

        $invalid = Invoke-Api -Server $fake -Method POST -Path /api/v1/nodes -Body @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'Bad_Name' } }
        $invalid.Code | Should -Be 422
        $invalid.Body.reason | Should -Be 'Invalid'
        $invalid.Body.details.causes[0].field | Should -Be 'metadata.name'

        $noNamespace = Invoke-Api -Server $fake -Method POST -Path /api/v1/namespaces/nowhere/configmaps -Body @{ metadata = @{ name = 'c' } }
        $noNamespace.Code | Should -Be 404
        $noNamespace.Body.message | Should -Be 'namespaces "nowhere" not found'
    }

    It 'adds a label through a JSON patch path escaped with ~1' {
        $patch = '[{"op":"add","path":"/metadata/labels/node-role.kubernetes.io~1entry","value":""},{"op":"test","path":"/metadata/labels/zone","value":"a"}]'
        $r = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body $patch -ContentType 'application/json-patch+json'
        $r.Code | Should -Be 200
        $r.Body.metadata.labels.'node-role.kubernetes.io/entry' | Should -Be ''

        $failed = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '[{"op":"test","path":"/metadata/labels/zone","value":"z"},{"op":"remove","path":"/metadata/labels/zone"}]' -ContentType 'application/json-patch+json'
        $failed.Code | Should -Be 422
        $failed.Body.reason | Should -Be 'Invalid'
        (Get-NodeJson $fake n1).metadata.labels.zone | Should -Be 'a' -Because 'a failed test applies none of the patch'
    }

    It 'deletes a label with null in a merge patch' {
        $r = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"metadata":{"labels":{"role":null}}}' -ContentType 'application/merge-patch+json'
        $r.Code | Should -Be 200
        $r.Body.metadata.labels.PSObject.Properties.Name | Should -Be @('zone')

        $last = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n2 -Body '{"metadata":{"labels":{"zone":null}}}' -ContentType 'application/merge-patch+json'
        $last.Body.metadata.PSObject.Properties.Name | Should -Not -Contain 'labels' -Because 'an empty labels map is omitted, as Go omits it'
    }

    It 'keeps the resourceVersion on a patch that changes nothing, and emits no event' {
        $rv = (Get-NodeJson $fake n1).metadata.resourceVersion
        foreach ($type in 'application/merge-patch+json', 'application/strategic-merge-patch+json') {
            $r = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"metadata":{"labels":{"zone":"a"}}}' -ContentType $type
            $r.Code | Should -Be 200
            $r.Body.metadata.resourceVersion | Should -Be $rv
        }
        $apply = '{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"zone":"a"}}}'
        $first = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/nodes/n1?fieldManager=nginxkit' -Body $apply -ContentType 'application/apply-patch+yaml'
        $first.Code | Should -Be 200
        $second = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/nodes/n1?fieldManager=nginxkit' -Body $apply -ContentType 'application/apply-patch+yaml'
        $second.Body.metadata.resourceVersion | Should -Be $first.Body.metadata.resourceVersion
        Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$($first.Body.metadata.resourceVersion)" | Should -BeNullOrEmpty
    }

    It 'changes nothing with dryRun=All on POST, PUT, PATCH and DELETE' {
        $rv = (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body.metadata.resourceVersion
        $created = Invoke-Api -Server $fake -Method POST -Path '/api/v1/nodes?dryRun=All' -Body @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'n3' } }
        $created.Code | Should -Be 201
        $created.Body.metadata.name | Should -Be 'n3'
        $created.Body.metadata.uid | Should -Not -BeNullOrEmpty

        $node = Get-NodeJson $fake n1 | ConvertTo-Json -Depth 32 | ConvertFrom-Json -AsHashtable
        $node.metadata.labels.extra = 'yes'
        (Invoke-Api -Server $fake -Method PUT -Path '/api/v1/nodes/n1?dryRun=All' -Body $node).Body.metadata.labels.extra | Should -Be 'yes'
        (Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/nodes/n1?dryRun=All' -Body '{"metadata":{"labels":{"p":"q"}}}' -ContentType 'application/merge-patch+json').Code | Should -Be 200
        (Invoke-Api -Server $fake -Method DELETE -Path '/api/v1/nodes/n2?dryRun=All').Code | Should -Be 200

        (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes/n3).Code | Should -Be 404
        (Get-NodeJson $fake n1).metadata.labels.PSObject.Properties.Name | Should -Not -Contain 'extra'
        (Get-NodeJson $fake n1).metadata.labels.PSObject.Properties.Name | Should -Not -Contain 'p'
        (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes/n2).Code | Should -Be 200
        (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body.metadata.resourceVersion | Should -Be $rv
        (Get-FakeKubeRequest -Server $fake -Method DELETE).dryRun | Should -BeTrue
    }

    It 'replays a watch from a resourceVersion, then resumes from the last event seen' {
        $rv = [long](Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body.metadata.resourceVersion
        foreach ($value in 'x', 'y') {
            $null = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body "{`"metadata`":{`"labels`":{`"step`":`"$value`"}}}" -ContentType 'application/merge-patch+json'
        }
        $null = Invoke-Api -Server $fake -Method DELETE -Path /api/v1/nodes/n2

        $events = Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$rv"
        $events.type | Should -Be @('MODIFIED', 'MODIFIED', 'DELETED')
        $events.object.metadata.resourceVersion | ForEach-Object { [long]$_ } | Should -Be @(($rv + 1), ($rv + 2), ($rv + 3))
        $events[1].object.metadata.labels.step | Should -Be 'y'
        $events[1].object.kind | Should -Be 'Node' -Because 'watch event objects carry kind and apiVersion'

        $resumed = Get-WatchEvents $fake "/api/v1/nodes?watch=1&resourceVersion=$($events[0].object.metadata.resourceVersion)"
        $resumed.type | Should -Be @('MODIFIED', 'DELETED')

        $scoped = Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$rv&fieldSelector=metadata.name%3Dn2"
        $scoped.type | Should -Be @('DELETED')
    }

    It 'applies the patches of one control request as a PATCH each: a MODIFIED event apiece, in order, up to the first that fails' {
        $rv = [long](Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body.metadata.resourceVersion
        $patched = @(Invoke-FakeKubePatch -Server $fake -Patch @(
                foreach ($value in 'x', 'y', 'z') { @{ path = '/api/v1/nodes/n1'; patch = @{ metadata = @{ labels = @{ step = $value } } } } }
                @{ path = '/api/v1/nodes/n2'; type = 'application/json-patch+json'; patch = @(@{ op = 'add'; path = '/metadata/labels/step'; value = 'j' }) }))
        $patched.metadata.labels.step | Should -Be @('x', 'y', 'z', 'j')

        $events = Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$rv"
        $events.type | Should -Be @('MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED')
        $events.object.metadata.resourceVersion | ForEach-Object { [long]$_ } | Should -Be @(($rv + 1), ($rv + 2), ($rv + 3), ($rv + 4))
        $events.object.metadata.labels.step | Should -Be @('x', 'y', 'z', 'j')
        (Get-NodeJson $fake n1).metadata.labels.zone | Should -Be 'a' -Because 'a merge patch keeps what it does not name'

        # A failed JSON patch test answers 422 as the API does; the patch before it stays applied.
        { Invoke-FakeKubePatch -Server $fake -Patch @{ path = '/api/v1/nodes/n1'; patch = @{ metadata = @{ labels = @{ step = 'w' } } } },
            @{ path = '/api/v1/nodes/n1'; type = 'application/json-patch+json'; patch = @(@{ op = 'test'; path = '/metadata/labels/zone'; value = 'z' }) } } |
            Should -Throw '*answered 422*'
        (Get-NodeJson $fake n1).metadata.labels.step | Should -Be 'w'
        { Invoke-FakeKubePatch -Server $fake -Patch @{ path = '/api/v1/nodes/missing'; patch = @{ metadata = @{ labels = @{ a = 'b' } } } } } |
            Should -Throw '*answered 404*nodes "missing" not found*'
    }

    It 'starts a watch without a resourceVersion with ADDED for every object, and sends bookmarks when allowed' {
        $events = Get-WatchEvents $fake '/api/v1/nodes?watch=true&allowWatchBookmarks=true' -TimeoutSeconds 2
        $added = @($events | Where-Object type -eq 'ADDED')
        $added.object.metadata.name | Should -Be @('n1', 'n2')
        $bookmark = @($events | Where-Object type -eq 'BOOKMARK')
        $bookmark.Count | Should -BeGreaterThan 0
        $bookmark[0].object.kind | Should -Be 'Node'
        $bookmark[0].object.metadata.resourceVersion | Should -Not -BeNullOrEmpty
    }

    It 'answers a watch from a compacted resourceVersion with one ERROR event: 410 Expired' {
        $rv = (Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes).Body.metadata.resourceVersion
        $null = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"metadata":{"labels":{"a":"b"}}}' -ContentType 'application/merge-patch+json'
        $current = Invoke-FakeKubeCompaction -Server $fake
        [long]$current | Should -Be ([long]$rv + 1)

        $events = Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$rv" -TimeoutSeconds 5
        $events | Should -HaveCount 1
        $events[0].type | Should -Be 'ERROR'
        $events[0].object.kind | Should -Be 'Status'
        $events[0].object.code | Should -Be 410
        $events[0].object.reason | Should -Be 'Expired'
        $events[0].object.message | Should -Be "too old resource version: $rv ($current)"

        Get-WatchEvents $fake "/api/v1/nodes?watch=true&resourceVersion=$current" | Should -BeNullOrEmpty -Because 'the current resourceVersion is still watchable'
    }

    It 'ends open watches on request, so clients must resume' {
        $client = [Net.Http.HttpClient]::new()
        try {
            $response = $client.GetAsync("$($fake.Url)/api/v1/nodes?watch=true&resourceVersion=0", [Net.Http.HttpCompletionOption]::ResponseHeadersRead).GetAwaiter().GetResult()
            $response.StatusCode | Should -Be 'OK'
            $response.Content.Headers.ContentType.MediaType | Should -Be 'application/json'
            $read = $response.Content.ReadAsStringAsync()
            Start-Sleep -Milliseconds 200
            $read.IsCompleted | Should -BeFalse -Because 'a watch stays open'
            Close-FakeKubeWatch -Server $fake | Should -Be 1
            $read.Wait(5000) | Should -BeTrue
            @($read.Result -split "`n" | Where-Object { $_ }).Count | Should -Be 2 -Because 'the two ADDED events came before the close'
        } finally {
            $client.Dispose()
        }
    }

    It 'fails a request once with a 409 fault of times=1, then serves it (retry proof)' {
        Add-FakeKubeFault -Server $fake -Method PATCH -Path '/api/v1/nodes/*' -Code 409 -Times 1
        $first = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"metadata":{"labels":{"r":"1"}}}' -ContentType 'application/merge-patch+json'
        $first.Code | Should -Be 409
        $first.Body.reason | Should -Be 'Conflict'
        $first.Body.message | Should -Match 'Operation cannot be fulfilled on nodes "n1"'
        $retry = Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{"metadata":{"labels":{"r":"1"}}}' -ContentType 'application/merge-patch+json'
        $retry.Code | Should -Be 200
        (Get-FakeKubeRequest -Server $fake -Method PATCH).status | Should -Be @(409, 200)
    }

    It 'applies only dry-run requests with a dryRunOnly fault' {
        Add-FakeKubeFault -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Code 500 -DryRunOnly
        (Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/nodes/n1?dryRun=All' -Body '{}' -ContentType 'application/merge-patch+json').Code | Should -Be 500
        (Invoke-Api -Server $fake -Method PATCH -Path /api/v1/nodes/n1 -Body '{}' -ContentType 'application/merge-patch+json').Code | Should -Be 200
    }

    It 'creates with server-side apply, conflicts with another manager, and takes over with force' {
        $svc = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"entry","namespace":"default","labels":{"owner":"nginxkit"}},"spec":{"ports":[{"port":80}]}}'
        $created = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/namespaces/default/services/entry?fieldManager=nginxkit' -Body $svc -ContentType 'application/apply-patch+yaml'
        $created.Code | Should -Be 201
        $created.Body.spec.clusterIP | Should -Match '^10\.96\.'

        $other = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"entry","namespace":"default","labels":{"owner":"someone-else"}}}'
        $conflict = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/namespaces/default/services/entry?fieldManager=other' -Body $other -ContentType 'application/apply-patch+yaml'
        $conflict.Code | Should -Be 409
        $conflict.Body.message | Should -Be 'Apply failed with 1 conflict: conflict with "nginxkit": .metadata.labels.owner'
        $forced = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/namespaces/default/services/entry?fieldManager=other&force=true' -Body $other -ContentType 'application/apply-patch+yaml'
        $forced.Code | Should -Be 200
        $forced.Body.metadata.labels.owner | Should -Be 'someone-else'
        $forced.Body.spec.ports[0].port | Should -Be 80 -Because 'fields other managers own stay'

        $yaml = "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: routes`ndata:`n  enabled: 'true'`n"
        $cm = Invoke-Api -Server $fake -Method PATCH -Path '/api/v1/namespaces/default/configmaps/routes?fieldManager=nginxkit' -Body $yaml -ContentType 'application/apply-patch+yaml'
        $cm.Code | Should -Be 201
        $cm.Body.data.enabled | Should -Be 'true'
    }

    It 'marks discovery requests in the request log' {
        Clear-FakeKubeRequest -Server $fake
        $null = Invoke-Api -Server $fake -Method GET -Path /api
        $null = Invoke-Api -Server $fake -Method GET -Path /apis/apps/v1
        $null = Invoke-Api -Server $fake -Method GET -Path /api/v1/nodes
        $log = Get-FakeKubeRequest -Server $fake
        $log.discovery | Should -Be @($true, $true, $false)
        @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery).path | Should -Be @('/api/v1/nodes')
    }
}

Describe 'Get-KubeTestTarget' -Tag 'Kubernetes' {
    BeforeAll { $saved = $env:NGINXKIT_TEST_KUBECONFIG }
    AfterAll { $env:NGINXKIT_TEST_KUBECONFIG = $saved }

    It 'starts a fake when NGINXKIT_TEST_KUBECONFIG is unset' {
        $env:NGINXKIT_TEST_KUBECONFIG = $null
        $target = Get-KubeTestTarget
        try {
            $target.IsFake | Should -BeTrue
            $target.Url | Should -Match '^http://127\.0\.0\.1:\d+$'
            Get-Content -LiteralPath $target.KubeConfig -Raw | Should -Match ([regex]::Escape("server: $($target.Url)"))
            (Invoke-Api -Server $target -Method GET -Path /version).Body.gitVersion | Should -Match '^v1\.32\.'
        } finally {
            Stop-FakeKubeApi $target
        }
        Test-Path -LiteralPath $target.Directory | Should -BeFalse
    }

    It 'returns the real cluster named by NGINXKIT_TEST_KUBECONFIG, without starting anything' {
        $config = Join-Path $TestDrive 'real.kubeconfig'
        "apiVersion: v1`nkind: Config`nclusters:`n- name: real`n  cluster:`n    server: https://kube.example:6443`n" | Set-Content -LiteralPath $config
        $env:NGINXKIT_TEST_KUBECONFIG = $config
        $target = Get-KubeTestTarget
        $target.IsFake | Should -BeFalse
        $target.KubeConfig | Should -Be (Resolve-Path -LiteralPath $config).Path
        $target.Url | Should -Be 'https://kube.example:6443'
        $target.Process | Should -BeNullOrEmpty
        { Stop-FakeKubeApi $target } | Should -Not -Throw
        { Add-FakeKubeFault -Server $target -Path /x -Code 403 } | Should -Throw '*real cluster*'
    }
}

Describe 'FakeKubeApi on its own' -Tag 'Kubernetes', 'Fidelity' -Skip:(-not $kubectl) {
    It 'serves with stdin at end of file and no special flag, writes a kubeconfig kubectl uses, and stops on SIGTERM' {
        $kubectl = Find-RealTool -Name kubectl
        $dir = New-TestDirectory
        $process = $null
        try {
            $kubeConfig = Join-Path $dir 'kubeconfig'
            # As a shell starts a background job: stdin already at its end.
            $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in @((Get-FakeKubeApiPath), '--kubeconfig', $kubeConfig)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $process = [Diagnostics.Process]::Start($psi)
            $process.StandardInput.Close()
            $read = $process.StandardOutput.ReadLineAsync()
            $read.Wait(60000) | Should -BeTrue -Because 'the fake prints LISTENING once it serves'
            $read.Result | Should -Match '^LISTENING http://127\.0\.0\.1:\d+$'
            $r = Invoke-Kubectl ([pscustomobject]@{ KubeConfig = $kubeConfig; CacheDir = (Join-Path $dir 'cache') }) @('get', 'namespaces', '-o', 'name') -Kubectl $kubectl
            $r.ExitCode | Should -Be 0 -Because $r.Error
            $r.Output -split "`n" | Should -Contain 'namespace/kube-system'
            $process.HasExited | Should -BeFalse
            & kill -TERM $process.Id
            $process.WaitForExit(30000) | Should -BeTrue
            $process.ExitCode | Should -Be 0
        }
        finally {
            if ($process -and -not $process.HasExited) { $process.Kill($true) }
            Remove-Item $dir -Recurse -Force -ErrorAction Ignore
        }
    }
}
