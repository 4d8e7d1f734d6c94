package dev.memlog.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.Principal;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.RecordIds;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Turns request JSON into events, refusing bad input with the name of the offending field. */
final class EventRequests {
    static final Set<String> ROLES = Set.of("user", "assistant", "system", "tool");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");
    private static final int MAX_METADATA_ENTRIES = 32;
    private static final int MAX_METADATA_VALUE_CHARS = 1024;
    /** The keys search can filter on: the same shape here, so every key stored can be asked for. */
    static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Kafka cannot store an earlier record time. */
    static final Instant EARLIEST = Instant.EPOCH;

    private final int maxContentChars;
    private final Duration maxFutureSkew;

    /**
     * @param maxFutureSkew how far past the platform's clock a client's timestamp may be (MAX_FUTURE_SKEW_SECONDS), for
     *                      clocks that run a little fast; well below the hour Kafka itself refuses
     */
    EventRequests(int maxContentChars, Duration maxFutureSkew) {
        this.maxContentChars = maxContentChars;
        this.maxFutureSkew = maxFutureSkew;
    }

    /** A pending event and the partition key of its owner. */
    record Pending(String key, MemoryEvent event) {
    }

    Pending turn(Principal writer, JsonNode body, String path, Instant receivedAt) {
        requireObject(body, path);
        String session = requiredId(body, path, "session_id");
        String role = requiredString(body, path, "role");
        if (!ROLES.contains(role)) {
            throw ApiException.badRequest(field(path, "role"), field(path, "role") + " must be one of " + ROLES.stream().sorted().toList());
        }
        return build(writer, body, path, receivedAt, EventKind.TURN, role, session);
    }

    Pending explicitMemory(Principal writer, JsonNode body, Instant receivedAt) {
        requireObject(body, "");
        return build(writer, body, "", receivedAt, EventKind.EXPLICIT_MEMORY, null, optionalId(body, "", "session_id"));
    }

    /** The most a deletion's reason may say: it is audit, not memory. */
    static final int MAX_REASON_CHARS = 500;

    /**
     * A deletion of one memory of the owner the request names (query parameters user_id, agent_id, as search returned
     * them), with an optional reason in the body; an agent's key deletes only that agent's memories.
     */
    Pending deletion(Principal writer, String recordId, String userId, String agentId, JsonNode body, Instant receivedAt) {
        if (recordId == null || !RecordIds.PATTERN.matcher(recordId).matches()) {
            throw ApiException.badRequest("record_id", "record_id must be a record id as search returns it");
        }
        ObjectNode owner = Json.mapper().createObjectNode().put("user_id", userId).put("agent_id", agentId);
        String user = optionalId(owner, "", "user_id");
        String agent = ownAgent(writer, optionalId(owner, "", "agent_id"), "");
        if (user == null && agent == null) {
            throw ApiException.badRequest("user_id", "user_id or agent_id is required: the owner of the memory, as search returned it");
        }
        String reason = "";
        if (body != null && !body.isNull() && !body.isMissingNode()) {
            requireObject(body, "");
            reason = reason(body);
        }
        var event = MemoryEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(writer.tenant())
                .setUserId(user)
                .setAgentId(agent)
                .setSessionId(null)
                .setKind(EventKind.DELETION)
                .setRole(null)
                .setContent(reason)
                .setOccurredAt(receivedAt)
                .setReceivedAt(receivedAt)
                .setMetadata(Map.of())
                .setTargetRecordId(recordId)
                .setActor(writer.name())
                .build();
        return new Pending(MemoryOwner.of(writer.tenant(), user, agent).key(), event);
    }

