package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A fact that restates one the owner already has reinforces it (a new version with more provenance, no new record);
 * one with the same subject and attribute but another value, or nearly the same words with the opposite polarity,
 * supersedes it (the old one gets valid_to, the new one starts at valid_from); anything else is a new fact.
 */
public final class FactReconciler implements Processor<String, MemoryRecord, String, MemoryRecord> {
    public static final String FACTS = Topics.OWNER_FACTS.name();
    public static final String KEYS = "fact-keys";
    public static final String KIND = RecordKinds.FACT;
    private static final char SEP = '\u001f';
    /** Event ids a fact keeps as its provenance: its first statement and its latest restatements. */
    static final int MAX_PROVENANCE = 64;

    /**
     * @param duplicateSimilarity a keyless fact at least this similar to a known one of the same polarity restates it
     * @param contradictionSimilarity a keyless fact at least this similar with the opposite polarity contradicts it
     */
    public record Settings(double duplicateSimilarity, double contradictionSimilarity) {
        public Settings {
            if (duplicateSimilarity <= 0 || duplicateSimilarity > 1 || contradictionSimilarity <= 0 || contradictionSimilarity > 1) {
                throw new IllegalArgumentException("fact similarity thresholds must be in (0, 1]");
            }
        }
    }

    private final FactExtractor turnFacts;
    private final FactExtractor explicitFacts;
    private final EmbeddingProvider embeddings;
    private final ImportanceScorer importance;
    private final Settings settings;
    private final Clock clock;
    private ProcessorContext<String, MemoryRecord> context;
    /** The headers of the turn being reconciled. */
    private org.apache.kafka.common.header.Headers inputHeaders;
    private KeyValueStore<String, MemoryRecord> facts;
    private KeyValueStore<String, String> keys;

    /**
     * @param turnFacts finds facts in conversation turns, or null to leave turns as episodes only
     * @param explicitFacts reads explicit memories: their key, and whether they are instructions
     */
    public FactReconciler(FactExtractor turnFacts, FactExtractor explicitFacts, EmbeddingProvider embeddings,
                          ImportanceScorer importance, Settings settings, Clock clock) {
        this.turnFacts = turnFacts;
        this.explicitFacts = explicitFacts;
        this.embeddings = embeddings;
        this.importance = importance;
        this.settings = settings;
        this.clock = clock;
    }

