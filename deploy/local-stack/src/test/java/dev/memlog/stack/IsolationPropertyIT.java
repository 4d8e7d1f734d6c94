package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Over random credentials (three tenants, each with an analyst's key, an agent's key, a key bound to one agent and a
 * write-only key), random owners, every read path and feedback, with and without a forged tenant: no answer holds a
 * memory of another tenant or of an owner the credential was not granted, no feedback reaches one, and a read the
 * credential may not make is a 403.
 * Every tenant has the same user and agent ids and the same words, so any leak would be found by any query.
 */
class IsolationPropertyIT {
    static final List<String> TENANTS = List.of("t1", "t2", "t3");
    static final HttpClient http = HttpClient.newHttpClient();
    /** Every memory's text carries where it belongs: [tenant/user/agent], "-" for none. */
    static final Pattern MARK = Pattern.compile("\\[(t\\d)/([^/\\]]+)/([^\\]]+)\\]");
    static Path dir;
    static LocalStack stack;
    /** Every memory seeded: its tenant, user, agent, session and record id (once known). */
    static final List<Seeded> seeded = new ArrayList<>();

    record Seeded(String tenant, String user, String agent, String session, String text) {
    }

    enum Kind { ANALYST, AGENT, BOUND, WRITER }

    /** A credential: whose, and what kind; BOUND acts for agent a1 and was granted user u2. */
    record Credential(String tenant, Kind kind) {
        String key() {
            return tenant + "-" + kind.name().toLowerCase() + "-key-0123456789abcdef";
        }

        /** Whether this credential may read the memories of the owner a request names. */
        boolean mayRead(String user, String agent, boolean wholeOwner) {
            return switch (kind) {
                case WRITER -> false;
                case ANALYST -> true;
                case AGENT -> user != null || agent != null;
                case BOUND -> wholeOwner ? (user == null ? "a1".equals(agent) : "u2".equals(user))
                        : "a1".equals(agent) || "u2".equals(user);
            };
        }

        /** Whether a memory may be in an answer to this credential. */
        boolean maySee(String tenant, String user, String agent) {
            return this.tenant.equals(tenant) && (kind != Kind.BOUND || "a1".equals(agent) || "u2".equals(user));
        }
    }

    /** An owner a request names: a user, an agent, both, or neither. */
    record Owner(String user, String agent) {
    }

    enum ReadPath { HYBRID, BM25, VECTOR, AS_OF, CONTEXT, HISTORY, STATS, WORKING_MEMORY, FEEDBACK }

