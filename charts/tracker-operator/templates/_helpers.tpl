{{/* Name of every object of the release. */}}
{{- define "tracker-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable for the life of the release (Deployment selectors are immutable). The name
     label is what the ClickHouse and Keeper NetworkPolicies rendered by the operator admit. */}}
{{- define "tracker-operator.selectorLabels" -}}
app.kubernetes.io/name: tracker-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tracker-operator.labels" -}}
{{ include "tracker-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracker
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
