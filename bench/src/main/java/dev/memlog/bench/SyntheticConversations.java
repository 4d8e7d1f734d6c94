package dev.memlog.bench;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Multi-session conversations of many owners, varied enough to search like real ones: sentences drawn from templates
 * of people, places, activities, things and times, two to a turn, no turn ever the same (each turn is its own pair of
 * sentences). Embedding a million turns would take this machine hours, so the model embeds each sentence once and a
 * turn's vector is the normalized sum of its two sentences' vectors (and its context vector, that of the turn before
 * it and itself): memories then lie in the model's space, clustered by meaning, as embedded ones do.
 */
final class SyntheticConversations {
    static final int TURNS_PER_SESSION = 20;
    private static final long SCRAMBLE = 2_147_483_647L; // a prime: idx -> idx * SCRAMBLE mod P^2 is one to one
    private static final String[] NAMES = {"Ann", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lou",
        "Mae", "Ned", "Oli", "Pam", "Quin", "Rae", "Sam", "Tess", "Uma", "Vic", "Wes", "Xia", "Yara", "Zed", "Alma", "Boris",
        "Carmen", "Dmitri", "Esther", "Farid", "Greta", "Hiro", "Ines", "Jakob", "Kofi", "Lena", "Mateo", "Nora"};
    private static final String[] PLACES = {"the harbour", "Leeds", "the old library", "the climbing gym", "my aunt's farm",
        "the night market", "Lisbon", "the community garden", "the ski lodge", "the coffee roastery", "the museum of science",
        "the river path", "Oslo", "the jazz bar", "the allotment", "the bakery on Elm Street", "the lake house", "Kyoto",
        "the bike shop", "the hospital cafeteria", "the county fair", "the school gym", "the bookshop", "the beach at dawn"};
    private static final String[] ACTIVITIES = {"sailing", "rock climbing", "baking sourdough", "playing the violin",
        "running a half marathon", "painting watercolours", "learning Portuguese", "birdwatching", "fixing old bikes",
        "growing tomatoes", "playing chess", "swimming laps", "writing a novel", "camping", "knitting", "salsa dancing",
        "volunteering at the shelter", "coding a game", "brewing kombucha", "restoring furniture", "skiing", "pottery"};
    private static final String[] THINGS = {"a second-hand camera", "the blue kayak", "a sourdough starter", "my grandmother's ring",
        "a new violin bow", "the tent", "a pair of trail shoes", "the passport", "a signed first edition", "the spare key",
        "a telescope", "the wedding photos", "a ukulele", "the old laptop", "a puppy named Biscuit", "the red scarf"};
    private static final String[] TIMES = {"last Tuesday", "over the weekend", "in early May", "two years ago", "yesterday",
        "on my birthday", "after work", "every Sunday", "during the holidays", "this morning", "in the spring", "last night"};
    private static final String[] FEELINGS = {"exhausting but worth it", "surprisingly calm", "a disaster", "the best part of my year",
        "harder than I expected", "really relaxing", "a bit scary", "so much fun", "expensive", "a little disappointing"};
    private static final String[] TEMPLATES = {
        "%1$s and I went %3$s near %2$s %5$s.",
        "I finally got %4$s for %3$s, and it was %6$s.",
        "%1$s told me that %3$s at %2$s was %6$s.",
        "We are planning to go %3$s at %2$s %5$s with %1$s.",
        "My sister thinks %3$s is %6$s, but %1$s disagrees.",
        "I left %4$s at %2$s %5$s and %1$s found it.",
        "Since %5$s I have been %3$s with %1$s twice a week.",
        "%1$s gave me %4$s %5$s; I use it for %3$s.",
        "The trip to %2$s %5$s was %6$s because of %3$s.",
        "Do you remember when %1$s lost %4$s at %2$s?",
        "I signed up for %3$s classes at %2$s %5$s.",
        "%1$s moved to %2$s %5$s and took up %3$s.",
        "Honestly, %3$s with %1$s %5$s was %6$s.",
        "I keep %4$s in my bag since %1$s borrowed it at %2$s."};
    private static final String[] QUESTIONS = {
        "What did %1$s say about %3$s?", "When did I go %3$s at %2$s?", "Where did I leave %4$s?",
        "Who gave me %4$s?", "What do I think of %3$s?", "Who moved to %2$s?", "What happened at %2$s %5$s?"};

