package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.Derivation;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One generation of the indexes behind the alias: the live index the alias points to and the lifecycle indexes beside
 * it (as-of, history, strength, strength lives), built from one derivation's topics with one embedding model, kept up to
 * date by its own materializer group. The live index's mapping records all of it in {@code _meta}, so every instance
 * reads the same generation from the alias; a generation made before it recorded them has the first one's names.
 *
 * @param number   n of {@code <alias>-v<n>}
 * @param group    the consumer group that materializes the derivation's topics into these indexes
 */
record Generation(String alias, int number, String live, String asOf, String history, String strength, String strengthLives,
                  String model, int dimension, Derivation derivation, String group) {
    private static final Pattern NUMBER = Pattern.compile(".*-v(\\d+)");

    /** The first generation: {@code <alias>-v1} with the lifecycle indexes' original names, the first derivation. */
    static Generation first(String alias, String model, int dimension, String baseGroup) {
        return new Generation(alias, 1, alias + "-v1", alias + "-asof", alias + "-history", alias + "-strength",
                alias + "-strength-lives", model, dimension, Derivation.FIRST, baseGroup);
    }

    /**
     * The generation after this one, number {@code n}. The same derivation with the same model shares the lifecycle
     * indexes (they hold the same records: only the live index is built again); another derivation gets its own.
     */
    Generation next(int n, String newModel, int newDimension, Derivation newDerivation, String baseGroup) {
        String group = baseGroup + "-v" + n;
        if (newDerivation.equals(derivation) && newModel.equals(model)) {
            return new Generation(alias, n, alias + "-v" + n, asOf, history, strength, strengthLives, model, dimension,
                    derivation, group);
        }
        return new Generation(alias, n, alias + "-v" + n, alias + "-asof-v" + n, alias + "-history-v" + n,
                alias + "-strength-v" + n, alias + "-strength-lives-v" + n, newModel, newDimension, newDerivation, group);
    }

    /** Whether its lifecycle indexes are its own, not shared with the generation before it. */
    boolean ownsLifecycle(Generation previous) {
        return !asOf.equals(previous.asOf());
    }

    List<String> lifecycleIndexes() {
        return List.of(asOf, history, strength, strengthLives);
    }

    /** What the live index's mapping records of it. */
    ObjectNode meta() {
        ObjectNode meta = Json.mapper().createObjectNode().put("embedding_model", model).put("dimension", dimension)
                .put("generation", number).put("derivation", derivation.name()).put("materializer_group", group);
        meta.putObject("indexes").put("asof", asOf).put("history", history).put("strength", strength)
                .put("strength_lives", strengthLives);
        return meta;
    }

    /**
     * The generation a live index's mapping describes; what an older mapping does not record is the first
     * generation's: its lifecycle names, the first derivation, the base group.
     */
    static Generation of(String alias, String live, JsonNode meta, String baseGroup) {
        Generation legacy = first(alias, meta.path("embedding_model").asText(""), meta.path("dimension").asInt(0), baseGroup);
        Matcher m = NUMBER.matcher(live);
        int number = meta.path("generation").asInt(m.matches() ? Integer.parseInt(m.group(1)) : 1);
        JsonNode indexes = meta.path("indexes");
        return new Generation(alias, number, live, indexes.path("asof").asText(legacy.asOf()),
                indexes.path("history").asText(legacy.history()), indexes.path("strength").asText(legacy.strength()),
                indexes.path("strength_lives").asText(legacy.strengthLives()), legacy.model(), legacy.dimension(),
                Derivation.of(meta.path("derivation").asText("")), meta.path("materializer_group").asText(baseGroup));
    }
}