    /** Tenant and record id of every memory an allowed feedback named under its own owner: only these may change. */
    static final java.util.Set<String> fedBack = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Where a request claims a tenant other than its credential's: nowhere, the body, a parameter, a header. */
    enum Forgery { NONE, BODY, PARAMETER, HEADER }

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("isolation-it");
        StringBuilder keys = new StringBuilder();
        for (String t : TENANTS) {
            keys.append(new Credential(t, Kind.ANALYST).key()).append('=').append(t).append(";scopes=read+feedback;reads=tenant\n");
            keys.append(new Credential(t, Kind.AGENT).key()).append('=').append(t).append('\n');
            keys.append(new Credential(t, Kind.BOUND).key()).append('=').append(t).append(";agent=a1;users=u2\n");
            keys.append(new Credential(t, Kind.WRITER).key()).append('=').append(t).append(";scopes=write\n");
        }
        var apiKeys = ApiKeys.load(keys.toString(), null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, apiKeys, Map.of("SUMMARIZER", "none", "FORGETTING", "false", "RATE_LIMIT_READS_PER_SECOND", "0")), line -> { });
        for (String t : TENANTS) {
            var writer = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential(t, Kind.AGENT).key());
            ObjectNode batch = Json.mapper().createObjectNode();
            var turns = batch.putArray("turns");
            String[][] owners = {{"u1", "a1"}, {"u1", "a2"}, {"u2", null}, {"u2", "a1"}, {null, "a2"}, {null, "a1"}};
            int minute = 0;
            for (String[] o : owners) {
                for (String words : List.of("the copper kettle sings at dawn", "the blue kite flew over the harbour")) {
                    String session = "s-" + o[0] + "-" + o[1];
                    String text = "Note [" + t + "/" + (o[0] == null ? "-" : o[0]) + "/" + (o[1] == null ? "-" : o[1]) + "]: " + words + ".";
                    ObjectNode turn = turns.addObject().put("session_id", session).put("role", "user").put("content", text)
                            .put("timestamp", Instant.parse("2024-06-01T10:00:00Z").plusSeconds(60L * minute++).toString());
                    if (o[0] != null) {
                        turn.put("user_id", o[0]);
                    }
                    if (o[1] != null) {
                        turn.put("agent_id", o[1]);
                    }
                    seeded.add(new Seeded(t, o[0], o[1], session, text));
                }
            }
            writer.appendTurns(batch);
            for (String user : List.of("u1", "u2")) {
                String text = "Always mention the kettle to [" + t + "/" + user + "/-].";
                writer.remember(Json.mapper().createObjectNode().put("user_id", user).put("content", text));
                seeded.add(new Seeded(t, user, null, null, text));
            }
        }
        for (String t : TENANTS) {
            var analyst = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential(t, Kind.ANALYST).key());
            long expected = seeded.stream().filter(s -> s.tenant().equals(t)).count();
            await().atMost(Duration.ofSeconds(120)).until(() -> analyst.stats(null).path("records").asLong() >= expected);
            assertThat(analyst.stats(null).path("records").asLong()).as("nothing derived beyond what was seeded").isEqualTo(expected);
        }
    }

    @AfterContainer
    static void stop() throws IOException {
        stack.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<Credential> credentials() {
        return Arbitraries.of(TENANTS).flatMap(t -> Arbitraries.of(Kind.class).map(k -> new Credential(t, k)));
    }

    @Provide
    Arbitrary<Owner> owners() {
        return Arbitraries.of(new Owner(null, null), new Owner("u1", null), new Owner("u2", null), new Owner("u3", null),
                new Owner(null, "a1"), new Owner(null, "a2"), new Owner("u1", "a1"), new Owner("u1", "a2"),
                new Owner("u2", "a1"));
    }

    @Provide
    Arbitrary<Seeded> anyMemory() {
        return Arbitraries.of(seeded);
    }

    @Property(tries = 300)
    void noAnswerHoldsAnotherTenantsOrAnUngrantedOwnersMemory(@ForAll("credentials") Credential credential,
                                                             @ForAll("owners") Owner owner, @ForAll ReadPath path,
                                                             @ForAll Forgery forgery, @ForAll("anyMemory") Seeded target)
            throws Exception {
        String forged = TENANTS.stream().filter(t -> !t.equals(credential.tenant())).findFirst().orElseThrow();
        HttpResponse<String> response = read(credential, owner, path, forgery, forged, target);
        boolean whole = path == ReadPath.WORKING_MEMORY;
        boolean allowed = credential.mayRead(owner.user(), owner.agent(), whole)
                && !(path == ReadPath.WORKING_MEMORY && owner.user() == null && owner.agent() == null)
                && !(path == ReadPath.FEEDBACK && (owner.user() == null && owner.agent() == null));
        if (!allowed) {
            assertThat(response.statusCode()).as("%s %s for %s: %s", path, owner, credential, response.body()).isIn(400, 403);
            return;
        }
        if (path == ReadPath.FEEDBACK) {
            assertThat(response.statusCode()).as("feedback on %s naming %s for %s: %s", target, owner, credential, response.body())
                    .isEqualTo(202);
            // a report reaches the named owner's memories (a user's across agents, an agent's own), and only those the
            // credential may see: a key bound to an agent never reaches another agent's share of a user not granted it
            if (credential.tenant().equals(target.tenant()) && credential.maySee(target.tenant(), target.user(), target.agent())
                    && (owner.user() != null ? owner.user().equals(target.user())
                    : target.user() == null && owner.agent().equals(target.agent()))) {
                fedBack.add(target.tenant() + "|" + recordIdOf(target));
            }
            return;
        }
        if (path == ReadPath.HISTORY) {
            boolean own = credential.maySee(target.tenant(), target.user(), target.agent())
                    && (owner.user() == null || owner.user().equals(target.user()))
                    && (owner.agent() == null || owner.agent().equals(target.agent()))
                    && (owner.user() != null || owner.agent() == null || target.user() == null);
            assertThat(response.statusCode()).as("history of %s for %s naming %s: %s", target, credential, owner, response.body())
                    .isEqualTo(own ? 200 : 404);
        } else {
            assertThat(response.statusCode()).as("%s %s for %s: %s", path, owner, credential, response.body()).isEqualTo(200);
        }
        JsonNode body = response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : Json.mapper().createObjectNode();
        if (path == ReadPath.STATS) {
            long expected = seeded.stream().filter(s -> s.tenant().equals(credential.tenant()))
                    .filter(s -> owner.user() == null || owner.user().equals(s.user()))
                    .filter(s -> owner.agent() == null || owner.agent().equals(s.agent())).count();
            assertThat(body.path("records").asLong()).as("stats %s for %s", owner, credential).isEqualTo(expected);
            return;
        }
        List<String> texts = new ArrayList<>(body.findValuesAsText("text"));
        if (body.has("context")) {
            texts.add(body.path("context").asText());
        }
        for (String text : texts) {
            Matcher m = MARK.matcher(text);
            while (m.find()) {
                String user = m.group(2).equals("-") ? null : m.group(2);
                String agent = m.group(3).equals("-") ? null : m.group(3);
                assertThat(credential.maySee(m.group(1), user, agent))
                        .as("%s %s for %s returned %s", path, owner, credential, m.group()).isTrue();
                assertThat(owner.user() == null || owner.user().equals(user))
                        .as("%s naming %s returned %s", path, owner, m.group()).isTrue();
                assertThat(owner.agent() == null || owner.agent().equals(agent))
                        .as("%s naming %s returned %s", path, owner, m.group()).isTrue();
            }
        }
    }

    static HttpResponse<String> read(Credential credential, Owner owner, ReadPath path, Forgery forgery, String forged,
                                     Seeded target) throws Exception {
        ObjectNode body = Json.mapper().createObjectNode().put("query", "copper kettle at dawn").put("k", 20).put("reinforce", false);
        if (owner.user() != null) {
            body.put("user_id", owner.user());
        }
        if (owner.agent() != null) {
            body.put("agent_id", owner.agent());
        }
        switch (path) {
            case BM25 -> body.put("mode", "bm25");
            case VECTOR -> body.put("mode", "vector");
            case AS_OF -> body.put("as_of", Instant.now().toString());
            case CONTEXT -> body.put("budget_tokens", 2000).put("neighbours", true);
            default -> {
            }
        }
        if (forgery == Forgery.BODY) {
            body.put("tenant_id", forged).put("tenant", forged);
        }
        StringBuilder query = new StringBuilder();
        if (owner.user() != null) {
            query.append("&user_id=").append(owner.user());
        }
        if (owner.agent() != null) {
            query.append("&agent_id=").append(owner.agent());
        }
        if (forgery == Forgery.PARAMETER) {
            query.append("&tenant=").append(forged).append("&tenant_id=").append(forged);
        }
        String base = stack.queryUrl();
        HttpRequest.Builder request = switch (path) {
            case HYBRID, BM25, VECTOR, AS_OF -> HttpRequest.newBuilder(URI.create(base + "/v1/search?" + query))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
            case CONTEXT -> HttpRequest.newBuilder(URI.create(base + "/v1/context?" + query))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
            case STATS -> HttpRequest.newBuilder(URI.create(base + "/v1/stats?" + query)).GET();
            case HISTORY -> HttpRequest.newBuilder(URI.create(base + "/v1/memories/"
                    + URLEncoder.encode(recordIdOf(target), StandardCharsets.UTF_8) + "/history?" + query)).GET();
            case WORKING_MEMORY -> HttpRequest.newBuilder(URI.create(base + "/v1/working-memory?session_id=s-"
                    + owner.user() + "-" + owner.agent() + query)).GET();
            case FEEDBACK -> {
                ObjectNode report = body.deepCopy().put("signal", "used");
                report.remove(List.of("query", "k", "reinforce"));
                report.putArray("record_ids").add(recordIdOf(target));
                yield HttpRequest.newBuilder(URI.create(base + "/v1/feedback?" + query))
                        .POST(HttpRequest.BodyPublishers.ofString(report.toString()));
            }
        };
        request.header(ApiKeys.HEADER, credential.key()).header("Content-Type", "application/json");
        if (forgery == Forgery.HEADER) {
            request.header("X-Tenant-Id", forged).header("X-Tenant", forged);
        }
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * After every try: feedback reached only memories it was allowed to name. One more allowed report first shows that
     * feedback does reach a memory, so an absence below means something.
     */
    @AfterProperty
    void feedbackChangedNoMemoryItWasNotAllowedToName() throws Exception {
        // a key bound to agent a1 names its own share of u1, and reports on what u1 told a2: it must reach nothing
        Seeded toOtherAgent = seeded.stream().filter(m -> m.tenant().equals("t1") && "u1".equals(m.user()) && "a2".equals(m.agent()))
                .findFirst().orElseThrow();
        var bound = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential("t1", Kind.BOUND).key());
        var crossing = Json.mapper().createObjectNode().put("user_id", "u1").put("agent_id", "a1").put("signal", "not_useful");
        crossing.putArray("record_ids").add(recordIdOf(toOtherAgent));
        bound.feedback(crossing);
        // then a report that may reach its memory: in the same owner's partition, so once it shows, the first was taken
        Seeded probe = seeded.stream().filter(m -> m.tenant().equals("t1") && "u1".equals(m.user()) && "a1".equals(m.agent()))
                .findFirst().orElseThrow();
        String probeId = recordIdOf(probe);
        var agent = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential("t1", Kind.AGENT).key());
        var report = Json.mapper().createObjectNode().put("user_id", "u1").put("signal", "used");
        report.putArray("record_ids").add(probeId);
        agent.feedback(report);
        fedBack.add("t1|" + probeId);
        var analyst = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential("t1", Kind.ANALYST).key());
        await().atMost(Duration.ofSeconds(60)).until(() -> feedbackCount(analyst, probe, probeId) > 0);
        for (Seeded memory : seeded) {
            String id = recordIdOf(memory);
            var own = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential(memory.tenant(), Kind.ANALYST).key());
            if (!fedBack.contains(memory.tenant() + "|" + id)) {
                assertThat(feedbackCount(own, memory, id)).as("feedback reached %s, which no allowed report named", memory).isZero();
            }
        }
    }

    /** Uses and not-useful reports of one memory, as its history says. */
    static long feedbackCount(MemoryClient analyst, Seeded memory, String recordId) throws IOException {
        JsonNode history = memory.user() != null ? analyst.history(memory.user(), recordId)
                : analyst.historyOfAgent(memory.agent(), recordId);
        JsonNode strength = history.path("strength");
        return strength.path("used").asLong() + strength.path("not_useful").asLong();
    }

    /** Record ids found so far: a seeded memory's id never changes, so each is searched for once. */
    static final Map<Seeded, String> recordIds = new java.util.concurrent.ConcurrentHashMap<>();

    /** The record id of a seeded memory, found by its text through its own tenant's analyst. */
    static String recordIdOf(Seeded memory) throws IOException {
        String known = recordIds.get(memory);
        if (known == null) {
            known = findRecordId(memory);
            recordIds.put(memory, known);
        }
        return known;
    }

    static String findRecordId(Seeded memory) throws IOException {
        var analyst = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), new Credential(memory.tenant(), Kind.ANALYST).key());
        ObjectNode find = Json.mapper().createObjectNode().put("query", memory.text()).put("k", 5).put("reinforce", false)
                .put("mode", "bm25");
        if (memory.user() != null) {
            find.put("user_id", memory.user());
        }
        if (memory.agent() != null) {
            find.put("agent_id", memory.agent());
        }
        for (JsonNode hit : analyst.search(find).path("hits")) {
            if (Objects.equals(hit.path("text").asText(), memory.text())) {
                return hit.path("record_id").asText();
            }
        }
        throw new IllegalStateException("seeded memory not found: " + memory);
    }
}
