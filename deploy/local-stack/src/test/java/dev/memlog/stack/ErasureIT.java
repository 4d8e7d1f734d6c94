package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import dev.memlog.query.QueryService;
import dev.memlog.schemas.avro.AuditAction;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure by crypto-shredding on the real stack: after a subject is erased, no byte of any topic, changelog, state
 * directory or index directory holds what the subject said, retrieval and history know nothing of it, and the whole
 * log replayed into a fresh index brings none of it back, while another owner's memories stay.
 */
class ErasureIT {
    static final String AGENT_KEY = "acme-agent-key-0123456789abcdef";
    static final String ERASER_KEY = "acme-eraser-key-0123456789abcdef";
    static final String OTHER_TENANT_ERASER_KEY = "globex-eraser-key-0123456789abcdef";
    static final List<String> SECRETS = List.of("Quillonbeck", "Saffronvault", "Mirelloquist", "Tamberwhisk");
    static final String SUBJECT = "erase-ann";
    static final String KEPT = "keep-bob";

    @TempDir
    static Path dir;
    static LocalStack stack;
    static MemoryClient agent;
    static MemoryClient eraser;

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.load(AGENT_KEY + "=acme\n" + ERASER_KEY + "=acme;scopes=erase\n" + OTHER_TENANT_ERASER_KEY
                + "=globex;scopes=erase", null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none")), line -> { });
        agent = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), AGENT_KEY);
        eraser = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), ERASER_KEY);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void anErasedSubjectIsInNoTopicNoStateNoIndexNoAnswerAndNoReplayWhileOthersStay() throws Exception {
        ObjectNode batch = Json.mapper().createObjectNode();
        var turns = batch.putArray("turns");
        turns.addObject().put("user_id", SUBJECT).put("session_id", "s1").put("agent_id", "a1").put("role", "user")
                .put("content", "My name is Ann and my sister is called " + SECRETS.get(0))
                .putObject("metadata").put("speaker", SECRETS.get(1));
        turns.addObject().put("user_id", SUBJECT).put("session_id", "s2").put("agent_id", "a2").put("role", "user")
                .put("content", "I keep my bicycle at " + SECRETS.get(2) + " station");
        turns.addObject().put("user_id", KEPT).put("session_id", "s3").put("agent_id", "a1").put("role", "user")
                .put("content", "My bicycle is at Bobsleighcanyon station");
        agent.appendTurns(batch);
        agent.remember(Json.mapper().createObjectNode().put("user_id", SUBJECT).put("content", "Ann prefers tea to coffee"));
        await().atMost(Duration.ofSeconds(90)).until(() -> agent.count(SUBJECT) >= 3 && agent.count(KEPT) >= 1);
        JsonNode before = search(agent, SUBJECT, "where is my bicycle " + SECRETS.get(3));
        assertThat(before.toString()).contains(SECRETS.get(2));
        String anOldRecord = before.path("hits").get(0).path("record_id").asText();

        JsonNode accepted = eraser.erase(Json.mapper().createObjectNode().put("user_id", SUBJECT).put("reason", "request 42"));
        assertThat(accepted.path("subject").asText()).isEqualTo("user:" + SUBJECT);
        assertThat(accepted.path("keys_destroyed").asInt()).isGreaterThanOrEqualTo(1);
        String erasureId = accepted.path("erasure_id").asText();

        // the receipt of the indexes is in the log once every document of the subject is deleted and expunged
        AuditEntry receipt = awaitReceipt(erasureId);
        assertThat(receipt.getTarget()).isEqualTo("user:" + SUBJECT);
        assertThat(receipt.getDetails().get("documents_deleted_live")).isGreaterThanOrEqualTo(3L);
        assertThat(receipt.getDetails().get("documents_deleted_asof")).as("what the subject was known to say, as of any moment")
                .isGreaterThanOrEqualTo(3L);
        assertThat(receipt.getActor()).startsWith("acme:");
        // and readable back by whoever may erase in the tenant, with the same counts; nobody else learns of it
        JsonNode readBack = eraser.erasureReceipt(erasureId);
        assertThat(readBack.path("subject").asText()).isEqualTo("user:" + SUBJECT);
        assertThat(readBack.path("documents_deleted").path("live").asLong()).isEqualTo(receipt.getDetails().get("documents_deleted_live"));
        assertThat(readBack.path("documents_deleted").path("history").asLong()).isEqualTo(receipt.getDetails().get("documents_deleted_history"));
        assertThat(readBack.path("requested_at").asText()).isNotBlank();
        assertThat(new MemoryClient(stack.ingestUrl(), stack.queryUrl(), OTHER_TENANT_ERASER_KEY).erasureReceipt(erasureId).isMissingNode())
                .as("another tenant's eraser").isTrue();
        assertThat(eraser.erasureReceipt(UUID.randomUUID().toString()).isMissingNode()).as("an erasure nobody asked").isTrue();
        assertThatThrownBy(() -> agent.erasureReceipt(erasureId)).as("a key without the erase scope").hasMessageContaining("403");
        assertThatThrownBy(() -> eraser.erasureReceipt("x$(reboot)\u001b[31m\n")).hasMessageContaining("400").hasMessageContaining("erasure_id");

        // nothing answers about the subject; the other owner is untouched
        assertThat(search(agent, SUBJECT, "bicycle tea sister").path("hits")).isEmpty();
        assertThat(search(agent, SUBJECT, "bicycle").path("hits")).isEmpty();
        assertThat(agent.history(SUBJECT, anOldRecord).isMissingNode()).isTrue();
        assertThat(agent.search(Json.mapper().createObjectNode().put("query", "bicycle").put("user_id", SUBJECT)
                .put("as_of", "2099-01-01T00:00:00Z").put("reinforce", false)).path("hits")).isEmpty();
        assertThat(search(agent, KEPT, "where is my bicycle").toString()).contains("Bobsleighcanyon");

        // no byte anywhere: decompressed records of every topic, the broker's files, consolidation's state, the index files
        for (String secret : SECRETS) {
            assertThat(PlaintextScan.recordValuesContaining(stack.kafkaBootstrapServers(), secret)).as(secret).isEmpty();
            assertThat(PlaintextScan.filesContaining(List.of(dir.resolve("kafka"), dir.resolve("streams")), secret)).as(secret).isEmpty();
        }
        // the index's segments hold deleted documents until merged away, once the shard's retention lease moves on
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (String secret : SECRETS) {
                assertThat(PlaintextScan.filesContaining(List.of(dir.resolve("opensearch")), secret)).as(secret).isEmpty();
            }
        });
        assertThat(PlaintextScan.filesContaining(List.of(dir.resolve("opensearch")), "Bobsleighcanyon"))
                .as("the scan reads the index files").isNotEmpty();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(eraser.erasureReceipt(erasureId).path("expunged_at").isTextual()).as("the receipt says when").isTrue());

        // the whole log replayed into a fresh index: the other owner comes back, the subject does not
        String alias = "replay-" + UUID.randomUUID().toString().substring(0, 8);
        var model = OnnxEmbeddingProvider.fromSetting(free().embeddingModel(), true);
        try (var replay = new QueryService(QueryService.Config.local(stack.kafkaBootstrapServers(), stack.registryUrl(),
                stack.openSearchUrl(), alias, alias + "-materializer", free().embeddingModel(),
                ApiKeys.load(AGENT_KEY + "=acme", null), stack.serviceToken(), 0, stack.encryption()), model)) {
            var fresh = new MemoryClient(stack.ingestUrl(), "http://127.0.0.1:" + replay.port(), AGENT_KEY);
            await().atMost(Duration.ofSeconds(90)).until(() -> fresh.count(KEPT) >= 1);
            assertThat(fresh.count(SUBJECT)).isZero();
            assertThat(search(fresh, SUBJECT, "bicycle tea sister").path("hits")).isEmpty();
        }
    }

    static LocalStack.Config free() {
        return LocalStack.Config.freePorts(dir, ApiKeys.load(AGENT_KEY + "=acme", null));
    }

    static JsonNode search(MemoryClient client, String user, String query) throws Exception {
        return client.search(Json.mapper().createObjectNode().put("query", query).put("user_id", user).put("k", 10)
                .put("reinforce", false));
    }

    static AuditEntry awaitReceipt(String erasureId) {
        Predicate<AuditEntry> indexes = e -> e.getAction() == AuditAction.ERASE_INDEXES && erasureId.equals(e.getEventId());
        var entries = AuditTrail.readUntil(stack, read -> read.stream().anyMatch(indexes), Duration.ofSeconds(90));
        assertThat(entries).anyMatch(e -> e.getAction() == AuditAction.ERASE_SUBJECT && erasureId.equals(e.getEventId()));
        return entries.stream().filter(indexes).findFirst().orElseThrow(() -> new AssertionError("no index receipt"));
    }
}
