package dev.memlog.faults;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The faults the platform must survive, each under a steady append load and each ending in an audit of what the load's
 * acknowledged events became: every one a searchable turn exactly once, every derived version committed once.
 */
public final class FaultScenarios implements AutoCloseable {
    /** Turns a second in each scenario's load: steady, and well within what consolidation keeps up with on two cores. */
    static final int RATE = 5;
    static final Duration SETTLE = Duration.ofSeconds(150);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final ProcessStack stack;
    private final Audit audit;
    private final Consumer<String> progress;

    public FaultScenarios(ProcessStack stack, Consumer<String> progress) {
        this.stack = stack;
        this.audit = new Audit(stack.openSearchUrl(), stack.bootstrapServers(), stack.registryUrl(), stack.encryption());
        this.progress = progress;
    }

    public Audit audit() {
        return audit;
    }

    @Override
    public void close() {
        audit.close();
    }

    /** Consolidation is killed with {@code kill -9} mid-load and started again on an empty state directory. */
    public ScenarioResult consolidationKilled() throws Exception {
        var load = new AppendLoad(stack.ingestUrl(), "t-consolidation", 6, 1).start(RATE);
        sleep(5);
        stack.killConsolidation(0);
        progress.accept("consolidation killed (kill -9)");
        sleep(5);
        load.stop();
        long repaired = System.nanoTime();
        stack.restartConsolidation(0, true);
        stack.awaitConsolidationReady(0);
        progress.accept("consolidation restarted on an empty state directory");
        return settle("consolidation-kill-9", "consolidation-streams killed with kill -9 mid-load, restarted on an empty state"
                + " directory (state restored from changelogs)", load, repaired, List.of());
    }

    /** The single broker is killed under load and started again: ingest answers 503 meanwhile, never anything else. */
    public ScenarioResult brokerRestarted() throws Exception {
        var load = new AppendLoad(stack.ingestUrl(), "t-broker", 6, 2).start(RATE);
        sleep(6);
        stack.kafka().kill(0);
        progress.accept("Kafka broker killed (kill -9)");
        List<String> problems = new ArrayList<>();
        sleep(4);
        if (status(stack.ingestUrl() + "/health/ready") != 503) {
            problems.add("ingest readiness did not go DOWN while Kafka was away");
        }
        sleep(6);
        long repaired = System.nanoTime();
        stack.kafka().restart(0);
        progress.accept("Kafka broker restarted");
        sleep(10);
        load.stop();
        if (!load.statuses().containsKey(503)) {
            problems.add("no append was answered 503 while Kafka was away");
        }
        if (load.unavailableWithoutIds() > 0) {
            problems.add(load.unavailableWithoutIds() + " answers 503 without the event ids to retry with");
        }
        return settle("broker-restart", "the only Kafka broker killed with kill -9 under load for 10 s, then restarted",
                load, repaired, problems);
    }

    /**
     * OpenSearch is down for longer than the materializer's poll interval (the stack sets it short), then back: the
     * materializer resumes by itself, query-service is never restarted.
     */
    public ScenarioResult openSearchStopped(Duration pollInterval) throws Exception {
        long queryPid = stack.query().pid();
        var load = new AppendLoad(stack.ingestUrl(), "t-opensearch", 6, 3).start(RATE);
        sleep(5);
        stack.killOpenSearch();
        progress.accept("OpenSearch killed (kill -9)");
        List<String> problems = new ArrayList<>();
        Thread.sleep(pollInterval.multipliedBy(2).toMillis());
        if (status(stack.queryUrl() + "/health/ready") != 503) {
            problems.add("query-service readiness did not go DOWN while OpenSearch was away");
        }
        if (status(stack.queryUrl() + "/health/live") != 200) {
            problems.add("query-service liveness went DOWN though the materializer keeps retrying");
        }
        long repaired = System.nanoTime();
        stack.startOpenSearch();
        progress.accept("OpenSearch started again");
        sleep(5);
        load.stop();
        var result = settle("opensearch-outage", "OpenSearch killed under load for " + pollInterval.multipliedBy(2).toSeconds()
                + " s, twice the materializer's max.poll.interval.ms, then started again", load, repaired, problems);
        if (stack.query().pid() != queryPid || !stack.query().alive()) {
            return withProblem(result, "query-service had to be restarted");
        }
        return result;
    }

