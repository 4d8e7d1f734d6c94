package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.memlog.common.concurrent.Futures;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The best memories that fit a token budget, counted with a real tokenizer and never over it: the owner's standing
 * instructions first whatever the query, then facts and turns in rank order, then session summaries in the room left;
 * rendered as instructions, facts, and episodes grouped by session in time order with their dates; nothing said twice
 * (a fact whose turns are in, a summary line whose turn is in); each episode hit brings its neighbouring turns when
 * they fit, because the answer often sits in the reply next to the match.
 */
public final class ContextPacker {
    static final int CANDIDATES = 20;
    static final int EXPANDED_HITS = 8;
    static final int MAX_INSTRUCTIONS = 20;
    private static final List<String> TIER_ORDER = List.of("PROCEDURAL", "SEMANTIC", "EPISODIC", "WORKING");
    private static final Map<String, String> TIER_TITLES = Map.of("PROCEDURAL", "Instructions", "SEMANTIC", "Facts",
            "EPISODIC", "Conversations", "WORKING", "Recent turns");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final HybridRetriever retriever;
    private final OpenSearchRest os;
    private final Encoding encoding;

    public ContextPacker(HybridRetriever retriever, OpenSearchRest os, String tokenizer) {
        this.retriever = retriever;
        this.os = os;
        this.encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.fromName(tokenizer)
                .orElseThrow(() -> new IllegalArgumentException("unknown tokenizer " + tokenizer + "; use cl100k_base or o200k_base")));
    }

    public String tokenizer() {
        return encoding.getName();
    }

    public int countTokens(String text) {
        return encoding.countTokens(text);
    }

    /**
     * One memory in the pack; {@code eventIds} are its provenance, {@code neighbourOf} names the hit that brought it in,
     * {@code lineSources} (extractive summaries only) the event each line after the heading was taken from;
     * {@code userId} and {@code agentId} whose memory it is.
     */
    public record Item(String recordId, String tier, String sessionId, Instant observedAt, String speaker, String sessionDate,
                       String text, double score, List<String> eventIds, String neighbourOf, List<String> lineSources,
                       String userId, String agentId) {

        public Item {
            eventIds = List.copyOf(eventIds);
            lineSources = List.copyOf(lineSources);
        }

        /** A turn of a conversation, as opposed to a fact, an instruction or a summary of many turns. */
        boolean isTurn() {
            return "EPISODIC".equals(tier) && eventIds.size() == 1;
        }

        boolean isSummary() {
            return "EPISODIC".equals(tier) && !isTurn();
        }

        /**
         * An extractive summary as a pack holding {@code turnsIn} shows it: without the lines taken from those turns,
         * or null when no line is left. Anything else as it is.
         */
        Item visible(Set<String> turnsIn) {
            if (!isSummary() || lineSources.isEmpty()) {
                return this;
            }
            String[] lines = text.split("\n");
            if (lines.length != lineSources.size() + 1) {
                return this; // not the shape consolidation writes: shown whole rather than guessed at
            }
            StringBuilder kept = new StringBuilder(lines[0]);
            List<String> keptSources = new ArrayList<>();
            for (int i = 0; i < lineSources.size(); i++) {
                if (!turnsIn.contains(lineSources.get(i))) {
                    kept.append('\n').append(lines[i + 1]);
                    keptSources.add(lineSources.get(i));
                }
            }
            if (keptSources.isEmpty()) {
                return null;
            }
            return keptSources.size() == lineSources.size() ? this
                    : new Item(recordId, tier, sessionId, observedAt, speaker, sessionDate, kept.toString(), score, eventIds,
                    neighbourOf, keptSources, userId, agentId);
        }
    }

    /** @param requestId names this retrieval, for feedback on what it returned */
    public record Pack(String context, int tokens, int budgetTokens, String tokenizer, List<Item> items, String requestId) {
    }

    private static final Executor VIRTUAL = Executors.newVirtualThreadPerTaskExecutor();

    public Pack pack(String tenant, SearchRequest request, int budgetTokens, boolean neighbours) {
        return pack(tenant, request, budgetTokens, neighbours, Stages.NONE);
    }

    Pack pack(String tenant, SearchRequest request, int budgetTokens, boolean neighbours, Stages stages) {
        // the standing instructions need nothing of the search: they are read while it runs
        var standing = CompletableFuture.supplyAsync(
                () -> stages.time("instructions", () -> instructions(tenant, request)), VIRTUAL);
        List<HybridRetriever.Hit> hits = retriever.search(tenant, request.withK(Math.max(CANDIDATES, request.k())), stages);
        List<Item> ranked = new ArrayList<>(Futures.join(standing));
        Map<String, List<Item>> around = neighbours ? stages.time("neighbours", () -> neighbours(tenant, hits, request.asOf()))
                : Map.of();
        long packing = System.nanoTime();
        for (var hit : hits) {
            ranked.add(item(hit.recordId(), hit.tier(), hit.sessionId(), hit.observedAt(), hit.metadata(), hit.role(),
                    hit.text(), hit.score(), hit.eventIds(), null, hit.userId(), hit.agentId()));
            ranked.addAll(around.getOrDefault(hit.recordId(), List.of()));
        }
        List<Item> chosen = fit(ranked, budgetTokens, this::countTokens);
        String rendered = render(chosen);
        var pack = new Pack(rendered, countTokens(rendered), budgetTokens, tokenizer(), chosen, java.util.UUID.randomUUID().toString());
        stages.add("pack", System.nanoTime() - packing);
        return pack;
    }

    /**
     * Takes items in rank order, skipping any whose addition would push the rendered pack over the budget (a shorter
     * item further down may still fit) and any that would say again what the pack says: the same record or text, a
     * fact whose source turns are in, a summary whose every line comes from a turn that is in. A turn that comes after
     * a fact drawn from it takes the fact's place, since the turn says that and more. Summaries come last, in rank
     * order, into the room the turns and facts leave: what was said is the evidence, a summary adds only the lines whose
     * turns are not in.
     */
    static List<Item> fit(List<Item> ranked, int budgetTokens, ToIntFunction<String> tokens) {
        List<Item> chosen = new ArrayList<>();
        Set<String> seenIds = new LinkedHashSet<>();
        Set<String> seenTexts = new LinkedHashSet<>();
        List<Item> order = new ArrayList<>(ranked.stream().filter(i -> !i.isSummary()).toList());
        order.addAll(ranked.stream().filter(Item::isSummary).toList());
        for (Item item : order) {
            String normal = normal(item.text());
            if (normal.isEmpty() || seenIds.contains(item.recordId()) || seenTexts.contains(normal)) {
                continue;
            }
            Set<String> turnsIn = turnsIn(chosen);
            List<Item> replaced = List.of();
            if (item.isTurn()) {
                turnsIn.addAll(item.eventIds());
                replaced = chosen.stream().filter(c -> !"EPISODIC".equals(c.tier()) && covered(c, turnsIn)).toList();
            } else if (item.isSummary() ? item.visible(turnsIn) == null || item.lineSources().isEmpty() && covered(item, turnsIn)
                    : covered(item, turnsIn)) {
                continue;
            }
            chosen.removeAll(replaced);
            chosen.add(item);
            if (tokens.applyAsInt(render(chosen)) <= budgetTokens) {
                seenIds.add(item.recordId());
                seenTexts.add(normal);
            } else {
                chosen.removeLast();
                chosen.addAll(replaced);
            }
        }
        // turns taken after a summary may have left it with nothing of its own to say
        Set<String> turnsIn = turnsIn(chosen);
        return chosen.stream().map(i -> i.visible(turnsIn)).filter(java.util.Objects::nonNull).toList();
    }

    private static Set<String> turnsIn(List<Item> items) {
        Set<String> in = new LinkedHashSet<>();
        items.stream().filter(Item::isTurn).forEach(t -> in.addAll(t.eventIds()));
        return in;
    }

    private static boolean covered(Item item, Set<String> turnsIn) {
        return !item.eventIds().isEmpty() && turnsIn.containsAll(item.eventIds());
    }

    private static String normal(String text) {
        return text.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    }

    /**
     * The owner's live standing instructions (explicit memories of the procedural tier), most important and newest
     * first: they apply whatever the question.
     */
    private List<Item> instructions(String tenant, SearchRequest request) {
        if (!request.tiers().isEmpty() && !request.tiers().contains(MemoryTier.PROCEDURAL)) {
            return List.of();
        }
        if (request.userId() == null && request.agentId() == null) {
            return List.of(); // instructions are one owner's: never packed across owners into one prompt
        }
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", MAX_INSTRUCTIONS);
        body.putObject("_source").putArray("excludes").add("embedding").add("context_embedding");
        ArrayNode sort = body.putArray("sort");
        sort.addObject().put("importance", "desc");
        sort.addObject().put("observed_at", "desc");
        SearchRequest standing = SearchRequest.scope(request.userId(), request.agentId(), null)
                .withTiers(List.of(MemoryTier.PROCEDURAL)).withAsOf(request.asOf());
        ArrayNode filter = HybridRetriever.filters(tenant, standing);
        // standing instructions are what an agent set explicitly; nothing said in conversation leads a pack
        filter.addObject().putObject("term").put("metadata.kind", RecordKinds.EXPLICIT);
        body.putObject("query").putObject("bool").set("filter", filter);
        List<Item> items = new ArrayList<>();
        for (JsonNode found : os.call("POST", "/" + retriever.target(standing) + "/_search", body.toString()).path("hits").path("hits")) {
            items.add(fromSource(found, 1.0, null));
        }
        return items;
    }

    private static Item item(String id, String tier, String session, Instant at, Map<String, String> metadata, String role,
                             String text, double score, List<String> eventIds, String neighbourOf, String userId,
                             String agentId) {
        String speaker = metadata.getOrDefault("speaker", role);
        String date = metadata.getOrDefault("session_date", DATE.format(at));
        String sources = metadata.get(RecordKinds.LINE_SOURCES);
        return new Item(id, tier, session, at, speaker, date, text, score, eventIds, neighbourOf,
                sources == null || sources.isBlank() ? List.of() : List.of(sources.split(",")), userId, agentId);
    }

    private static Item fromSource(JsonNode found, double score, String neighbourOf) {
        JsonNode src = found.path("_source");
        Map<String, String> metadata = new LinkedHashMap<>();
        src.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        List<String> eventIds = new ArrayList<>();
        src.path("provenance").forEach(p -> eventIds.add(p.asText()));
        return item(HybridRetriever.recordId(found), src.path("tier").asText(),
                src.path("session_id").isNull() ? null : src.path("session_id").asText(null),
                Instant.ofEpochMilli(src.path("observed_at").asLong()), metadata,
                src.path("role").isNull() ? null : src.path("role").asText(null), src.path("text").asText(), score,
                eventIds, neighbourOf, src.path("user_id").isNull() ? null : src.path("user_id").asText(null),
                src.path("agent_id").isNull() ? null : src.path("agent_id").asText(null));
    }

    /** Renders tiers in order; episodes grouped by session, sessions and turns in time order; summaries as {@link Item#visible}. */
    static String render(List<Item> chosen) {
        Set<String> turnsIn = turnsIn(chosen);
        List<Item> items = chosen.stream().map(i -> i.visible(turnsIn)).filter(java.util.Objects::nonNull).toList();
        StringBuilder out = new StringBuilder();
        for (String tier : TIER_ORDER) {
            List<Item> inTier = items.stream().filter(i -> tier.equals(i.tier())).toList();
            if (inTier.isEmpty()) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append("## ").append(TIER_TITLES.get(tier)).append('\n');
            if (!tier.equals("EPISODIC")) {
                inTier.stream().sorted(Comparator.comparing(Item::observedAt))
                        .forEach(i -> out.append("- ").append(i.text()).append(" (").append(i.sessionDate()).append(")\n"));
                continue;
            }
            Map<String, List<Item>> bySession = new TreeMap<>();
            Map<String, Instant> sessionStart = new LinkedHashMap<>();
            for (Item i : inTier) {
                String key = String.valueOf(i.sessionId());
                bySession.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
                sessionStart.merge(key, i.observedAt(), (a, b) -> a.isBefore(b) ? a : b);
            }
            bySession.keySet().stream().sorted(Comparator.comparing(sessionStart::get)).forEach(session -> {
                List<Item> turns = bySession.get(session);
                out.append("[").append(turns.getFirst().sessionDate()).append(", ").append(session).append("]\n");
                turns.stream().sorted(Comparator.comparing(Item::observedAt)).forEach(t -> {
                    if (t.speaker() != null) {
                        out.append(t.speaker()).append(": ");
                    }
                    out.append(t.text()).append('\n');
                });
            });
        }
        return out.toString();
    }

    /**
     * The turns just before and after each of the best turn hits in the same session, in one _msearch; with as_of,
     * only turns valid at that moment, so a pack of the past never holds what was said after it.
     */
    private Map<String, List<Item>> neighbours(String tenant, List<HybridRetriever.Hit> hits, java.time.Instant asOf) {
        // turns only: a summary's neighbours are whatever happened to be said first or last in its session
        List<HybridRetriever.Hit> expand = hits.stream()
                .filter(h -> "EPISODIC".equals(h.tier()) && h.sessionId() != null && h.eventIds().size() == 1)
                .limit(EXPANDED_HITS).toList();
        if (expand.isEmpty()) {
            return Map.of();
        }
        StringBuilder ndjson = new StringBuilder();
        for (var hit : expand) {
            for (boolean before : new boolean[] {true, false}) {
                ObjectNode body = Json.mapper().createObjectNode();
                body.put("size", 1);
                body.putObject("_source").putArray("excludes").add("embedding").add("context_embedding");
                body.putArray("sort").addObject().put("observed_at", before ? "desc" : "asc");
                SearchRequest episodes = SearchRequest.episodesOf(hit.userId(), hit.agentId(), hit.sessionId()).withAsOf(asOf);
                ArrayNode filter = HybridRetriever.filters(tenant, episodes);
                filter.addObject().putObject("range").putObject("observed_at")
                        .put(before ? "lt" : "gt", hit.observedAt().toEpochMilli());
                // the turn next to it, not a summary of its session
                filter.addObject().putObject("bool").putObject("must_not").putObject("term")
                        .put("metadata.kind", RecordKinds.SESSION_SUMMARY);
                body.putObject("query").putObject("bool").set("filter", filter);
                ndjson.append("{\"index\":\"").append(retriever.target(episodes)).append("\"}\n").append(body).append('\n');
            }
        }
        JsonNode responses = os.call("POST", "/_msearch", ndjson.toString()).path("responses");
        Map<String, List<Item>> around = new LinkedHashMap<>();
        for (int i = 0; i < expand.size(); i++) {
            var hit = expand.get(i);
            List<Item> items = new ArrayList<>();
            for (int side = 0; side < 2; side++) {
                JsonNode found = responses.path(2 * i + side).path("hits").path("hits").path(0);
                if (found.isMissingNode()) {
                    continue;
                }
                items.add(fromSource(found, hit.score(), hit.recordId()));
            }
            around.put(hit.recordId(), items);
        }
        return around;
    }
}