    /**
     * The erasure of one owner, the data subject: a user (across every agent that served them) or an agent's own
     * memories. A credential bound to an agent erases that agent, or a user it was granted.
     */
    Pending erasure(Principal writer, JsonNode body, Instant receivedAt) {
        requireObject(body, "");
        String user = optionalId(body, "", "user_id");
        String agent = optionalId(body, "", "agent_id");
        if ((user == null) == (agent == null)) {
            throw ApiException.badRequest(user == null ? "user_id" : "agent_id", "give user_id or agent_id, not both: a user is"
                    + " erased across every agent, an agent's own memories by agent_id alone");
        }
        if (writer.agent() != null && (agent != null ? !writer.agent().equals(agent) : !writer.mayReadUser(user))) {
            throw new ApiException(403, "this credential is bound to agent " + writer.agent() + " and may not erase "
                    + (agent != null ? "another agent" : "a user it was not granted"), agent != null ? "agent_id" : "user_id");
        }
        String reason = reason(body);
        var event = MemoryEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(writer.tenant())
                .setUserId(user).setAgentId(agent).setSessionId(null).setKind(EventKind.ERASURE).setRole(null)
                .setContent(reason).setOccurredAt(receivedAt).setReceivedAt(receivedAt).setMetadata(Map.of())
                .setTargetRecordId(null).setActor(writer.name()).build();
        return new Pending(MemoryOwner.of(writer.tenant(), user, agent).key(), event);
    }

    /** A deletion's or an erasure's optional reason: a string of at most MAX_REASON_CHARS, "" when none is given. */
    private static String reason(JsonNode body) {
        JsonNode given = body.get("reason");
        if (given == null || given.isNull()) {
            return "";
        }
        if (!given.isTextual()) {
            throw ApiException.badRequest("reason", "reason must be a string");
        }
        if (given.asText().length() > MAX_REASON_CHARS) {
            throw ApiException.badRequest("reason", "reason exceeds " + MAX_REASON_CHARS + " characters");
        }
        return given.asText();
    }

    /** The agent an event is appended as: a key bound to an agent speaks as that agent and no other. */
    private static String ownAgent(Principal writer, String agent, String path) {
        if (writer.agent() != null && agent == null) {
            return writer.agent();
        }
        if (writer.agent() != null && !writer.agent().equals(agent)) {
            throw new ApiException(403, field(path, "agent_id") + " must be " + writer.agent()
                    + ": this key acts for that agent only", field(path, "agent_id"));
        }
        return agent;
    }

    private Pending build(Principal writer, JsonNode body, String path, Instant receivedAt, EventKind kind, String role,
                          String session) {
        String tenant = writer.tenant();
        if (body.has("tenant_id")) {
            throw ApiException.badRequest(field(path, "tenant_id"),
                    field(path, "tenant_id") + " is not accepted: the tenant comes from the API key");
        }
        String content = requiredString(body, path, "content");
        if (content.isBlank()) {
            throw ApiException.badRequest(field(path, "content"), field(path, "content") + " must not be empty");
        }
        if (content.length() > maxContentChars) {
            throw ApiException.badRequest(field(path, "content"),
                    field(path, "content") + " exceeds " + maxContentChars + " characters");
        }
        String user = optionalId(body, path, "user_id");
        String agent = ownAgent(writer, optionalId(body, path, "agent_id"), path);
        if (user == null && agent == null) {
            throw ApiException.badRequest(field(path, "user_id"), "one of " + field(path, "user_id") + " or "
                    + field(path, "agent_id") + " is required: it names whose memory this is");
        }
        String eventId = optionalId(body, path, "event_id");
        var event = MemoryEvent.newBuilder()
                .setEventId(eventId != null ? eventId : UUID.randomUUID().toString())
                .setTenantId(tenant)
                .setUserId(user)
                .setAgentId(agent)
                .setSessionId(session)
                .setKind(kind)
                .setRole(role)
                .setContent(content)
                .setOccurredAt(timestamp(body, path, receivedAt, maxFutureSkew))
                .setReceivedAt(receivedAt)
                .setMetadata(metadata(body, path))
                .setActor(writer.name())
                .build();
        return new Pending(MemoryOwner.of(tenant, user, agent).key(), event);
    }