    private final List<String> sentences;
    private final List<float[]> vectors;
    private final String modelId;

    /** @param pool how many distinct sentences are made and embedded: turns are pairs of them */
    SyntheticConversations(EmbeddingProvider model, int pool, long seed) {
        Random r = new Random(seed);
        Set<String> made = new LinkedHashSet<>();
        while (made.size() < pool) {
            made.add(TEMPLATES[r.nextInt(TEMPLATES.length)].formatted(pick(r, NAMES), pick(r, PLACES), pick(r, ACTIVITIES),
                    pick(r, THINGS), pick(r, TIMES), pick(r, FEELINGS)));
        }
        this.sentences = List.copyOf(made);
        this.vectors = new ArrayList<>(pool);
        for (int i = 0; i < pool; i += 64) {
            vectors.addAll(model.embedDocuments(sentences.subList(i, Math.min(pool, i + 64))));
        }
        this.modelId = model.modelId();
    }

    private static String pick(Random r, String[] values) {
        return values[r.nextInt(values.length)];
    }

    /** How many distinct turns there are to make: every ordered pair of sentences. */
    long capacity() {
        return (long) sentences.size() * sentences.size();
    }

    private long pair(long index) {
        long space = capacity();
        return Math.floorMod(index * SCRAMBLE, space);
    }

    String text(long index) {
        long p = pair(index);
        return sentences.get((int) (p % sentences.size())) + " " + sentences.get((int) (p / sentences.size()));
    }

    float[] vector(long index) {
        long p = pair(index);
        return normalizedSum(vectors.get((int) (p % sentences.size())), vectors.get((int) (p / sentences.size())));
    }

    /**
     * The {@code index}-th turn of a tenant whose turns go to {@code owners} owners in turn, each owner's in sessions of
     * {@link #TURNS_PER_SESSION}, a turn every few minutes of its owner's time.
     */
    MemoryRecord turn(String tenant, int owners, long index) {
        int owner = (int) (index % owners);
        long nth = index / owners;
        String user = "user-" + owner;
        float[] own = vector(index);
        float[] context = nth % TURNS_PER_SESSION == 0 ? own : normalizedSum(vector(index - owners), own);
        Instant at = Instant.parse("2022-01-01T09:00:00Z").plus(Duration.ofMinutes(7 * nth + owner));
        return MemoryRecord.newBuilder().setRecordId(tenant + "-" + index).setTenantId(tenant).setUserId(user)
                .setSessionId(user + "-s" + nth / TURNS_PER_SESSION).setTier(MemoryTier.EPISODIC).setRole("user")
                .setText(text(index)).setEmbedding(Vectors.toList(own)).setContextEmbedding(Vectors.toList(context))
                .setEmbeddingModel(modelId).setImportance(0.5).setObservedAt(at).setCreatedAt(at).setValidFrom(at)
                .setProvenance(List.of("event-" + tenant + "-" + index)).setVersion(1)
                .setMetadata(Map.of("speaker", NAMES[(int) (index % NAMES.length)])).build();
    }

    /** A question an owner might ask of such turns. */
    static String question(Random r) {
        return QUESTIONS[r.nextInt(QUESTIONS.length)].formatted(pick(r, NAMES), pick(r, PLACES), pick(r, ACTIVITIES),
                pick(r, THINGS), pick(r, TIMES));
    }

    /** A sentence like the turns', for appends. */
    static String sentence(Random r) {
        return TEMPLATES[r.nextInt(TEMPLATES.length)].formatted(pick(r, NAMES), pick(r, PLACES), pick(r, ACTIVITIES),
                pick(r, THINGS), pick(r, TIMES), pick(r, FEELINGS));
    }

    private static float[] normalizedSum(float[] a, float[] b) {
        float[] sum = new float[a.length];
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            norm += sum[i] * sum[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < sum.length; i++) {
            sum[i] *= scale;
        }
        return sum;
    }
}
