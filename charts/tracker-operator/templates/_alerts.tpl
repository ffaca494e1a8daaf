{{- /*
Which ingest an alert is about, for its summary: namespace/pod where a PodMonitor scraped it (Kubernetes),
else the scrape target's instance (host:port), the one label a static scrape config gives a single process
(`make run`, monitoring/README.md). Each ingest rule keeps `instance` in its `by`, so both are there to read.
*/ -}}
{{- define "tracker-operator.alertIngest" -}}
{{ "{{ with $labels.pod }}{{ $labels.namespace }}/{{ . }}{{ else }}{{ $labels.instance }}{{ end }}" }}
{{- end }}
