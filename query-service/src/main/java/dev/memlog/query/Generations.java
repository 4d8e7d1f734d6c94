package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which generation of the indexes the alias points to, read from the live index's mapping and kept for a second, so
 * that every instance reads and writes what the alias says within a second of a swap; and the making and swapping of
 * generations.
 */
final class Generations {
    static final long CACHE_MILLIS = 1000;
    private final OpenSearchRest os;
    private final String alias;
    private final String baseGroup;
    private volatile Generation cached;
    private volatile long readAt;

    Generations(OpenSearchRest os, String alias, String baseGroup) {
        this.os = os;
        this.alias = alias;
        this.baseGroup = baseGroup;
    }

    String alias() {
        return alias;
    }

    String baseGroup() {
        return baseGroup;
    }

    boolean exist() {
        return os.exists("/_alias/" + alias);
    }

    /** The generation the alias points to, as read within the last second. */
    Generation current() {
        Generation g = cached;
        if (g == null || System.currentTimeMillis() - readAt > CACHE_MILLIS) {
            g = refresh();
        }
        return g;
    }

    /** The generation the alias points to now. */
    Generation refresh() {
        JsonNode mappings = os.call("GET", "/" + alias + "/_mapping", null);
        var entry = mappings.properties().iterator().next();
        Generation g = Generation.of(alias, entry.getKey(), entry.getValue().path("mappings").path("_meta"), baseGroup);
        cached = g;
        readAt = System.currentTimeMillis();
        return g;
    }

    /** The first number after {@code current}'s that no index holds (a half-built generation may be left behind). */
    int nextNumber(Generation current) {
        int n = current.number() + 1;
        while (os.exists("/" + alias + "-v" + n)) {
            n++;
        }
        return n;
    }

    /** Creates the generation's live index, recording what it is, and its lifecycle indexes where they are its own. */
    void create(Generation g, Generation previous, int shards, int replicas) {
        ObjectNode body = (ObjectNode) parse(MemoryIndex.definition(g.dimension(), shards, replicas));
        ((ObjectNode) body.path("mappings")).set("_meta", g.meta());
        os.call("PUT", "/" + g.live(), body.toString());
        if (previous == null || g.ownsLifecycle(previous)) {
            AsOfIndex.ensure(os, g.asOf(), g.model(), g.dimension(), shards, replicas);
            LifecycleIndexes.ensure(os, g.history(), "/history-index.json", shards, replicas);
            LifecycleIndexes.ensure(os, g.strength(), "/strength-index.json", shards, replicas);
            LifecycleIndexes.ensure(os, g.strengthLives(), "/strength-index.json", shards, replicas);
        }
    }

    /** Records the generation's description in its live index's mapping, with fields added since. */
    void describe(Generation g, JsonNode properties) {
        os.call("PUT", "/" + g.live() + "/_mapping", "{\"properties\":" + properties + ",\"_meta\":" + g.meta() + "}");
    }

    /**
     * Points the alias at another generation in one request: every query reads the old one or the new one, never
     * neither. The old one is kept, so the swap can be undone the same way.
     */
    void swap(Generation from, Generation to) {
        os.call("POST", "/_aliases", """
                {"actions":[{"remove":{"index":"%s","alias":"%s"}},{"add":{"index":"%s","alias":"%s","is_write_index":true}}]}"""
                .formatted(from.live(), alias, to.live(), alias));
        refresh();
    }

    /**
     * Every index of every generation, by kind (live, asof, history, strength, strength_lives), each once: an erasure
     * must reach the generations kept for a rollback and the one being built as well as the one in use.
     */
    Map<String, List<String>> everyIndex() {
        Map<String, Set<String>> kinds = new LinkedHashMap<>();
        for (String kind : List.of("live", "history", "strength", "asof", "strength_lives")) {
            kinds.put(kind, new LinkedHashSet<>());
        }
        Set<Generation> generations = new LinkedHashSet<>();
        generations.add(current());
        os.call("GET", "/" + alias + "-v*/_mapping", null).properties().forEach(e ->
                generations.add(Generation.of(alias, e.getKey(), e.getValue().path("mappings").path("_meta"), baseGroup)));
        for (Generation g : generations) {
            kinds.get("live").add(g.live());
            kinds.get("history").add(g.history());
            kinds.get("strength").add(g.strength());
            kinds.get("asof").add(g.asOf());
            kinds.get("strength_lives").add(g.strengthLives());
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        kinds.forEach((kind, names) -> out.put(kind, List.copyOf(names)));
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
