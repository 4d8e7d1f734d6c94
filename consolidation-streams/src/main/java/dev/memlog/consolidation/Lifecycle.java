package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.common.config.Env;
import dev.memlog.common.memory.StrengthModel;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * How memories age, are reinforced and forgotten (FORGETTING, FORGET_BELOW, FORGET_CHECK_MINUTES,
 * FORGET_DORMANT_AFTER_DAYS and the strength
 * model's STRENGTH_* parameters), and the state {@link DecayScheduler} keeps: each live memory's use history, its
 * newest version without embeddings, and each owner's clock.
 *
 * @param forgetting  whether memories whose strength falls below {@code forgetBelow} are forgotten
 * @param checkEvery  how much of an owner's time passes between checks of their memories for forgetting
 * @param dormantAfter how long an owner may be silent, in platform time, before their memories age anyway
 */
public record Lifecycle(StrengthModel model, boolean forgetting, double forgetBelow, Duration checkEvery,
                        Duration dormantAfter, Clock clock) {
    public static final String STRENGTHS = Topics.STRENGTHS.name();
    public static final String LIVE = Topics.LIVE_RECORDS.name();
    /**
     * Each owner's clock: the owner's own time (the event time of the newest thing they did, carried on at the pace of
     * real time since), the platform time it was last set at, and when their memories are next checked for forgetting.
     */
    public static final String CLOCKS = "owner-clock";
    /** Where the sweep of dormant owners has got to, and when its current pass began. */
    public static final String SWEEP = "owner-sweep";
    private static final String SEEN = "\u001eseen";
    private static final String NEXT_CHECK = "\u001enext-check";
    static final String[] STORES = {STRENGTHS, LIVE, CLOCKS, SWEEP};
    /** How often, in platform time, a pass over the memories of owners gone quiet begins. */
    static final Duration DORMANT_SWEEP_EVERY = Duration.ofDays(1);
    /** How often, in platform time, the sweep resumes, and how many memories it looks at each time. */
    static final Duration SWEEP_STEP_EVERY = Duration.ofMinutes(10);
    static final int SWEEP_STEP_SIZE = 5_000;
    /** Uses kept exactly per memory; older ones are counted and approximated. */
    static final int RECENT_USES = 32;
    private static final char SEP = '\u001f';

    public Lifecycle {
        if (forgetBelow <= 0 || forgetBelow >= 1 || !checkEvery.isPositive() || !dormantAfter.isPositive()) {
            throw new IllegalArgumentException("FORGET_BELOW must be in (0, 1), FORGET_CHECK_MINUTES and"
                    + " FORGET_DORMANT_AFTER_DAYS positive");
        }
    }

    public static Lifecycle from(Env env, Clock clock) {
        return new Lifecycle(StrengthModel.from(env), Boolean.parseBoolean(env.string("FORGETTING", "true")),
                env.decimal("FORGET_BELOW", 0.05), Duration.ofMinutes(env.integer("FORGET_CHECK_MINUTES", 60)),
                Duration.ofDays(env.integer("FORGET_DORMANT_AFTER_DAYS", 365)), clock);
    }

    public static Lifecycle defaults(Clock clock) {
        return new Lifecycle(StrengthModel.defaults(), true, 0.05, Duration.ofHours(1), Duration.ofDays(365), clock);
    }

    public DecayScheduler decayScheduler() {
        return new DecayScheduler(this);
    }

    public static List<StoreBuilder<?>> stores(AvroFormat format) {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STRENGTHS), Serdes.String(),
                        Topics.STRENGTHS.valueSerde(format)),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIVE), Serdes.String(),
                        Topics.LIVE_RECORDS.valueSerde(format)),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCKS), Serdes.String(), Serdes.Long()),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SWEEP), Serdes.String(), Serdes.String()));
    }

    /**
     * The state of one stream task, as both processors see it. An owner's time is the event time of the newest thing
     * they did, and between their events it goes on at the pace of the platform's time: so a history appended years
     * after it happened is aged by its own timeline, its owner's later searches happen a moment after its end, and the
     * years between the history and its loading never count as years its memories went unused.
     */
    record State(KeyValueStore<String, MemoryStrength> strengths, KeyValueStore<String, MemoryRecord> live,
                 KeyValueStore<String, Long> clocks, KeyValueStore<String, String> sweep) {
        static State of(ProcessorContext<?, ?> context) {
            return new State(context.getStateStore(STRENGTHS), context.getStateStore(LIVE), context.getStateStore(CLOCKS),
                    context.getStateStore(SWEEP));
        }

        /** The owner's time at platform time {@code platform}, or null for an owner never seen. */
        Instant ownerTimeAt(String owner, long platform) {
            Long clock = clocks.get(owner);
            if (clock == null) {
                return null;
            }
            Long seen = clocks.get(owner + SEEN);
            return Instant.ofEpochMilli(clock + Math.max(0, platform - (seen == null ? platform : seen)));
        }

        /** Platform time of the owner's last event or access; null for an owner never seen. */
        Long lastSeen(String owner) {
            return clocks.get(owner + SEEN);
        }

        /**
         * The owner did something at {@code eventTime} by their own account (an event, or feedback dated by the client),
         * received at platform time {@code platform}: their clock goes to the later of that and where it had run to.
         */
        Instant observe(String owner, Instant eventTime, long platform) {
            Instant ran = ownerTimeAt(owner, platform);
            long now = ran == null ? eventTime.toEpochMilli() : Math.max(ran.toEpochMilli(), eventTime.toEpochMilli());
            set(owner, now, platform);
            return Instant.ofEpochMilli(now);
        }

        /** Something happened for the owner at platform time {@code platform} (a retrieval): their clock runs to it. */
        Instant touch(String owner, long platform) {
            Instant ran = ownerTimeAt(owner, platform);
            if (ran == null) {
                ran = Instant.ofEpochMilli(platform);
            }
            set(owner, ran.toEpochMilli(), platform);
            return ran;
        }

        private void set(String owner, long clock, long platform) {
            clocks.put(owner, clock);
            Long seen = clocks.get(owner + SEEN);
            clocks.put(owner + SEEN, seen == null ? platform : Math.max(seen, platform));
        }

        /** Whether the owner's clock has passed their next check; if so, the check after it is set one interval on. */
        boolean checkDue(String owner, Duration every) {
            Long now = clocks.get(owner);
            Long next = clocks.get(owner + NEXT_CHECK);
            if (now == null || next != null && now < next) {
                return false;
            }
            clocks.put(owner + NEXT_CHECK, now + every.toMillis());
            return next != null;
        }

        Instant clockOf(String owner) {
            Long now = clocks.get(owner);
            return now == null ? null : Instant.ofEpochMilli(now);
        }
    }

    static String owner(MemoryRecord r) {
        return MemoryOwner.of(r.getTenantId(), r.getUserId(), r.getAgentId()).key();
    }

    static String key(String owner, String recordId) {
        return owner + SEP + recordId;
    }

    static String ownerOfKey(String key) {
        return key.substring(0, key.lastIndexOf(SEP));
    }

    static boolean pinned(MemoryRecord r) {
        return RecordKinds.pinned(r.getTier().name(), r.getMetadata());
    }

    /** A use at {@code at}: kept exactly among the most recent, counted always. */
    static void addUse(MemoryStrength s, Instant at) {
        List<Instant> uses = new ArrayList<>(s.getUses());
        uses.add(at);
        uses.sort(null);
        if (uses.size() > RECENT_USES) {
            uses = new ArrayList<>(uses.subList(uses.size() - RECENT_USES, uses.size()));
        }
        s.setUses(uses);
        s.setUseCount(s.getUseCount() + 1);
    }

    static StrengthModel.Uses uses(MemoryStrength s) {
        return new StrengthModel.Uses(s.getBornAt(), s.getUses(), s.getUseCount(), s.getImportance(), s.getPinned(),
                s.getNotUseful());
    }

    /** The last time the memory was used, or first observed if never since. */
    static Instant lastUse(MemoryStrength s) {
        return s.getUses().isEmpty() ? s.getBornAt() : s.getUses().getLast();
    }
}
