{{/* The release's name for every object, within the 63 characters a DNS label allows (a suffix is added to it). */}}
{{- define "memlog.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The components: their values key, their name in objects, and their image. */}}
{{- define "memlog.components" -}}
ingest: {name: ingest, image: memlog-ingest}
consolidation: {name: consolidation, image: memlog-consolidation}
query: {name: query, image: memlog-query}
schemaRegistry: {name: schema-registry, image: memlog-schema-registry}
mcp: {name: mcp, image: memlog-mcp}
{{- end -}}

{{- /* Whether a component runs: the registry and the MCP server may be turned off (enabled: false), the others not. */ -}}
{{- define "memlog.on" -}}
{{- if ne (toString (index .root.Values .key).enabled) "false" -}}true{{- end -}}
{{- end -}}

{{- define "memlog.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "memlog.selectorLabels" . }}
{{- end -}}

{{- define "memlog.selectorLabels" -}}
app.kubernetes.io/part-of: {{ include "memlog.fullname" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "memlog.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .image (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "memlog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "memlog.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "memlog.kafkaBootstrap" -}}
{{- if .Values.kafka.bootstrapServers -}}
{{- .Values.kafka.bootstrapServers -}}
{{- else -}}
{{- printf "%s-kafka-bootstrap:%d" .Values.kafka.strimzi.clusterName (int .Values.kafka.strimzi.listenerPort) -}}
{{- end -}}
{{- end -}}

{{- define "memlog.kafkaProtocol" -}}
{{- index .Values.kafka.config "security.protocol" | default "PLAINTEXT" | upper -}}
{{- end -}}

{{- define "memlog.schemaRegistryUrl" -}}
{{- if .Values.schemaRegistry.enabled -}}
{{- printf "http://%s-schema-registry:%d" (include "memlog.fullname" .) (int .Values.schemaRegistry.port) -}}
{{- else -}}
{{- .Values.schemaRegistry.url -}}
{{- end -}}
{{- end -}}

{{- define "memlog.openSearchUrl" -}}
{{- if .Values.opensearch.url -}}
{{- .Values.opensearch.url -}}
{{- else -}}
{{- printf "https://%s-opensearch:9200" (include "memlog.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Environment every service reads: where Kafka and the registry are, how clients connect, how it logs. */}}
{{- define "memlog.commonEnv" -}}
{{- $v := .Values -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "memlog.kafkaBootstrap" . | quote }}
{{- range $name, $value := $v.kafka.config }}
- name: {{ printf "KAFKA_%s" ($name | upper | replace "." "_" | replace "-" "_") }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- if hasPrefix "SASL" (include "memlog.kafkaProtocol" .) }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ $v.kafka.credentialsSecret | default $v.kafka.user.name }}
      key: sasl.jaas.config
{{- end }}
{{- if hasSuffix "SSL" (include "memlog.kafkaProtocol" .) }}
- name: KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/memlog/kafka-ca/ca.crt
{{- end }}
- name: SCHEMA_REGISTRY_URL
  value: {{ include "memlog.schemaRegistryUrl" . | quote }}
- name: TOPIC_PARTITIONS
  value: {{ $v.kafka.topics.partitions | quote }}
- name: TOPIC_REPLICATION_FACTOR
  value: {{ $v.kafka.topics.replicas | quote }}
- name: TOPIC_MIN_INSYNC_REPLICAS
  value: {{ $v.kafka.topics.minInsyncReplicas | quote }}
{{- if $v.kafka.topics.create }}
# the Topic Operator owns the topics: a service waits for them rather than making them with its own settings
- name: TOPIC_AUTO_CREATE
  value: "false"
{{- end }}
- name: HTTP_HOST
  value: "0.0.0.0"
- name: MANAGEMENT_PORT
  value: {{ $v.managementPort | quote }}
- name: LOG_FORMAT
  value: {{ $v.logFormat | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- if $v.encryption.existingSecret }}
- name: ENCRYPTION_KEK_FILE
  value: /etc/memlog/kek/kek.json
{{- end }}
{{- with $v.encryption.kmsKeyUri }}
- name: ENCRYPTION_KMS_KEY_URI
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The credentials, every key of the Secret an environment variable. */}}
{{- define "memlog.envFrom" -}}
- secretRef:
    name: {{ .Values.auth.existingSecret }}
{{- end -}}

{{- define "memlog.oidcEnv" -}}
{{- with .Values.auth.oidc.jwksUrl }}
- name: OIDC_JWKS_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.oidc.issuer }}
- name: OIDC_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.oidc.audience }}
- name: OIDC_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "memlog.llmEnv" -}}
{{- with .Values.llm.baseUrl }}
- name: LLM_BASE_URL
  value: {{ . | quote }}
{{- end }}
- name: LLM_MODEL
  value: {{ .Values.llm.model | quote }}
- name: EMBEDDING_MODEL
  value: {{ .Values.embeddingModel | quote }}
{{- end -}}

{{/* A component's own settings, `env` in its values, last so that they take the place of the chart's. */}}
{{- define "memlog.extraEnv" -}}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "memlog.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if hasSuffix "SSL" (include "memlog.kafkaProtocol" .) }}
- name: kafka-ca
  mountPath: /etc/memlog/kafka-ca
  readOnly: true
{{- end }}
{{- if .Values.encryption.existingSecret }}
- name: kek
  mountPath: /etc/memlog/kek
  readOnly: true
{{- end }}
{{- end -}}

{{- define "memlog.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if hasSuffix "SSL" (include "memlog.kafkaProtocol" .) }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.caSecret | default (printf "%s-cluster-ca-cert" .Values.kafka.strimzi.clusterName) }}
    items:
      - {key: ca.crt, path: ca.crt}
{{- end }}
{{- if .Values.encryption.existingSecret }}
- name: kek
  secret:
    secretName: {{ .Values.encryption.existingSecret }}
    items:
      - {key: kek.json, path: kek.json}
{{- end }}
{{- end -}}

{{/* Probes on the management port: startup covers model loading and state restore, so liveness can be strict. */}}
{{- define "memlog.probes" -}}
startupProbe:
  httpGet: {path: /health/started, port: management}
  periodSeconds: {{ .Values.probes.periodSeconds }}
  failureThreshold: {{ .Values.probes.startupFailureThreshold }}
livenessProbe:
  httpGet: {path: /health/live, port: management}
  periodSeconds: {{ .Values.probes.periodSeconds }}
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /health/ready, port: management}
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}

{{- define "memlog.podSpecCommon" -}}
serviceAccountName: {{ include "memlog.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