    static void requireObject(JsonNode body, String path) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(path.isEmpty() ? null : path,
                    (path.isEmpty() ? "request body" : path) + " must be a JSON object");
        }
    }

    static String field(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String requiredString(JsonNode body, String path, String name) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            throw ApiException.badRequest(field(path, name), field(path, name) + " is required");
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field(path, name), field(path, name) + " must be a string");
        }
        return node.asText();
    }

    private static String requiredId(JsonNode body, String path, String name) {
        String id = optionalId(body, path, name);
        if (id == null) {
            throw ApiException.badRequest(field(path, name), field(path, name) + " is required");
        }
        return id;
    }

    private static String optionalId(JsonNode body, String path, String name) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field(path, name), field(path, name) + " must be a string");
        }
        if (!ID.matcher(node.asText()).matches()) {
            throw ApiException.badRequest(field(path, name), field(path, name)
                    + " must be 1-128 characters of letters, digits and . _ : @ / + -");
        }
        return node.asText();
    }

    /**
     * When it happened, as the caller says, between 1970 and the platform's clock plus the allowed skew: a time Kafka
     * would refuse is the caller's mistake (400), not an outage, and no client may date an event in the future, where
     * it would age the owner's other memories.
     */
    static Instant timestamp(JsonNode body, String path, Instant receivedAt, Duration maxFutureSkew) {
        JsonNode node = body.get("timestamp");
        if (node == null || node.isNull()) {
            return receivedAt;
        }
        String name = field(path, "timestamp");
        if (!node.isTextual()) {
            throw ApiException.badRequest(name, name + " must be an ISO-8601 string such as 2023-05-08T13:56:00Z");
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(node.asText()).toInstant().truncatedTo(ChronoUnit.MILLIS);
            at.toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, name + " must be an ISO-8601 date-time with offset, such as 2023-05-08T13:56:00Z");
        } catch (DateTimeException | ArithmeticException e) {
            throw ApiException.badRequest(name, name + " is out of range: use a time from 1970 on");
        }
        if (at.isBefore(EARLIEST)) {
            throw ApiException.badRequest(name, name + " is before 1970-01-01T00:00:00Z, which the event log cannot store");
        }
        Instant latest = receivedAt.plus(maxFutureSkew);
        if (at.isAfter(latest)) {
            throw ApiException.badRequest(name, name + " is in the future: at most " + maxFutureSkew.toSeconds()
                    + " seconds past the platform's clock (" + receivedAt + ") are accepted");
        }
        return at;
    }

    private static Map<String, String> metadata(JsonNode body, String path) {
        JsonNode node = body.get("metadata");
        String name = field(path, "metadata");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiException.badRequest(name, name + " must be an object of string values");
        }
        if (node.size() > MAX_METADATA_ENTRIES) {
            throw ApiException.badRequest(name, name + " has more than " + MAX_METADATA_ENTRIES + " entries");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var entry : node.properties()) {
            if (!METADATA_KEY.matcher(entry.getKey()).matches()) {
                throw ApiException.badRequest(name, name + " keys must be 1-64 letters, digits, _ or -, as search filters"
                        + " name them; got '" + ApiException.printable(entry.getKey()) + "'");
            }
            if (RecordKinds.RESERVED_METADATA.contains(entry.getKey())) {
                throw ApiException.badRequest(name + "." + entry.getKey(), name + "." + entry.getKey()
                        + " is reserved: consolidation sets it on what it derives (explicit memories, which never decay,"
                        + " come from POST /v1/memories)");
            }
            if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                throw ApiException.badRequest(name + "." + entry.getKey(), name + "." + entry.getKey() + " must be a string");
            }
            String value = entry.getValue().asText();
            if (value.length() > MAX_METADATA_VALUE_CHARS) {
                throw ApiException.badRequest(name + "." + entry.getKey(),
                        name + "." + entry.getKey() + " exceeds " + MAX_METADATA_VALUE_CHARS + " characters");
            }
            metadata.put(entry.getKey(), value);
        }
        return metadata;
    }
}