    public static StoreBuilder<KeyValueStore<String, MemoryRecord>> factStore(AvroFormat format) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FACTS), Serdes.String(),
                Topics.OWNER_FACTS.valueSerde(format));
    }

    public static StoreBuilder<KeyValueStore<String, String>> keyStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(KEYS), Serdes.String(), Serdes.String());
    }

    @Override
    public void init(ProcessorContext<String, MemoryRecord> context) {
        this.context = context;
        this.facts = context.getStateStore(FACTS);
        this.keys = context.getStateStore(KEYS);
    }

    @Override
    public void process(Record<String, MemoryRecord> record) {
        // the facts a turn yields are in the turn's trace: they carry its headers (traceparent)
        inputHeaders = record.headers();
        try {
            reconcile(record);
        } finally {
            inputHeaders = null;
        }
    }

    private void reconcile(Record<String, MemoryRecord> record) {
        MemoryRecord source = record.value();
        String owner = MemoryOwner.of(source.getTenantId(), source.getUserId(), source.getAgentId()).key();
        String speaker = source.getMetadata().get("speaker");
        if (source.getTier() == MemoryTier.SEMANTIC) {
            explicit(owner, source, explicitFacts.extract(new FactExtractor.Utterance(speaker, source.getRole(),
                    source.getText(), true)), record.timestamp());
        } else if (source.getTier() == MemoryTier.EPISODIC && turnFacts != null
                && !SessionSummarizer.KIND.equals(source.getMetadata().get("kind")) && !source.getProvenance().isEmpty()) {
            // "yesterday" means nothing once the fact has left its conversation: each fact names the date it meant
            LocalDate said = LocalDate.ofInstant(source.getObservedAt(), ZoneOffset.UTC);
            List<Fact> found = turnFacts.extract(new FactExtractor.Utterance(speaker, source.getRole(), source.getText(), false))
                    .stream().map(f -> f.withStatement(TemporalAnchors.anchor(f.statement(), said)))
                    .map(f -> f.tier() == MemoryTier.PROCEDURAL ? request(f, speaker) : f).toList();
            if (found.isEmpty()) {
                return;
            }
            List<float[]> vectors = embeddings.embedDocuments(found.stream().map(Fact::statement).toList());
            for (int i = 0; i < found.size(); i++) {
                Fact fact = found.get(i);
                reconcile(owner, fromTurn(source, fact, i, vectors.get(i)), fact, record.timestamp());
            }
        }
    }

    /**
     * An instruction said in conversation is kept as what it is, a fact that someone asked for something ("Ann asked the
     * assistant: always answer in French."), never as a standing instruction: those come only from an agent's explicit
     * memories, or any user could plant a prompt that leads every context pack forever. It fades like other facts, and a
     * later request with the same key supersedes it.
     */
    static Fact request(Fact instruction, String speaker) {
        String who = speaker == null || speaker.isBlank() ? "The user" : speaker.strip();
        return new Fact(MemoryTier.SEMANTIC, instruction.subject(), instruction.attribute(), instruction.value(),
                who + " asked the assistant: " + instruction.statement(), instruction.negated());
    }

    /** An explicit memory is kept as the agent said it; its facts only tell its key and whether it is an instruction. */
    private void explicit(String owner, MemoryRecord source, List<Fact> found, long timestamp) {
        boolean instruction = found.stream().anyMatch(f -> f.tier() == MemoryTier.PROCEDURAL);
        MemoryTier tier = instruction ? MemoryTier.PROCEDURAL : MemoryTier.SEMANTIC;
        Fact keyed = found.stream().filter(f -> f.tier() == tier && f.key() != null).findFirst().orElse(null);
        boolean negated = found.stream().anyMatch(Fact::negated);
        Map<String, String> metadata = new LinkedHashMap<>(source.getMetadata());
        metadata.put("kind", RecordKinds.EXPLICIT);
        MemoryRecord candidate = MemoryRecord.newBuilder(source)
                .setRecordId(EpisodeRecorder.recordId(source.getTenantId(), source.getProvenance().getFirst(), tier))
                .setTier(tier).setMetadata(metadata).build();
        Fact fact = keyed != null ? keyed : new Fact(tier, null, null, null, source.getText(), negated);
        reconcile(owner, described(candidate, fact), fact, timestamp);
    }

    private MemoryRecord fromTurn(MemoryRecord turn, Fact fact, int index, float[] vector) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("kind", KIND);
        metadata.put("extractor", turnFacts.name());
        String speaker = turn.getMetadata().get("speaker");
        if (speaker != null) {
            metadata.put("speaker", speaker);
        }
        String sessionDate = turn.getMetadata().get("session_date");
        if (sessionDate != null) {
            metadata.put("session_date", sessionDate);
        }
        String eventId = turn.getProvenance().getFirst();
        MemoryRecord candidate = MemoryRecord.newBuilder()
                .setRecordId(recordId(turn.getTenantId(), eventId, index))
                .setTenantId(turn.getTenantId())
                .setUserId(turn.getUserId())
                .setAgentId(turn.getAgentId())
                .setSessionId(null) // a fact is about its owner, not one conversation; the turn keeps the session
                .setTier(fact.tier())
                .setRole(turn.getRole())
                .setText(fact.statement())
                .setEmbedding(Vectors.toList(vector))
                .setContextEmbedding(List.of())
                .setEmbeddingModel(embeddings.modelId())
                .setImportance(importance.score(fact.statement(), false))
                .setObservedAt(turn.getObservedAt())
                .setCreatedAt(now())
                .setValidFrom(turn.getObservedAt())
                .setValidTo(null)
                .setProvenance(List.of(eventId))
                .setVersion(1)
                .setMetadata(metadata)
                .setFollows(null)
                .build();
        return described(candidate, fact);
    }

    /** The fact's key and polarity travel in metadata: reconciliation reads them back, and so can anyone filtering. */
    private static MemoryRecord described(MemoryRecord record, Fact fact) {
        Map<String, String> metadata = new LinkedHashMap<>(record.getMetadata());
        if (fact.key() != null) {
            metadata.put("subject", fact.subject());
            metadata.put("attribute", fact.attribute());
            if (fact.value() != null) {
                metadata.put("value", fact.value());
            }
        }
        if (fact.negated()) {
            metadata.put("negated", "true");
        }
        return MemoryRecord.newBuilder(record).setMetadata(metadata).build();
    }

    private void reconcile(String owner, MemoryRecord candidate, Fact fact, long timestamp) {
        String key = fact.key() == null ? null : owner + SEP + fact.tier().name() + SEP + FactKeys.digest(fact.key());
        MemoryRecord known;
        boolean restates;
        if (key != null) {
            String id = keys.get(key);
            if (id == null) {
                // stored before keys were digests: the statement's words themselves; moved to the digest on use
                String legacy = owner + SEP + fact.tier().name() + SEP + fact.key();
                id = keys.get(legacy);
                if (id != null) {
                    keys.delete(legacy);
                    keys.put(key, id);
                }
            }
            known = id == null ? null : facts.get(owner + SEP + id);
            restates = known != null && fact.sameValue(known.getMetadata().get("value"));
        } else {
            var nearest = nearest(owner, candidate);
            double similarity = nearest == null ? 0 : nearest.similarity();
            boolean samePolarity = nearest != null && nearest.negated() == fact.negated();
            restates = similarity >= settings.duplicateSimilarity() && samePolarity;
            known = restates || (similarity >= settings.contradictionSimilarity() && !samePolarity) ? nearest.record() : null;
        }
        if (known == null) {
            keep(owner, key, candidate, timestamp);
        } else if (known.getProvenance().containsAll(candidate.getProvenance())) {
            // the same source again (a retried append): already accounted for
        } else if (restates) {
            keep(owner, null, reinforced(known, candidate), timestamp);
        } else if (!candidate.getValidFrom().isBefore(known.getValidFrom())) {
            facts.delete(owner + SEP + known.getRecordId());
            forward(closed(known, candidate.getValidFrom(), candidate.getRecordId()), timestamp);
            keep(owner, key, opened(candidate, known.getRecordId()), timestamp);
        } else {
            // an older statement arriving late: it was already out of date when the known fact was stated
            forward(closed(candidate, known.getValidFrom(), known.getRecordId()), timestamp);
        }
    }

    private record Nearest(MemoryRecord record, double similarity, boolean negated) {
    }

    /** The owner's live fact of the same tier most similar to the candidate; a scan of one owner's facts, in one partition. */
    private Nearest nearest(String owner, MemoryRecord candidate) {
        float[] vector = Vectors.toArray(candidate.getEmbedding());
        MemoryRecord best = null;
        double bestSimilarity = -1;
        try (var it = facts.prefixScan(owner + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                MemoryRecord f = it.next().value;
                if (f == null || f.getTier() != candidate.getTier()) { // null: sealed for an erased owner
                    continue;
                }
                double s = Vectors.cosine(vector, Vectors.toArray(f.getEmbedding()));
                if (s > bestSimilarity) {
                    bestSimilarity = s;
                    best = f;
                }
            }
        }
        return best == null ? null : new Nearest(best, bestSimilarity, "true".equals(best.getMetadata().get("negated")));
    }

    private void keep(String owner, String key, MemoryRecord record, long timestamp) {
        facts.put(owner + SEP + record.getRecordId(), record);
        if (key != null) {
            keys.put(key, record.getRecordId());
        }
        forward(record, timestamp);
    }

    private void forward(MemoryRecord record, long timestamp) {
        String owner = MemoryOwner.of(record.getTenantId(), record.getUserId(), record.getAgentId()).key();
        context.forward(new Record<>(owner, record, timestamp,
                inputHeaders == null ? new org.apache.kafka.common.header.internals.RecordHeaders() : inputHeaders));
    }

    /** The known fact said again: one more source, the newer observation time, the higher importance. */
    private MemoryRecord reinforced(MemoryRecord known, MemoryRecord again) {
        Set<String> provenance = new LinkedHashSet<>(known.getProvenance());
        provenance.addAll(again.getProvenance());
        int mentions = Math.max(provenance.size(), parseInt(known.getMetadata().get("mentions"), known.getProvenance().size()) + 1);
        if (provenance.size() > MAX_PROVENANCE) {
            // a fact said every day would carry every event forever: keep where it began and its latest restatements
            List<String> all = new ArrayList<>(provenance);
            provenance = new LinkedHashSet<>(all.subList(0, 1));
            provenance.addAll(all.subList(all.size() - (MAX_PROVENANCE - 1), all.size()));
        }
        Map<String, String> metadata = new LinkedHashMap<>(known.getMetadata());
        metadata.put("mentions", Integer.toString(mentions));
        return MemoryRecord.newBuilder(known)
                .setVersion(known.getVersion() + 1)
                .setChange(RecordChange.REINFORCED)
                .setChangeReason("restated in event " + again.getProvenance().getLast())
                .setProvenance(new ArrayList<>(provenance))
                .setObservedAt(again.getObservedAt().isAfter(known.getObservedAt()) ? again.getObservedAt() : known.getObservedAt())
                .setImportance(Math.max(known.getImportance(), again.getImportance()))
                .setCreatedAt(now())
                .setMetadata(metadata)
                .build();
    }

    private MemoryRecord closed(MemoryRecord record, Instant validTo, String supersededBy) {
        Map<String, String> metadata = new LinkedHashMap<>(record.getMetadata());
        metadata.put("superseded_by", supersededBy);
        return MemoryRecord.newBuilder(record)
                .setVersion(record.getVersion() + 1)
                .setChange(RecordChange.SUPERSEDED)
                .setChangeReason("superseded by " + supersededBy)
                .setValidTo(validTo)
                .setCreatedAt(now())
                .setMetadata(metadata)
                .build();
    }

    private static MemoryRecord opened(MemoryRecord record, String supersedes) {
        Map<String, String> metadata = new LinkedHashMap<>(record.getMetadata());
        metadata.put("supersedes", supersedes);
        return MemoryRecord.newBuilder(record).setMetadata(metadata).build();
    }

    private static int parseInt(String s, int fallback) {
        try {
            return s == null ? fallback : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** A fact drawn from a turn is named by the turn's event and its place among the turn's facts: replays overwrite. */
    static String recordId(String tenant, String eventId, int index) {
        String name = tenant + SEP + eventId + SEP + KIND + SEP + index;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
