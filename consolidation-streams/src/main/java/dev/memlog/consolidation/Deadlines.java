package dev.memlog.consolidation;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * What falls due when, in a state store ordered by due time, so a processor finds what is due with one range read
 * instead of scanning every entry it keeps. Each key has at most one deadline; setting a new one replaces it.
 */
final class Deadlines {
    /** Due entries, {@code d|<due millis, zero-padded>|<key>} → action, sort by time. */
    private static final String DUE = "d|";
    /** Each key's current deadline, {@code k|<key>} → due millis, so it can be replaced. */
    private static final String BY_KEY = "k|";
    private static final String WIDTH = "%019d";

    private final KeyValueStore<String, String> store;

    Deadlines(KeyValueStore<String, String> store) {
        this.store = store;
    }

    static StoreBuilder<KeyValueStore<String, String>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.String());
    }

    /** One deadline that has passed: the key it was set for, and what was to be done. */
    record Due(String key, String action, long dueAt) {
    }

    /** Sets the key's deadline to {@code dueAt} (epoch millis), replacing any earlier one. */
    void set(String key, long dueAt, String action) {
        cancel(key);
        store.put(DUE + String.format(WIDTH, Math.max(0, dueAt)) + '|' + key, action);
        store.put(BY_KEY + key, Long.toString(Math.max(0, dueAt)));
    }

    void cancel(String key) {
        String due = store.get(BY_KEY + key);
        if (due != null) {
            store.delete(DUE + String.format(WIDTH, Long.parseLong(due)) + '|' + key);
            store.delete(BY_KEY + key);
        }
    }

    /**
     * Removes and returns up to {@code limit} deadlines at or before {@code now}, earliest first; what is left waits for
     * the next call, so no call holds the stream thread for long.
     */
    List<Due> takeDue(long now, int limit) {
        List<Due> due = new ArrayList<>();
        String to = DUE + String.format(WIDTH, Math.max(0, now)) + "|\uffff";
        try (var it = store.range(DUE, to)) {
            while (it.hasNext() && due.size() < limit) {
                KeyValue<String, String> kv = it.next();
                String rest = kv.key.substring(DUE.length());
                int bar = rest.indexOf('|');
                due.add(new Due(rest.substring(bar + 1), kv.value, Long.parseLong(rest.substring(0, bar))));
            }
        }
        for (Due d : due) {
            store.delete(DUE + String.format(WIDTH, d.dueAt()) + '|' + d.key());
            store.delete(BY_KEY + d.key());
        }
        return due;
    }
}
