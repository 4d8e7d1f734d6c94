package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.stack.locomo.LocomoFile;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ingests LoCoMo-format conversations over HTTP, one memory owner per conversation and each turn at its
 * session's date, waits until every turn is searchable, then asks questions and prints what memory returns.
 */
public final class Demo {
    private static final int BATCH = 200;

    private final MemoryClient client;
    private final PrintStream out;

    public Demo(MemoryClient client, PrintStream out) {
        this.client = client;
        this.out = out;
    }

    /** The owner id under which a conversation is stored. */
    public static String ownerOf(LocomoFile.Conversation conversation) {
        return conversation.sampleId();
    }

    /** Appends every turn of the conversation; event ids are derived from the turn ids, so a re-run duplicates nothing. */
    public int ingest(LocomoFile.Conversation conversation) throws IOException {
        ArrayNode pending = Json.mapper().createArrayNode();
        int sent = 0;
        for (var session : conversation.sessions()) {
            int i = 0;
            for (var turn : session.turns()) {
                ObjectNode t = pending.addObject();
                t.put("event_id", conversation.sampleId() + ":" + turn.diaId());
                t.put("user_id", ownerOf(conversation));
                t.put("session_id", "session_" + session.number());
                t.put("role", turn.speaker().equals(conversation.speakerA()) ? "user" : "assistant");
                String text = turn.imageCaption() == null ? turn.text() : turn.text() + " [shares a photo: " + turn.imageCaption() + "]";
                t.put("content", text);
                // turns keep their order within the session: one second apart from the session's start
                t.put("timestamp", session.startedAt().plusSeconds(i++).toString());
                t.putObject("metadata").put("speaker", turn.speaker()).put("dia_id", turn.diaId())
                        .put("session_date", session.dateText());
                if (pending.size() == BATCH) {
                    sent += flush(pending);
                }
            }
        }
        return sent + flush(pending);
    }

    private int flush(ArrayNode pending) throws IOException {
        if (pending.isEmpty()) {
            return 0;
        }
        ObjectNode batch = Json.mapper().createObjectNode();
        batch.set("turns", pending.deepCopy());
        int n = client.appendTurns(batch).path("event_ids").size();
        pending.removeAll();
        return n;
    }

    /**
     * Polls the counts until the owner has the expected number of memories, live or forgotten; returns how long it took.
     * Then waits until the count holds still for {@link #SETTLED}, so the facts and summaries derived with the last turns
     * are in too and every run asks the same memory.
     */
    public Duration awaitSearchable(String owner, long expected, Duration timeout) throws IOException, InterruptedException {
        long started = System.nanoTime();
        long seen = -1;
        Duration reached = null;
        long stillSince = System.nanoTime();
        while (System.nanoTime() - started < timeout.toNanos()) {
            // what consolidation has done with them: searchable now, or already forgotten
            JsonNode stats = client.stats(owner);
            long count = stats.path("records").asLong() + stats.path("forgotten").asLong();
            if (count != seen) {
                out.printf("      %s: %d memories searchable of %d turns appended%n", owner, count, expected);
                seen = count;
                stillSince = System.nanoTime();
            }
            if (count >= expected && reached == null) {
                reached = Duration.ofNanos(System.nanoTime() - started);
            }
            if (reached != null && System.nanoTime() - stillSince >= SETTLED.toNanos()) {
                return reached;
            }
            Thread.sleep(250);
        }
        throw new IOException(owner + " has " + seen + " of " + expected + " memories searchable after " + timeout);
    }

    /** How long the counts must hold still before the questions: longer than the index's refresh and a commit or two. */
    static final Duration SETTLED = Duration.ofSeconds(3);

    /** Asks the first questions of categories 1-4 and prints the top hits, marking the ones that are evidence. */
    public void ask(LocomoFile.Conversation conversation, int questions, int k) throws IOException {
        List<LocomoFile.Question> asked = conversation.questions().stream()
                .filter(q -> q.category() >= 1 && q.category() <= 4 && !q.evidence().isEmpty())
                .limit(questions).toList();
        int hitAtK = 0;
        for (var q : asked) {
            ObjectNode request = Json.mapper().createObjectNode().put("query", q.question()).put("k", k)
                    .put("user_id", ownerOf(conversation));
            JsonNode response = client.search(request);
            Set<String> evidence = new HashSet<>(q.evidence());
            out.printf("%nQ: %s%n   expected: %s  (evidence %s)%n", q.question(), q.answer(), String.join(", ", q.evidence()));
            boolean found = false;
            int rank = 1;
            for (JsonNode hit : response.path("hits")) {
                String dia = hit.path("metadata").path("dia_id").asText();
                boolean isEvidence = evidence.contains(dia);
                found |= isEvidence;
                JsonNode meta = hit.path("metadata");
                // a turn shows where it stands in the conversation; a derived record (summary, fact) what it is and when
                String source = dia.isEmpty()
                        ? "[" + meta.path("kind").asText(hit.path("tier").asText()) + ", " + day(hit.path("observed_at").asText()) + "]"
                        : "[" + dia + ", " + meta.path("session_date").asText() + "] " + meta.path("speaker").asText() + ":";
                out.printf("   %d. %.3f %s %s %s%n", rank++, hit.path("score").asDouble(), isEvidence ? "*" : " ", source,
                        abbreviate(hit.path("text").asText().replace('\n', ' '), 110));
            }
            out.printf("   (%d ms)%n", response.path("took_ms").asLong());
            if (found) {
                hitAtK++;
            }
        }
        out.printf("%nEvidence turn in the top %d for %d of %d questions (* marks evidence).%n", k, hitAtK, asked.size());
    }

    private static String day(String instant) {
        return instant.length() >= 10 ? instant.substring(0, 10) : instant;
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
