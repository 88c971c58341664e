{{/* The release's full name: "<release>-redraft", or the release name when it already says redraft. */}}
{{- define "redraft.fullname" -}}
{{- if contains "redraft" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-redraft" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "redraft.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "redraft.labels" -}}
helm.sh/chart: {{ include "redraft.chart" . }}
{{ include "redraft.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: redraft
{{- end -}}

{{/* Labels that select the operator Pods (stable across upgrades). */}}
{{- define "redraft.selectorLabels" -}}
app.kubernetes.io/name: redraft-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "redraft.serviceAccountName" -}}
{{- default (include "redraft.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "redraft.operatorImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "redraft.executorImage" -}}
{{- printf "%s:%s" .Values.executor.image.repository (default .Chart.AppVersion .Values.executor.image.tag) -}}
{{- end -}}

{{/* Leader election is on with more than one replica, or when asked for. */}}
{{- define "redraft.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) -}}true{{- end -}}
{{- end -}}

{{- define "redraft.leaseName" -}}
{{- default (include "redraft.fullname" .) .Values.leaderElection.id -}}
{{- end -}}

{{/* Namespaces that get the task ServiceAccount, one per line (deduplicated, sorted). */}}
{{- define "redraft.taskServiceAccountNamespaces" -}}
{{- $namespaces := list -}}
{{- if .Values.watchNamespaces -}}
{{- $namespaces = .Values.watchNamespaces -}}
{{- else -}}
{{- $namespaces = concat (list .Release.Namespace) .Values.taskServiceAccount.extraNamespaces -}}
{{- end -}}
{{- range ($namespaces | uniq | sortAlpha) }}
{{ . }}
{{- end -}}
{{- end -}}

{{/*
The operator's permissions, verb by verb, from the calls it makes (tests/chart/rbac_test.cpp
derives the calls from operator/**.cpp, tests/chart/rbac_request_log_test.cpp takes them from
the API server's request log of a real operator run, and both check them against these rules):
- Workloads, AgenticTasks, Agents: informers list and watch them; get for fresh reads.
- AgenticTasks: create (the Workload controller plans them); patch (the AgenticTask controller
  labels a fork with redraft.dev/fork-of, a metadata-only merge patch).
- workloads/status, agentictasks/status: update (each controller writes its own kind's status).
- workloads/finalizers, agentictasks/finalizers: update. The operator sets owner references with
  blockOwnerDeletion (Workload → AgenticTask → Pod, ConfigMap); with the
  OwnerReferencesPermissionEnforcement admission plugin that needs update on the owner's
  finalizers subresource. Nothing adds or removes finalizers.
- Pods: get/list/watch (the task Pod informer), create (one per attempt); pods/log: get (the
  executor result when the termination message was cut).
- ConfigMaps: create and get (the task input ConfigMap, created before the Pod).
- Events (core v1): create, and patch to aggregate repeats.
No delete anywhere, and no Secrets: task Pods mount the git Secret; the operator never reads it.
*/}}
{{- define "redraft.rules" -}}
- apiGroups: ["redraft.dev"]
  resources: ["workloads", "agentictasks", "agents"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["redraft.dev"]
  resources: ["agentictasks"]
  verbs: ["create", "patch"]
- apiGroups: ["redraft.dev"]
  resources: ["workloads/status", "agentictasks/status"]
  verbs: ["update"]
- apiGroups: ["redraft.dev"]
  resources: ["workloads/finalizers", "agentictasks/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create"]
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}
