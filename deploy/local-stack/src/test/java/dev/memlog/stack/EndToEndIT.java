package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on real components: HTTP -> ingest-service -> Kafka -> consolidation-streams -> Kafka ->
 * materializer -> OpenSearch -> hybrid retrieval over HTTP, for two tenants that must never see each other.
 */
class EndToEndIT {
    static final String ACME_KEY = "acme-key-0123456789abcdef";
    static final String GLOBEX_KEY = "globex-key-0123456789abcdef";
    /** acme's analyst: operator actions, reads across the tenant's owners. */
    static final String ANALYST_KEY = "acme-analyst-0123456789abcdef";
    @TempDir
    static Path dir;
    static LocalStack stack;
    static MemoryClient acme;
    static MemoryClient globex;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.load(ACME_KEY + "=acme," + GLOBEX_KEY + "=globex," + ANALYST_KEY
                + "=acme;scopes=read+admin;reads=tenant", null);
        // retrieval weighs strength, so reinforcement shows in the order. Each test's owner lives in its own years:
        // no session summaries and no ageing of quiet owners, both of which other tests' timestamps would set off
        // (they move stream time past sessions' gaps and owners' clocks) and make counts race
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys,
                Map.of("STRENGTH_WEIGHT", "0.2", "SUMMARIZER", "none", "FORGET_DORMANT_AFTER_DAYS", "36500")), line -> { });
        acme = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), ACME_KEY);
        globex = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), GLOBEX_KEY);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static ObjectNode turns(String user, String... contents) {
        ObjectNode batch = Json.mapper().createObjectNode();
        var array = batch.putArray("turns");
        for (int i = 0; i < contents.length; i++) {
            array.addObject().put("user_id", user).put("session_id", user + "-s1").put("role", "user")
                    .put("content", contents[i]).put("timestamp", "2024-03-0" + (i + 1) + "T10:00:00Z");
        }
        return batch;
    }

    static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.path("event_ids").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    @Test
    void eachTenantRetrievesItsOwnTurnsAndNeverTheOthers() throws Exception {
        // the same user id in both tenants: only the API key tells them apart
        List<String> acmeIds = ids(acme.appendTurns(turns("sam",
                "My daughter's name is Ines and she plays the violin",
                "We are planning a trip to Kyoto in October",
                "I am allergic to shellfish")));
        List<String> globexIds = ids(globex.appendTurns(turns("sam",
                "My son's name is Rafael and he plays the drums",
                "We are planning a trip to Oslo in December")));

        // three turns and two facts drawn from them (the daughter's name, the allergy); two turns and one fact
        await().atMost(Duration.ofSeconds(90)).until(() -> acme.count("sam") == 5 && globex.count("sam") == 3);

        JsonNode acmeHits = acme.search(Json.mapper().createObjectNode().put("query", "what instrument does my child play?")
                .put("user_id", "sam").put("k", 10)).path("hits");
        JsonNode globexHits = globex.search(Json.mapper().createObjectNode().put("query", "where are we travelling?")
                .put("user_id", "sam").put("k", 10)).path("hits");

        assertThat(acmeHits).hasSize(5);
        assertThat(acmeHits.get(0).path("text").asText()).contains("violin");
        acmeHits.forEach(h -> assertThat(acmeIds).containsAll(eventIds(h)));
        assertThat(globexHits).hasSize(3);
        assertThat(globexHits.get(0).path("text").asText()).contains("Oslo");
        globexHits.forEach(h -> assertThat(globexIds).containsAll(eventIds(h)));
        assertThat(acmeHits.toString()).doesNotContain("Rafael", "Oslo");
        assertThat(globexHits.toString()).doesNotContain("Ines", "Kyoto", "shellfish");
    }

    @Test
    void theIndexedRecordCarriesTheEventItCameFrom() throws Exception {
        String eventId = ids(acme.appendTurns(turns("provenance-user", "I keep my bike in the basement"))).getFirst();
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("provenance-user") == 1);

        var http = HttpClient.newHttpClient();
        String body = "{\"query\":{\"term\":{\"provenance\":\"" + eventId + "\"}}}";
        var response = http.send(HttpRequest.newBuilder(URI.create(stack.openSearchUrl() + "/memlog-records/_search"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode hits = Json.mapper().readTree(response.body()).path("hits").path("hits");

        assertThat(hits).hasSize(1);
        JsonNode source = hits.get(0).path("_source");
        assertThat(source.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(source.path("text").asText()).isEqualTo("I keep my bike in the basement");
        assertThat(source.path("embedding_model").asText()).isEqualTo("bge-small-en-v1.5-q");
    }

    @Test
    void retryingAnAppendWithTheSameEventIdDoesNotDuplicateTheMemory() throws Exception {
        ObjectNode batch = turns("retry-user", "I water the plants on Fridays");
        ((ObjectNode) batch.path("turns").get(0)).put("event_id", "client-retry-1");
        acme.appendTurns(batch);
        acme.appendTurns(batch);
        acme.appendTurns(turns("retry-user", "A later, different turn"));

        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("retry-user") >= 2);
        Thread.sleep(2000); // give a duplicate, if there were one, time to show up
        assertThat(acme.count("retry-user")).isEqualTo(2);
    }

    static List<String> eventIds(JsonNode hit) {
        List<String> ids = new ArrayList<>();
        hit.path("event_ids").forEach(n -> ids.add(n.asText()));
        assertThat(ids).isNotEmpty();
        return ids;
    }

    @Test
    void aSessionsLatestTurnsAreReadableAsWorkingMemory() throws Exception {
        acme.appendTurns(turns("wm-user", "First we talked about tea", "Then about coffee", "And then about the garden"));

        await().atMost(Duration.ofSeconds(60)).until(() -> acme.workingMemory("wm-user", "wm-user-s1").path("turns").size() == 3);
        JsonNode memory = acme.workingMemory("wm-user", "wm-user-s1");
        assertThat(memory.path("turns").findValuesAsText("text"))
                .containsExactly("First we talked about tea", "Then about coffee", "And then about the garden");
        // another tenant with the same user and session sees nothing
        assertThat(globex.workingMemory("wm-user", "wm-user-s1").path("turns")).isEmpty();

        var http = HttpClient.newHttpClient();
        var noSession = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/working-memory?user_id=wm-user"))
                .header("X-API-Key", ACME_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noSession.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(noSession.body()).path("field").asText()).isEqualTo("session_id");
    }

    @Test
    void aChangedFactSupersedesTheOldOneWhichStillAnswersAsOfItsTimeAndInstructionsLeadThePack() throws Exception {
        acme.remember(Json.mapper().createObjectNode().put("user_id", "fact-user").put("content", "I live in Leeds.")
                .put("timestamp", "2024-01-10T10:00:00Z"));
        acme.remember(Json.mapper().createObjectNode().put("user_id", "fact-user").put("content", "Always answer in French.")
                .put("timestamp", "2024-01-11T10:00:00Z"));
        acme.remember(Json.mapper().createObjectNode().put("user_id", "fact-user").put("content", "I live in York now.")
                .put("timestamp", "2024-06-10T10:00:00Z"));

        await().atMost(Duration.ofSeconds(60)).until(() -> texts(acme.search(where(null))).contains("I live in York now."));
        assertThat(texts(acme.search(where(null)))).doesNotContain("I live in Leeds.");
        assertThat(acme.count("fact-user")).isEqualTo(2);
        // the as-of index is refreshed on its own, a moment apart from the live one awaited above
        await().atMost(Duration.ofSeconds(30)).until(() -> texts(acme.search(where("2024-03-01T00:00:00Z"))).contains("I live in Leeds."));
        assertThat(texts(acme.search(where("2024-03-01T00:00:00Z")))).contains("I live in Leeds.").doesNotContain("I live in York now.");

        // the lineage of the old fact: the event it came from and the event that superseded it, both readable in the log
        String leeds = acme.search(where("2024-03-01T00:00:00Z")).path("hits").path(0).path("record_id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> "superseded".equals(acme.lineage("fact-user", leeds).path("state").asText()));
        JsonNode lineage = acme.lineage("fact-user", leeds);
        assertThat(lineage.path("derived_by").path("rule").asText()).isEqualTo("explicit");
        assertThat(lineage.path("versions").findValuesAsText("change")).containsExactly("DERIVED", "SUPERSEDED");
        assertThat(lineage.path("superseded_by").path("text").asText()).isEqualTo("I live in York now.");
        JsonNode source = lineage.path("sources").path(0);
        assertThat(rawEventAt(source.path("log"))).as("the raw event at the source's log position")
                .contains(source.path("event_id").asText());
        JsonNode superseding = lineage.path("versions").path(1).path("derived_while");
        assertThat(superseding.path("topic").asText()).isEqualTo("memory.events");
        JsonNode york = acme.lineage("fact-user", lineage.path("superseded_by").path("record_id").asText());
        assertThat(superseding).as("superseded while the new fact's event was consolidated")
                .isEqualTo(york.path("sources").path(0).path("log"));
        assertThat(rawEventAt(superseding)).contains(york.path("sources").path(0).path("event_id").asText());
        assertThat(lineage.path("versions").path(1).path("log").path("topic").asText()).isEqualTo("memory.records");

        JsonNode pack = acme.context(Json.mapper().createObjectNode().put("query", "what should I cook tonight?")
                .put("user_id", "fact-user").put("budget_tokens", 200));
        assertThat(pack.path("context").asText()).startsWith("## Instructions\n- Always answer in French.");
    }

    /** The raw value of the record at a log position, as text: event ids are never sealed. */
    static String rawEventAt(JsonNode position) {
        var partition = new org.apache.kafka.common.TopicPartition(position.path("topic").asText(), position.path("partition").asInt());
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(java.util.Map.of(
                "bootstrap.servers", stack.kafkaBootstrapServers(), "isolation.level", "read_committed"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.assign(java.util.List.of(partition));
            consumer.seek(partition, position.path("offset").asLong());
            for (var record : consumer.poll(Duration.ofSeconds(10))) {
                return record.offset() == position.path("offset").asLong()
                        ? new String(record.value(), java.nio.charset.StandardCharsets.ISO_8859_1) : "";
            }
            return "";
        }
    }

    static ObjectNode turn(String user, String content, String timestamp, String spot) {
        ObjectNode batch = Json.mapper().createObjectNode();
        ObjectNode t = batch.putArray("turns").addObject().put("user_id", user).put("session_id", user + "-s1")
                .put("role", "user").put("content", content).put("timestamp", timestamp);
        if (spot != null) {
            t.putObject("metadata").put("spot", spot);
        }
        return batch;
    }

    static JsonNode keyQuery(String spot) throws IOException {
        ObjectNode request = Json.mapper().createObjectNode().put("query", "where is the spare key?").put("user_id", "strength-user")
                .put("k", 2);
        if (spot != null) {
            request.putObject("metadata").put("spot", spot);
        }
        return acme.search(request).path("hits");
    }

    @Test
    void aMemoryRetrievedRepeatedlyOutranksAnEquallySimilarOneThatNeverWas() throws Exception {
        String observed = Instant.now().minus(Duration.ofDays(200)).toString();
        String blue = recordId(acme.appendTurns(turn("strength-user", "The spare key is under the flowerpot by the blue door.",
                observed, "blue")));
        String red = recordId(acme.appendTurns(turn("strength-user", "The spare key is under the flowerpot by the red door.",
                observed, "red")));
        // the user is back today: their clock runs to now, and the two notes are 200 days old by it
        acme.appendTurns(turn("strength-user", "Back from a long trip.", Instant.now().toString(), "trip"));
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("strength-user") == 3);

        // five retrievals of the red one only (a filter keeps the blue one out of them)
        for (int i = 0; i < 5; i++) {
            assertThat(keyQuery("red").findValuesAsText("record_id")).containsExactly(red);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.history("strength-user", red).path("strength").path("use_count").asInt() == 5);
        assertThat(acme.history("strength-user", blue).path("strength").isMissingNode()).as("never used: no use history").isTrue();

        JsonNode hits = keyQuery(null);
        assertThat(hits.findValuesAsText("record_id")).startsWith(red, blue);
        double redStrength = hits.get(0).path("explanation").path("strength").asDouble();
        double blueStrength = hits.get(1).path("explanation").path("strength").asDouble();
        assertThat(redStrength).isGreaterThan(blueStrength + 0.1);
    }

    @Test
    void aForgottenMemoryLeavesRetrievalButItsHistorySaysItExistedAndWhyItWent() throws Exception {
        String chatter = recordId(acme.appendTurns(turn("forget-user", "Okay, sounds good to me.", "2020-01-01T10:00:00Z", null)));
        String kept = recordId(acme.appendTurns(turn("forget-user", "Remember: the ladder is in the garage.",
                "2020-01-01T10:01:00Z", null)));
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("forget-user") == 2);
        // a year and a half of the owner's time later, the small talk has faded
        acme.appendTurns(turn("forget-user", "Back again after a long break.", "2021-07-01T10:00:00Z", null));

        await().atMost(Duration.ofSeconds(60)).until(() -> "FORGOTTEN".equals(acme.history("forget-user", chatter).path("versions").path(1)
                .path("change").asText()));
        JsonNode history = acme.history("forget-user", chatter);
        assertThat(history.path("live").asBoolean()).isFalse();
        assertThat(history.path("versions").get(0).path("text").asText()).isEqualTo("Okay, sounds good to me.");
        assertThat(history.path("versions").get(1).path("change_reason").asText()).startsWith("strength fell below 0.05");
        assertThat(history.path("strength").path("forgotten_at").isNull()).isFalse();
        // the live index catches up within its refresh interval
        await().atMost(Duration.ofSeconds(30)).until(() -> !smallTalkSearch().contains(chatter));
        assertThat(smallTalkSearch()).contains(kept);
        // and the strength index, refreshed on its own
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(acme.stats("forget-user").path("forgotten").asLong()).isEqualTo(1));
        assertThat(acme.count("forget-user")).isEqualTo(2);
    }

    @Test
    void aDeletedMemoryLeavesRetrievalForGoodAndItsHistoryAndTheAuditSayWhoDeletedIt() throws Exception {
        ObjectNode said = turn("delete-user", "My locker code at the gym is 4471.", "2024-05-01T10:00:00Z", null);
        JsonNode appended = acme.appendTurns(said);
        String secret = recordId(appended);
        recordId(acme.appendTurns(turn("delete-user", "My gym is the one on Elm Street.", "2024-05-01T10:01:00Z", null)));
        await().atMost(Duration.ofSeconds(60)).until(() -> lockerSearch().contains(secret));

        JsonNode accepted = acme.delete("delete-user", secret, "the user asked to forget it");
        assertThat(accepted.path("record_id").asText()).isEqualTo(secret);
        await().atMost(Duration.ofSeconds(60)).until(() -> !lockerSearch().contains(secret));
        await().atMost(Duration.ofSeconds(30)).until(() -> "DELETED".equals(acme.history("delete-user", secret)
                .path("versions").path(1).path("change").asText()));
        JsonNode history = acme.history("delete-user", secret);
        assertThat(history.path("live").asBoolean()).isFalse();
        JsonNode deletion = history.path("versions").get(1);
        assertThat(deletion.path("deleted_by").asText()).startsWith("acme:");
        assertThat(deletion.path("change_reason").asText()).endsWith(": the user asked to forget it");
        assertThat(history.has("strength")).as("no use history is kept for it").isFalse();

        // the same turn appended again by a retrying agent does not bring it back: a turn after it is searchable, so the
        // retry has been through consolidation (an owner's events are taken in order)
        ((ObjectNode) said.path("turns").get(0)).put("event_id", appended.path("event_ids").get(0).asText());
        acme.appendTurns(said);
        String after = recordId(acme.appendTurns(turn("delete-user", "My locker at the gym is number 12.",
                "2024-05-01T10:02:00Z", null)));
        await().atMost(Duration.ofSeconds(60)).until(() -> lockerSearch().contains(after));
        assertThat(lockerSearch()).doesNotContain(secret);

        var registry = new dev.memlog.schemas.registry.SchemaRegistryClient(stack.registryUrl(), stack.serviceToken().authorization());
        var props = new java.util.Properties();
        props.put("bootstrap.servers", stack.kafkaBootstrapServers());
        props.put("group.id", "audit-reader-" + System.nanoTime());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        var audit = dev.memlog.schemas.Topics.MEMORY_AUDIT;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(props, audit.keySerde().deserializer(),
                audit.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(registry)).deserializer())) {
            consumer.subscribe(List.of(audit.name()));
            List<dev.memlog.schemas.avro.AuditEntry> entries = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> entries.add(r.value()));
                return entries.stream().anyMatch(e -> e.getTarget().equals(secret));
            });
            var entry = entries.stream().filter(e -> e.getTarget().equals(secret)).findFirst().orElseThrow();
            assertThat(entry.getTenantId()).isEqualTo("acme");
            assertThat(entry.getActor()).isEqualTo(deletion.path("deleted_by").asText());
            assertThat(entry.getEventId()).isEqualTo(accepted.path("event_id").asText());
            assertThat(entry.toString()).as("the audit names the memory, never its content").doesNotContain("4471");
        }
    }

    static List<String> lockerSearch() throws IOException {
        return acme.search(Json.mapper().createObjectNode().put("query", "locker code at the gym").put("user_id", "delete-user")
                .put("reinforce", false)).path("hits").findValuesAsText("record_id");
    }

    static List<String> smallTalkSearch() throws IOException {
        return acme.search(Json.mapper().createObjectNode().put("query", "okay, sounds good").put("user_id", "forget-user")
                .put("reinforce", false)).path("hits").findValuesAsText("record_id");
    }

    /** The record id of the one turn a batch appended. */
    static String recordId(JsonNode appended) {
        return dev.memlog.consolidation.EpisodeRecorder.recordId("acme", appended.path("event_ids").get(0).asText(),
                dev.memlog.schemas.avro.MemoryTier.EPISODIC);
    }

    static ObjectNode where(String asOf) {
        ObjectNode request = Json.mapper().createObjectNode().put("query", "where do I live?").put("user_id", "fact-user");
        return asOf == null ? request : request.put("as_of", asOf);
    }

    static List<String> texts(JsonNode response) {
        return response.path("hits").findValuesAsText("text");
    }

    @Test
    void aHistoryFromThreeYearsAgoIsStillThereAfterItIsSearchedAndCheckedForForgetting() throws Exception {
        String owner = "backfill-user";
        ObjectNode batch = Json.mapper().createObjectNode();
        var history = batch.putArray("turns");
        String[][] said = {
            {"2023-01-10T09:00:00Z", "Okay, sounds good to me."},
            {"2023-01-10T09:01:00Z", "I live in Leeds with my partner Sam."},
            {"2023-03-02T18:00:00Z", "My daughter Ines started violin lessons this week."},
            {"2023-06-15T12:00:00Z", "We are planning a trip to Kyoto in October."},
            {"2023-09-01T08:30:00Z", "I am allergic to shellfish, so no prawns please."},
            {"2023-12-20T19:00:00Z", "I adopted a cat called Miso."},
            {"2023-12-20T19:05:00Z", "Miso sleeps on the piano all day."},
            {"2023-12-21T10:00:00Z", "See you after the holidays."}};
        for (String[] turn : said) {
            history.addObject().put("user_id", owner).put("session_id", owner + "-" + turn[0].substring(0, 10)).put("role", "user")
                    .put("content", turn[1]).put("timestamp", turn[0]);
        }
        List<String> events = ids(acme.appendTurns(batch));
        await().atMost(Duration.ofSeconds(90)).until(() -> acme.stats(owner).path("records").asLong() >= said.length);

        // the agent searches the history today, and reports uses dated hours after the history ends: several checks
        JsonNode hits = acme.search(Json.mapper().createObjectNode().put("query", "what pets does the family have?")
                .put("user_id", owner).put("k", 10)).path("hits");
        assertThat(hits.findValuesAsText("text")).anyMatch(t -> t.contains("Miso"));
        for (int hour = 1; hour <= 4; hour++) {
            acme.feedback(Json.mapper().createObjectNode().put("user_id", owner).put("signal", "used")
                    .put("timestamp", Instant.parse("2023-12-21T10:00:00Z").plus(Duration.ofHours(hour)).toString())
                    .set("record_ids", Json.mapper().createArrayNode().add(hits.get(0).path("record_id").asText())));
        }
        String used = hits.get(0).path("record_id").asText();
        // consolidation has taken the search and the four reports through its checks once the last one shows
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.history(owner, used).path("strength").path("used").asInt() == 4);

        // the January small talk had faded by the owner's own summer; everything else is as December 2023 left it. Its
        // forgotten version is indexed in a batch of its own, which may land just after the strengths above
        await().atMost(Duration.ofSeconds(30)).until(() -> acme.stats(owner).path("forgotten").asLong() >= 1);
        assertThat(acme.stats(owner).path("forgotten").asLong()).isEqualTo(1);
        for (int i = 1; i < events.size(); i++) {
            String recordId = dev.memlog.consolidation.EpisodeRecorder.recordId("acme", events.get(i),
                    dev.memlog.schemas.avro.MemoryTier.EPISODIC);
            assertThat(acme.history(owner, recordId).path("live").asBoolean()).as(said[i][1]).isTrue();
        }
        assertThat(acme.history(owner, dev.memlog.consolidation.EpisodeRecorder.recordId("acme", events.getFirst(),
                dev.memlog.schemas.avro.MemoryTier.EPISODIC)).path("live").asBoolean()).isFalse();
    }

    @Test
    void whatOwnersSayIsSealedInEveryTopicChangelogAndStateFileWhileSearchStillFindsIt() throws Exception {
        // distinctive strings in a turn's words, its speaker, an explicit memory and a query: none may rest in the clear
        List<String> secrets = List.of("Quokkafjord", "Marzipanwolf", "Xylobranch", "Zephyrquill");
        String owner = "sealed-owner-4417";
        var batch = Json.mapper().createObjectNode();
        batch.putArray("turns").addObject().put("user_id", owner).put("session_id", owner + "-s1").put("role", "user")
                .put("content", "My cat is called " + secrets.get(0) + " and sleeps on the boiler")
                .putObject("metadata").put("speaker", secrets.get(1)); // said now, as the explicit memory is: one timeline
        acme.appendTurns(batch);
        acme.remember(Json.mapper().createObjectNode().put("user_id", owner)
                .put("content", "Always greet me with " + secrets.get(2)));
        await().atMost(Duration.ofSeconds(90)).until(() -> acme.count(owner) >= 2);
        JsonNode hits = acme.search(Json.mapper().createObjectNode().put("query", "what is my cat called " + secrets.get(3))
                .put("user_id", owner).put("k", 5)).path("hits");
        assertThat(hits.toString()).as("encryption is invisible to the owner").contains(secrets.get(0));
        assertThat(acme.workingMemory(owner, owner + "-s1").toString()).contains(secrets.get(0));
        await().atMost(Duration.ofSeconds(30)).until(() -> PlaintextScan.recordValuesContaining(stack.kafkaBootstrapServers(),
                owner).contains("memory.access"));

        // every record of every topic, the changelogs included, decompressed: the owner's id is there, its words are not
        var byTopic = PlaintextScan.recordValuesContaining(stack.kafkaBootstrapServers(), owner);
        assertThat(byTopic).as("the scan reads the topics it should").contains("memory.events", "memory.records",
                "memory.access");
        for (String secret : secrets) {
            assertThat(PlaintextScan.recordValuesContaining(stack.kafkaBootstrapServers(), secret)).as(secret).isEmpty();
        }
        // and the files themselves: the broker's segments and consolidation's state directory
        for (String secret : secrets) {
            assertThat(PlaintextScan.filesContaining(List.of(dir.resolve("kafka"), dir.resolve("streams")), secret)).as(secret).isEmpty();
        }
    }
    static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + path)).header(ApiKeys.HEADER, ANALYST_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a replay and waits for it to finish; returns its last progress. */
    static JsonNode replay(String body) throws Exception {
        var started = admin("POST", "/v1/admin/replay", body);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = Json.mapper().readTree(started.body()).path("replay_id").asText();
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            last[0] = Json.mapper().readTree(admin("GET", "/v1/admin/replay/" + id, null).body());
            return last[0].path("finished_at").isTextual();
        });
        assertThat(last[0].path("state").asText()).as(last[0].toString()).isEqualTo("done");
        return last[0];
    }

    /** Every partition's end offset, of every topic but Kafka's own. */
    static Map<org.apache.kafka.common.TopicPartition, Long> endOffsets() throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()))) {
            var topics = admin.listTopics().names().get().stream().filter(t -> !t.startsWith("__")).toList();
            var latest = new java.util.HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>();
            admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions().forEach(p -> latest.put(
                    new org.apache.kafka.common.TopicPartition(name, p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest())));
            var out = new java.util.HashMap<org.apache.kafka.common.TopicPartition, Long>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    /** The record ids of replay-user an index holds: valid now, or in the as-of index in effect and valid at {@code at}. */
    static java.util.Set<String> indexed(String index, String at) throws Exception {
        var body = Json.mapper().createObjectNode().put("size", 1000);
        var filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("user_id", "replay-user");
        if (at == null) {
            filter.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        } else {
            long t = Instant.parse(at).toEpochMilli();
            filter.addObject().putObject("range").putObject("in_effect_from").put("lte", t);
            var open = filter.addObject().putObject("bool").put("minimum_should_match", 1).putArray("should");
            open.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "in_effect_to");
            open.addObject().putObject("range").putObject("in_effect_to").put("gt", t);
        }
        var response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.openSearchUrl() + "/" + index + "/_search"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        var out = new java.util.TreeSet<String>();
        Json.mapper().readTree(response.body()).path("hits").path("hits").forEach(h -> out.add(h.path("_source").path("record_id").asText()));
        return out;
    }

    static void refresh() throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(stack.openSearchUrl() + "/memlog-records*/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aReplayUpToAMomentKnowsExactlyWhatAsOfSaysWasKnownThenAndWritesToNoTopicOrIndexButItsOwn() throws Exception {
        // a home that changes on 3 May 2023, turns before and after it, a fact the rules find in a turn
        acme.remember(Json.mapper().createObjectNode().put("user_id", "replay-user").put("content", "I live in Leeds.")
                .put("timestamp", "2023-05-01T09:00:00Z"));
        ObjectNode early = Json.mapper().createObjectNode();
        var turns = early.putArray("turns");
        for (String[] t : new String[][] {{"We planted tomatoes in the garden today.", "2023-05-01T09:01:00Z"},
                {"My sister is called Maja and she teaches chemistry.", "2023-05-01T09:02:00Z"},
                {"The tomatoes need watering every evening.", "2023-05-02T09:03:00Z"}}) {
            turns.addObject().put("user_id", "replay-user").put("session_id", "replay-s1").put("role", "user")
                    .put("content", t[0]).put("timestamp", t[1]);
        }
        acme.appendTurns(early);
        acme.remember(Json.mapper().createObjectNode().put("user_id", "replay-user").put("content", "I live in York now.")
                .put("timestamp", "2023-05-03T10:00:00Z"));
        acme.appendTurns(turn("replay-user", "I started a new job at the library.", "2023-05-05T08:00:00Z", null));
        await().atMost(Duration.ofSeconds(60)).until(() -> texts(acme.search(Json.mapper().createObjectNode()
                .put("query", "where do I work now?").put("user_id", "replay-user"))).contains("I started a new job at the library."));
        String until = "2023-05-04T00:00:00Z";
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            refresh();
            return indexed("memlog-records-asof", until).size() >= 5;
        });
        var before = endOffsets();
        refresh();
        var liveBefore = indexed("memlog-records", null);

        JsonNode done = replay("{\"user_id\":\"replay-user\",\"until\":\"" + until + "\"}");

        JsonNode diff = done.path("diff");
        assertThat(diff.path("only_in_replay_count").asLong()).as(diff.toString()).isZero();
        assertThat(diff.path("only_in_reference_count").asLong()).as(diff.toString()).isZero();
        assertThat(diff.path("changed_count").asLong()).as(diff.toString()).isZero();
        assertThat(done.path("replayed").asLong()).as("the inputs up to the moment: the turn of 5 May is after it").isEqualTo(5);
        assertThat(done.path("events").asLong()).isEqualTo(done.path("total").asLong());
        String scratch = done.path("scratch_index").asText();
        var replayed = indexed(scratch, null);
        assertThat(replayed).as("the replay holds exactly the ids as of the moment").isEqualTo(indexed("memlog-records-asof", until))
                .hasSizeGreaterThanOrEqualTo(5);
        assertThat(diff.path("same").asLong()).isEqualTo(replayed.size());
        assertThat(endOffsets()).as("no topic written").isEqualTo(before);
        refresh();
        assertThat(indexed("memlog-records", null)).as("the live index as it was").isEqualTo(liveBefore);

        // with other rules: no facts drawn from turns, so the replay lacks the one the platform found
        JsonNode noFacts = replay("{\"user_id\":\"replay-user\",\"until\":\"" + until + "\",\"rules\":{\"FACT_EXTRACTOR\":\"none\"}}");
        assertThat(noFacts.path("diff").path("only_in_reference_count").asLong()).as(noFacts.toString()).isEqualTo(1);
        assertThat(noFacts.path("diff").path("only_in_reference").path(0).path("tier").asText()).isEqualTo("SEMANTIC");

        assertThat(admin("DELETE", "/v1/admin/replay/" + done.path("replay_id").asText(), null).statusCode()).isEqualTo(200);
        var gone = HTTP.send(HttpRequest.newBuilder(URI.create(stack.openSearchUrl() + "/" + scratch)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).as("the scratch index torn down").isEqualTo(404);
        assertThat(admin("GET", "/v1/admin/replay/" + done.path("replay_id").asText(), null).statusCode()).isEqualTo(404);
        var notARule = admin("POST", "/v1/admin/replay", "{\"user_id\":\"replay-user\",\"rules\":{\"KAFKA_BOOTSTRAP_SERVERS\":\"x:1\"}}");
        assertThat(notARule.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(notARule.body()).path("field").asText()).isEqualTo("rules.KAFKA_BOOTSTRAP_SERVERS");
        var agentsKey = HTTP.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/admin/replay")).header(ApiKeys.HEADER, ACME_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":\"replay-user\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(agentsKey.statusCode()).as("a key without the admin scope").isEqualTo(403);
    }
}
