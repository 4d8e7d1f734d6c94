package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.RecordChange;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A memory unused while its owner's time goes on fades, and once its strength falls below the threshold it is
 * forgotten: a last version with {@code forgotten_at} and the reason, never a silent loss. Every derived record and
 * every access passes through here: records on their way out, so each memory's versions are numbered in one place and
 * a memory forgotten and then restated comes back as a newer version; accesses to reinforce what they name. Time is
 * each owner's own clock ({@link Lifecycle.State}), and an owner's memories are checked whenever that clock passes the
 * next check, so a replay of the same events forgets the same memories at the same moments, and a memory is never
 * forgotten because the platform learned of it late. A deletion event passes here too ({@link Deleter}), so it meets
 * the memory's versions in the order the log holds them.
 */
public final class DecayScheduler implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final Lifecycle lifecycle;
    private final Reinforcer reinforcer = new Reinforcer();
    private final Deleter deleter = new Deleter();
    private final Eraser eraser = new Eraser();
    private ProcessorContext<String, SpecificRecord> context;
    /** The headers of the record being processed; null in a punctuation. */
    private Headers inputHeaders;
    private Lifecycle.State state;

    DecayScheduler(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.state = Lifecycle.State.of(context);
        if (lifecycle.forgetting()) {
            // stream time is platform time: records carry when the platform received them, which no client can move
            context.schedule(Lifecycle.SWEEP_STEP_EVERY, PunctuationType.STREAM_TIME, this::sweepDormant);
        }
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        // what this record causes is in its trace: outputs carry its headers (traceparent); a punctuation's carry none
        inputHeaders = record.headers();
        try {
            processRecord(record);
        } finally {
            inputHeaders = null;
        }
    }

    private void processRecord(Record<String, SpecificRecord> record) {
        String owner = switch (record.value()) {
            case MemoryRecord r -> {
                derived(r, record.timestamp());
                yield Lifecycle.owner(r);
            }
            case MemoryAccess a -> {
                String o = MemoryOwner.of(a.getTenantId(), a.getUserId(), a.getAgentId()).key();
                // a report dated by the client is on the owner's timeline; a retrieval happens at the owner's time now
                Instant at = a.getEventTime() != null ? state.observe(o, a.getEventTime(), record.timestamp())
                        : state.touch(o, record.timestamp());
                reinforcer.reinforce(a, at, state).forEach(s -> context.forward(out(o, s, record.timestamp())));
                yield o;
            }
            case MemoryEvent erasure when erasure.getKind() == EventKind.ERASURE -> {
                eraser.drop(erasure, state);
                forward(Eraser.marker(erasure), record.timestamp());
                yield record.key();
            }
            case MemoryEvent deletion -> {
                var deleted = deleter.delete(deletion, state, lifecycle.clock().instant().truncatedTo(ChronoUnit.MILLIS));
                if (deleted != null && deleted.lastVersion() != null) {
                    forward(deleted.lastVersion(), record.timestamp());
                }
                if (deleted != null) {
                    context.forward(out(record.key(), deleted.marker(), record.timestamp()));
                }
                yield record.key();
            }
            default -> throw new IllegalArgumentException("not a record, an access or a deletion: " + record.value().getClass());
        };
        if (lifecycle.forgetting() && state.checkDue(owner, lifecycle.checkEvery())) {
            forgetFaded(owner, record.timestamp());
        }
    }

    private void derived(MemoryRecord r, long timestamp) {
        String owner = Lifecycle.owner(r);
        String key = Lifecycle.key(owner, r.getRecordId());
        state.observe(owner, r.getObservedAt(), timestamp);
        MemoryStrength known = state.strengths().get(key);
        if (known != null && r.getVersion() <= known.getDerivedVersion()) {
            return; // a version already accounted for: a retried append or a re-derivation, nothing new
        }
        if (known != null && known.getDeletedAt() != null) {
            return; // deleted on request: nothing derived again brings it back
        }
        MemoryRecord.Builder out = MemoryRecord.newBuilder(r);
        if (known != null && r.getVersion() <= known.getVersion()) {
            // forgetting added versions of its own: this one comes after them
            out.setVersion(known.getVersion() + 1);
        }
        boolean forgotten = known != null && known.getForgottenAt() != null;
        if (r.getValidTo() != null) {
            // superseded: no longer live, so no longer ageing; its history is in the log and the history index
            if (forgotten) {
                out.setForgottenAt(known.getForgottenAt());
            }
            state.strengths().delete(key);
            state.live().delete(key);
            forward(out.build(), timestamp);
            return;
        }
        MemoryStrength s = known != null ? known : MemoryStrength.newBuilder().setRecordId(r.getRecordId())
                .setTenantId(r.getTenantId()).setUserId(r.getUserId()).setAgentId(r.getAgentId())
                .setImportance(r.getImportance()).setPinned(Lifecycle.pinned(r)).setBornAt(r.getValidFrom())
                .setUses(List.of()).setUseCount(0).setUsed(0).setNotUseful(0).setVersion(r.getVersion()).setDerivedVersion(0)
                .setForgottenAt(null).setUpdatedAt(r.getObservedAt()).build();
        boolean strengthChanged = false;
        if (known != null && r.getChange() == RecordChange.REINFORCED) {
            // said again: a rehearsal, as good as a retrieval
            Lifecycle.addUse(s, r.getObservedAt());
            s.setLastSource(r.getProvenance().getLast());
            strengthChanged = true;
        }
        if (forgotten) {
            out.setChange(RecordChange.REVIVED).setForgottenAt(null)
                    .setChangeReason("restated after it was forgotten on " + DAY.format(known.getForgottenAt()));
            s.setForgottenAt(null);
            strengthChanged = true;
        }
        MemoryRecord emitted = out.build();
        s.setImportance(r.getImportance());
        s.setPinned(Lifecycle.pinned(r));
        s.setVersion(emitted.getVersion());
        s.setDerivedVersion(r.getVersion());
        s.setUpdatedAt(r.getObservedAt());
        state.strengths().put(key, s);
        state.live().put(key, slim(emitted));
        forward(emitted, timestamp);
        if (strengthChanged) {
            context.forward(out(owner, s, timestamp));
        }
    }

    /** Forgets each of the owner's live memories whose strength, at the owner's clock, is below the threshold. */
    private void forgetFaded(String owner, long timestamp) {
        Instant now = state.clockOf(owner);
        List<KeyValue<String, MemoryStrength>> faded = new ArrayList<>();
        try (var mine = state.strengths().prefixScan(Lifecycle.key(owner, ""), new StringSerializer())) {
            mine.forEachRemaining(kv -> {
                MemoryStrength s = kv.value;
                if (s.getForgottenAt() == null && s.getDeletedAt() == null && !s.getPinned()
                        && lifecycle.model().strength(Lifecycle.uses(s), now) < lifecycle.forgetBelow()) {
                    faded.add(kv);
                }
            });
        }
        for (var kv : faded) {
            forget(kv.key, kv.value, now, timestamp);
        }
    }

    /**
     * Time goes on for an owner who has gone quiet too: once an owner has been silent for longer than the dormancy grace
     * in platform time, their memories are aged to their own time less the grace, so an owner who never comes back
     * does not keep their memories forever. One pass a day of platform time, worked through in steps of a bounded
     * number of memories, so no punctuation holds the stream thread for long; where a pass has got to is state, so a
     * replay steps alike.
     */
    private void sweepDormant(long platformTime) {
        String cursor = state.sweep().get("cursor");
        String passStarted = state.sweep().get("pass-started");
        if (cursor == null) {
            if (passStarted != null && platformTime < Long.parseLong(passStarted) + Lifecycle.DORMANT_SWEEP_EVERY.toMillis()) {
                return; // the last pass finished; the next begins a day after it began
            }
            state.sweep().put("pass-started", Long.toString(platformTime));
            cursor = "";
        }
        long grace = lifecycle.dormantAfter().toMillis();
        Map<String, Instant> horizons = new HashMap<>();
        List<KeyValue<String, MemoryStrength>> faded = new ArrayList<>();
        String last = null;
        int seen = 0;
        try (var step = state.strengths().range(cursor.isEmpty() ? null : cursor, null)) {
            while (step.hasNext() && seen < Lifecycle.SWEEP_STEP_SIZE) {
                var kv = step.next();
                if (kv.key.equals(cursor)) {
                    continue;
                }
                last = kv.key;
                seen++;
                MemoryStrength s = kv.value;
                if (s.getForgottenAt() != null || s.getDeletedAt() != null || s.getPinned()) {
                    continue;
                }
                Instant horizon = horizons.computeIfAbsent(Lifecycle.ownerOfKey(kv.key), o -> {
                    Long silentSince = state.lastSeen(o);
                    if (silentSince == null || platformTime - silentSince <= grace) {
                        return Instant.MAX;
                    }
                    return state.ownerTimeAt(o, platformTime).minusMillis(grace);
                });
                if (!horizon.equals(Instant.MAX) && lifecycle.model().strength(Lifecycle.uses(s), horizon) < lifecycle.forgetBelow()) {
                    faded.add(kv);
                }
            }
            if (!step.hasNext()) {
                last = null; // the pass is complete
            }
        }
        if (last == null) {
            state.sweep().delete("cursor");
        } else {
            state.sweep().put("cursor", last);
        }
        for (var kv : faded) {
            forget(kv.key, kv.value, horizons.get(Lifecycle.ownerOfKey(kv.key)), platformTime);
        }
    }

    /** @param now the moment the memory is judged at: its owner's clock, or for a dormant owner the dormancy horizon */
    private void forget(String key, MemoryStrength s, Instant now, long streamTime) {
        String owner = Lifecycle.ownerOfKey(key);
        var uses = Lifecycle.uses(s);
        Instant at = lifecycle.model().fallsBelow(uses, lifecycle.forgetBelow(), Lifecycle.lastUse(s), now);
        at = at == null ? now : at;
        String reason = String.format(Locale.ROOT,
                "strength fell below %.2f on %s: importance %.2f, %d use%s since it was observed on %s, the last on %s",
                lifecycle.forgetBelow(), DAY.format(at), s.getImportance(), s.getUseCount(), s.getUseCount() == 1 ? "" : "s",
                DAY.format(s.getBornAt()), DAY.format(Lifecycle.lastUse(s)));
        s.setForgottenAt(at);
        s.setVersion(s.getVersion() + 1);
        s.setUpdatedAt(at);
        MemoryRecord last = state.live().get(key);
        // a forgotten memory is remembered only for what recognises a re-derivation and numbers a revival: its uses
        // are published below and need not be kept, and a restatement revives it from a fresh start
        state.strengths().put(key, MemoryStrength.newBuilder(s).setUses(List.of()).setUseCount(0).build());
        state.live().delete(key);
        if (last != null) {
            forward(MemoryRecord.newBuilder(last).setVersion(s.getVersion()).setChange(RecordChange.FORGOTTEN)
                    .setChangeReason(reason).setForgottenAt(at)
                    .setCreatedAt(lifecycle.clock().instant().truncatedTo(ChronoUnit.MILLIS)).build(), streamTime);
        }
        context.forward(out(owner, s, streamTime));
    }

    private void forward(MemoryRecord r, long timestamp) {
        context.forward(out(Lifecycle.owner(r), r, timestamp));
    }

    private Record<String, SpecificRecord> out(String key, SpecificRecord value, long timestamp) {
        return new Record<>(key, value, timestamp, inputHeaders == null ? new RecordHeaders() : inputHeaders);
    }

    /** The version without its embeddings: all a last, forgetting version needs, at a tenth of the size. */
    private static MemoryRecord slim(MemoryRecord r) {
        return MemoryRecord.newBuilder(r).setEmbedding(List.of()).setContextEmbedding(List.of()).build();
    }
}
