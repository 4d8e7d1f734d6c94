package dev.memlog.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady append load as agents produce it: an open model (turns are sent at a fixed rate whatever the answers, so a
 * slow platform shows as queueing, not as fewer requests), each turn with the agent's own event id, single turns and
 * small batches, and every append the log did not acknowledge retried with the same ids, as the API asks. It keeps the
 * ledger the scenarios audit: what was sent, what was acknowledged, and every answer by status.
 */
public final class AppendLoad implements AutoCloseable {
    private static final String[] SUBJECTS = {"my sister", "my neighbour", "our team lead", "my partner", "the landlord", "my son"};
    private static final String[] DOINGS = {"booked flights to Lisbon", "started learning the cello", "adopted a puppy called Biscuit",
            "moved the meeting to Thursday", "asked about the garden fence", "finished the quarterly report",
            "found a cheaper electricity plan", "is running a half marathon in May", "recommended a ramen place near the station"};
    private static final String[] SMALL_TALK = {"Okay, sounds good.", "Thanks!", "Haha, right.", "Sure, let's do that.", "See you later."};

    private final String ingestUrl;
    private final String tenant;
    private final int owners;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    private final Random random;
    private final AtomicInteger sequence = new AtomicInteger();
    private final Set<String> sent = new ConcurrentSkipListSet<>();
    private final Set<String> acknowledged = new ConcurrentSkipListSet<>();
    private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger unavailableWithoutIds = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final java.util.Queue<Long> ackTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean sending;

    /** @param owners how many users the load's agents speak for, each in a session of their own */
    public AppendLoad(String ingestUrl, String tenant, int owners, long seed) {
        this.ingestUrl = ingestUrl;
        this.tenant = tenant;
        this.owners = owners;
        this.random = new Random(seed);
    }

    /** Starts sending {@code perSecond} turns a second, one in five of them inside a batch of three. */
    public AppendLoad start(int perSecond) {
        sending = true;
        long periodMicros = 1_000_000L / perSecond;
        ticks.scheduleAtFixedRate(() -> {
            if (!sending) {
                return;
            }
            int n = sequence.incrementAndGet();
            List<ObjectNode> turns = new ArrayList<>();
            int size = n % 15 == 0 ? 3 : 1;
            for (int i = 0; i < size; i++) {
                turns.add(turn(n, i));
            }
            if (size > 1) {
                sequence.addAndGet(size - 1);
            }
            pending.incrementAndGet();
            Thread.ofVirtual().start(() -> {
                try {
                    append(turns, Instant.now().plus(Duration.ofSeconds(90)));
                } finally {
                    pending.decrementAndGet();
                }
            });
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
        return this;
    }

    private synchronized ObjectNode turn(int n, int i) {
        int owner = random.nextInt(owners);
        String content = random.nextInt(4) == 0 ? SMALL_TALK[random.nextInt(SMALL_TALK.length)]
                : "Today " + SUBJECTS[random.nextInt(SUBJECTS.length)] + " " + DOINGS[random.nextInt(DOINGS.length)] + " (note " + n + ").";
        String id = tenant + "-" + n + "-" + i;
        sent.add(id);
        return Json.mapper().createObjectNode().put("event_id", id).put("user_id", "user-" + owner)
                .put("session_id", "session-" + owner).put("role", random.nextBoolean() ? "user" : "assistant")
                .put("content", content);
    }

    /** Sends the turns until the log acknowledges them or the deadline passes; retries reuse the same event ids. */
    private void append(List<ObjectNode> turns, Instant deadline) {
        boolean batch = turns.size() > 1;
        String body;
        if (batch) {
            ObjectNode b = Json.mapper().createObjectNode();
            ArrayNode array = b.putArray("turns");
            turns.forEach(array::add);
            body = b.toString();
        } else {
            body = turns.getFirst().toString();
        }
        long backoff = 250;
        while (Instant.now().isBefore(deadline)) {
            try {
                var response = http.send(HttpRequest.newBuilder(URI.create(ingestUrl + (batch ? "/v1/turns/batch" : "/v1/turns")))
                        .header(ApiKeys.HEADER, ProcessStack.keyOf(tenant)).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                if (response.statusCode() == 202) {
                    turns.forEach(t -> acknowledged.add(t.path("event_id").asText()));
                    ackTimes.add(System.currentTimeMillis());
                    return;
                }
                if (response.statusCode() == 429) {
                    // over the tenant's rate: the agent waits and sends the same ids again, like after a 503
                } else if (response.statusCode() == 503) {
                    JsonNode error = Json.mapper().readTree(response.body());
                    if (!error.has(batch ? "event_ids" : "event_id")) {
                        unavailableWithoutIds.incrementAndGet();
                    }
                } else {
                    violations.add(response.statusCode() + " for " + body.substring(0, Math.min(120, body.length())) + ": "
                            + response.body());
                    return;
                }
            } catch (IOException e) {
                // ingest unreachable: the agent retries the same ids
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = Math.min(2000, backoff * 2);
        }
    }

    /** Stops sending new turns and waits until every append in flight was acknowledged or gave up. */
    public AppendLoad stop() {
        sending = false;
        ticks.shutdown();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return this;
    }

    public String tenant() {
        return tenant;
    }

    public Set<String> sent() {
        return Set.copyOf(sent);
    }

    public Set<String> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    /** Acknowledgements between two moments (epoch millis), for "appends kept succeeding". */
    public long acknowledgedBetween(long fromMillis, long toMillis) {
        return ackTimes.stream().filter(m -> m >= fromMillis && m < toMillis).count();
    }

    public Map<Integer, Integer> statuses() {
        Map<Integer, Integer> out = new java.util.TreeMap<>();
        statuses.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Answers other than 202 and 503, with what was sent: none is acceptable. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** 503s whose body did not give the event ids a retry needs. */
    public int unavailableWithoutIds() {
        return unavailableWithoutIds.get();
    }

    @Override
    public void close() {
        sending = false;
        ticks.shutdownNow();
    }
}