    /** query-service is killed with {@code kill -9} mid-load and started again: nothing indexed twice, nothing missing. */
    public ScenarioResult queryServiceKilled() throws Exception {
        var load = new AppendLoad(stack.ingestUrl(), "t-query", 6, 4).start(RATE);
        sleep(5);
        stack.query().kill();
        progress.accept("query-service killed (kill -9)");
        sleep(3);
        load.stop();
        long repaired = System.nanoTime();
        stack.query().restart();
        stack.query().awaitHttp200(stack.queryUrl() + "/health/ready", ProcessStack.READY);
        progress.accept("query-service restarted");
        return settle("query-service-kill-9", "query-service killed with kill -9 mid-load, restarted", load, repaired, List.of());
    }

    /**
     * Records no version of the platform can use, on every input topic, amid a load on the same partitions: each is a
     * dead letter with its reason, and the partitions go on.
     */
    public ScenarioResult poison() throws Exception {
        String tenant = "t-poison";
        var load = new AppendLoad(stack.ingestUrl(), tenant, 6, 5).start(RATE);
        sleep(3);
        List<String> problems = new ArrayList<>();
        var registry = new SchemaRegistryClient(stack.registryUrl(), dev.memlog.testkit.TestCredentials.serviceAuthorization());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        int before = audit.deadLetters(Topics.CONSOLIDATION_DEAD_LETTERS).size();
        int beforeIndex = audit.deadLetters(Topics.MATERIALIZER_DEAD_LETTERS).size();
        Set<String> poisonIds = new HashSet<>();
        int poisonSent = 0;
        try (var raw = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int owner = 0; owner < 6; owner++) {
                // the load's own owners: the poison sits on the partitions their turns go through
                String key = MemoryOwner.of(tenant, "user-" + owner, null).key();
                byte[] notAvro = "{\"content\":\"not avro\"}".getBytes(StandardCharsets.UTF_8);
                byte[] unknownSchema = {0, 0x7f, 0x7f, 0x7f, 0x7f, 2, 4, 6};
                for (String topic : List.of(Topics.MEMORY_EVENTS.name(), Topics.MEMORY_ACCESS.name(), Topics.MEMORY_RECORDS.name(),
                        Topics.MEMORY_STRENGTH.name())) {
                    raw.send(new ProducerRecord<>(topic, key, notAvro)).get();
                    raw.send(new ProducerRecord<>(topic, key, unknownSchema)).get();
                    poisonSent += 2;
                }
                // an event with a megabyte of content, written past ingest's limits
                String id = tenant + "-huge-" + owner;
                poisonIds.add(id);
                var huge = MemoryEvent.newBuilder().setEventId(id).setTenantId(tenant).setUserId("user-" + owner)
                        .setSessionId("session-" + owner).setKind(EventKind.TURN).setRole("user")
                        .setContent("a".repeat(1_000_000)).setOccurredAt(Instant.now()).setReceivedAt(Instant.now()).build();
                raw.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), null, Instant.now().toEpochMilli(), key,
                        Topics.MEMORY_EVENTS.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(registry)).serialize(huge))).get();
                // a record the index cannot take: its vector has the wrong dimension
                var misfit = MemoryRecord.newBuilder().setRecordId(tenant + "-misfit-" + owner).setTenantId(tenant)
                        .setUserId("user-" + owner).setSessionId("session-" + owner).setTier(MemoryTier.EPISODIC).setRole("user")
                        .setText("a vector of the wrong size").setEmbedding(List.of(1f, 0f)).setEmbeddingModel("bge-small-en-v1.5-q")
                        .setImportance(0.5).setObservedAt(Instant.now()).setCreatedAt(Instant.now()).setValidFrom(Instant.now())
                        .setProvenance(List.of(tenant + "-misfit-event-" + owner)).setVersion(1).build();
                raw.send(new ProducerRecord<>(Topics.MEMORY_RECORDS.name(), key,
                        Topics.MEMORY_RECORDS.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(registry)).serialize(misfit))).get();
                poisonSent += 2;
            }
        }
        // speakers whose names are regex replacement syntax, over HTTP like any agent: consolidated, not dead letters
        Set<String> hostile = new HashSet<>();
        String[] speakers = {"Ke$ha", "$1", "a\\b", "\\", "(.*)", "C:\\Users\\$0"};
        for (int i = 0; i < speakers.length; i++) {
            String id = tenant + "-speaker-" + i;
            var body = Json.mapper().createObjectNode().put("event_id", id).put("user_id", "user-" + i).put("session_id", "session-" + i)
                    .put("role", "user").put("content", "I am happy that I have a new job");
            body.putObject("metadata").put("speaker", speakers[i]);
            var response = post(stack.ingestUrl() + "/v1/turns", tenant, body.toString());
            if (response.statusCode() == 202) {
                hostile.add(id);
            } else {
                problems.add("speaker " + speakers[i] + " answered " + response.statusCode() + ": " + response.body());
            }
        }
        progress.accept(poisonSent + " poison records written to every input topic");
        sleep(6);
        load.stop();
        Set<String> acknowledged = new HashSet<>(load.acknowledged());
        acknowledged.addAll(hostile);
        long repaired = System.nanoTime();
        var result = settle("poison-records", "on every input topic, on the partitions of the load's owners: bytes that are not"
                + " Avro, an unknown schema id, a 1,000,000-character event written past ingest, a record the index refuses; and"
                + " turns from speakers named Ke$ha, $1, a\\b, \\, (.*)", load, acknowledged, repaired, problems);
        List<String> more = new ArrayList<>(result.problems());
        var letters = audit.deadLetters(Topics.CONSOLIDATION_DEAD_LETTERS);
        var indexLetters = audit.deadLetters(Topics.MATERIALIZER_DEAD_LETTERS);
        int consolidationLetters = letters.size() - before;
        int materializerLetters = indexLetters.size() - beforeIndex;
        if (consolidationLetters != 6 * 5) {
            more.add("consolidation wrote " + consolidationLetters + " dead letters, expected 30 (5 per owner: two on events, two on"
                    + " accesses, the huge event)");
        }
        if (materializerLetters != 6 * 5) {
            more.add("the materializer wrote " + materializerLetters + " dead letters, expected 30 (two on records, two on use"
                    + " histories, the misfit)");
        }
        if (letters.stream().skip(before).anyMatch(l -> l.message() == null || l.message().isBlank() || l.stage() == null)) {
            more.add("a dead letter without its reason");
        }
        if (letters.stream().skip(before).noneMatch(l -> l.message().contains("MAX_EVENT_CONTENT_CHARS"))) {
            more.add("the huge event's dead letter does not say why");
        }
        if (!audit.indexedTurnEvents(tenant).stream().filter(poisonIds::contains).toList().isEmpty()) {
            more.add("a poison event became a memory");
        }
        return new ScenarioResult(result.name(), result.fault(), result.events() + poisonSent + speakers.length,
                result.acknowledged(), result.derived(), result.lost(), result.duplicated(), result.recoverySeconds(),
                result.statuses(), more);
    }

    /** One node of three killed under load: appends go on being acknowledged, nothing acknowledged is lost. */
    public ScenarioResult brokerKilledInCluster() throws Exception {
        // the audit reads the key log from before the kill, as every service does: a reader that remembers the dead
        // broker as a leader must still find the log's end
        audit.open();
        var load = new AppendLoad(stack.ingestUrl(), "t-cluster-broker", 6, 6).start(RATE);
        sleep(5);
        stack.kafka().kill(1);
        long killedAt = System.currentTimeMillis();
        progress.accept("Kafka node 2 of 3 killed (kill -9)");
        // the controller fences a silent broker after its session (9 s) and takes it out of every ISR: appends that
        // waited for its acknowledgement complete, and new ones need only the two left
        sleep(25);
        long during = load.acknowledgedBetween(killedAt + 1000, System.currentTimeMillis());
        load.stop();
        long repaired = System.nanoTime();
        List<String> problems = new ArrayList<>();
        if (during < 25) {
            problems.add("only " + during + " appends acknowledged in the 24 s one node of three was down");
        }
        var result = settle("cluster-broker-kill-9", "one of three Kafka nodes (replication 3, min.insync.replicas 2) killed with"
                + " kill -9 under load for 25 s; " + during + " appends acknowledged while it was down", load, repaired, problems);
        stack.kafka().restart(1);
        return result;
    }

    /**
     * Two consolidation instances share the partitions; one is killed with {@code kill -9}: the survivor takes its tasks,
     * and working-memory reads are answered for every session, forwarded to the owner instance before and after.
     */
    public ScenarioResult consolidationInstanceKilled() throws Exception {
        String tenant = "t-cluster-consolidation";
        var load = new AppendLoad(stack.ingestUrl(), tenant, 8, 7).start(RATE);
        sleep(8);
        List<String> problems = new ArrayList<>(workingMemoryProblems(tenant, 8, "before the kill"));
        stack.killConsolidation(1);
        progress.accept("consolidation instance 2 of 2 killed (kill -9)");
        long repaired = System.nanoTime();
        sleep(10);
        load.stop();
        var result = settle("consolidation-instance-kill-9", "one of two consolidation instances sharing the partitions killed"
                + " with kill -9 under load; the survivor takes its tasks", load, repaired, problems);
        List<String> after = new ArrayList<>(result.problems());
        after.addAll(workingMemoryProblems(tenant, 8, "after the kill"));
        return new ScenarioResult(result.name(), result.fault(), result.events(), result.acknowledged(), result.derived(),
                result.lost(), result.duplicated(), result.recoverySeconds(), result.statuses(), after);
    }

    /**
     * Working memory through query-service for every owner of the load, as consolidation holds it: each session's latest
     * turns are exactly the newest of its turns in the records log, wherever its partition lives.
     */
    private List<String> workingMemoryProblems(String tenant, int owners, String when) throws Exception {
        List<String> problems = new ArrayList<>();
        // a session may be empty only if none of its turns was committed before it was read: a turn committed while
        // the reads go on is no fault
        var committedBefore = audit.committedRecords(tenant);
        Map<String, List<String>> served = new LinkedHashMap<>();
        for (int owner = 0; owner < owners; owner++) {
            String user = "user-" + owner;
            String session = "session-" + owner;
            var response = get(stack.queryUrl() + "/v1/working-memory?user_id=" + enc(user) + "&session_id=" + enc(session), tenant);
            if (response.statusCode() != 200) {
                problems.add(when + ": working memory of " + user + " answered " + response.statusCode() + ": " + response.body());
                continue;
            }
            served.put(user, Json.mapper().readTree(response.body()).path("turns").findValuesAsText("event_id"));
        }
        sleepMillis(1500); // what the stores hold is committed to the records log within a commit interval
        var committedAfter = audit.committedRecords(tenant);
        for (var entry : served.entrySet()) {
            String user = entry.getKey();
            String session = "session-" + user.substring("user-".length());
            long before = committedBefore.stream().filter(Audit.turnOf(user, session)).count();
            Set<String> known = new HashSet<>();
            committedAfter.stream().filter(Audit.turnOf(user, session)).forEach(r -> known.add(r.getProvenance().getFirst()));
            List<String> turns = entry.getValue();
            if (turns.isEmpty() && before > 0) {
                problems.add(when + ": working memory of " + user + " is empty though " + before + " of its turns were committed before it was read");
            } else if (!known.containsAll(turns)) {
                problems.add(when + ": working memory of " + user + " holds turns that are not its own: " + turns);
            }
        }
        return problems;
    }

    /** Waits until every acknowledged event is a searchable turn or {@link #SETTLE} passes, then audits. */
    private ScenarioResult settle(String name, String fault, AppendLoad load, long repairedNanos, List<String> problems) {
        return settle(name, fault, load, load.acknowledged(), repairedNanos, problems);
    }

    private ScenarioResult settle(String name, String fault, AppendLoad load, Set<String> acknowledged, long repairedNanos,
                                  List<String> problems) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline && !audit.allIndexed(load.tenant(), acknowledged)) {
            sleepMillis(500);
        }
        double recovery = (System.nanoTime() - repairedNanos) / 1e9;
        sleepMillis(3000); // a duplicate, were there one, has time to show
        var findings = audit.check(load.tenant(), acknowledged);
        List<String> all = new ArrayList<>(problems);
        all.addAll(load.violations());
        if (findings.lost() > 0) {
            all.add("lost, e.g. " + findings.lostIds().stream().limit(5).toList());
        }
        if (findings.duplicated() > 0) {
            all.add("duplicated, e.g. " + findings.duplicatedIds().stream().limit(5).toList());
        }
        progress.accept(String.format("%s: %d sent, %d acknowledged, %d searchable, %d lost, %d duplicated, recovered in %.1f s %s",
                name, load.sent().size(), findings.acknowledged(), findings.derived(), findings.lost(), findings.duplicated(),
                recovery, load.statuses()));
        return new ScenarioResult(name, fault, load.sent().size(), findings.acknowledged(), findings.derived(), findings.lost(),
                findings.duplicated(), Math.round(recovery * 10) / 10.0, load.statuses(), all);
    }

    private static ScenarioResult withProblem(ScenarioResult r, String problem) {
        List<String> problems = new ArrayList<>(r.problems());
        problems.add(problem);
        return new ScenarioResult(r.name(), r.fault(), r.events(), r.acknowledged(), r.derived(), r.lost(), r.duplicated(),
                r.recoverySeconds(), r.statuses(), problems);
    }

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> post(String url, String tenant, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header(ApiKeys.HEADER, ProcessStack.keyOf(tenant))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String tenant) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header(ApiKeys.HEADER, ProcessStack.keyOf(tenant))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static void sleep(int seconds) {
        sleepMillis(seconds * 1000L);
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
