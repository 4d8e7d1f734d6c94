{{/*
Every topic in the topic registry (schemas' Topics) with its settings, and the output topics of each of
consolidation.derivations; the chart's tests fail when the two differ.
min.insync.replicas comes from kafka.topics.minInsyncReplicas.
*/}}
{{- define "memlog.topics" -}}
memory.events: {retention.ms: "-1", cleanup.policy: delete}
memory.records: {retention.ms: "-1", cleanup.policy: delete}
memory.access: {retention.ms: "-1", cleanup.policy: delete}
memory.strength: {retention.ms: "-1", cleanup.policy: delete}
memory.audit: {retention.ms: "-1", cleanup.policy: delete}
memory.keys: {cleanup.policy: compact, min.cleanable.dirty.ratio: "0.01", segment.ms: "3600000", delete.retention.ms: "86400000", max.compaction.lag.ms: "3600000"}
memory.consolidation.dlq: {retention.ms: "-1", cleanup.policy: delete}
memory.materializer.dlq: {retention.ms: "-1", cleanup.policy: delete}
{{- range .Values.consolidation.derivations }}
memory.records.{{ .name }}: {retention.ms: "-1", cleanup.policy: delete}
memory.strength.{{ .name }}: {retention.ms: "-1", cleanup.policy: delete}
{{- end }}
{{- end -}}
