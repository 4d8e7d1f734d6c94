package dev.memlog.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What a replay knows that the platform did not (at the same moment), what it lacks, and which memories both know but
 * with another text, tier or importance; lists are cut at {@link #LISTED} entries each, the counts are whole.
 */
record ReplayDiff(long replayRecords, long referenceRecords, long same, long onlyInReplayCount,
                  long onlyInReferenceCount, long changedCount, List<Memory> onlyInReplay, List<Memory> onlyInReference,
                  List<Changed> changed, boolean truncated) {
    static final int LISTED = 100;
    private static final int TEXT_SHOWN = 200;

    /** One memory as the diff shows it: its text cut short. */
    record Memory(String recordId, String tier, String text, double importance) {
        Memory {
            text = text == null || text.length() <= TEXT_SHOWN ? text : text.substring(0, TEXT_SHOWN) + "…";
        }
    }

    /** A memory both sides know, and the fields in which they differ, with the replay's values. */
    record Changed(String recordId, List<String> fields, Memory replay, Memory reference) {
    }

    static ReplayDiff of(Map<String, Memory> replay, Map<String, Memory> reference) {
        List<Memory> onlyReplay = new ArrayList<>();
        List<Memory> onlyReference = new ArrayList<>();
        List<Changed> changed = new ArrayList<>();
        long same = 0;
        long onlyReplayCount = 0;
        long onlyReferenceCount = 0;
        long changedCount = 0;
        var ids = new TreeSet<String>(replay.keySet());
        ids.addAll(reference.keySet());
        for (String id : ids) {
            Memory mine = replay.get(id);
            Memory theirs = reference.get(id);
            if (theirs == null) {
                onlyReplayCount++;
                add(onlyReplay, mine);
            } else if (mine == null) {
                onlyReferenceCount++;
                add(onlyReference, theirs);
            } else {
                List<String> fields = differences(mine, theirs);
                if (fields.isEmpty()) {
                    same++;
                } else {
                    changedCount++;
                    if (changed.size() < LISTED) {
                        changed.add(new Changed(id, fields, mine, theirs));
                    }
                }
            }
        }
        boolean truncated = onlyReplayCount > LISTED || onlyReferenceCount > LISTED || changedCount > LISTED;
        return new ReplayDiff(replay.size(), reference.size(), same, onlyReplayCount, onlyReferenceCount, changedCount,
                onlyReplay, onlyReference, changed, truncated);
    }

    private static void add(List<Memory> list, Memory memory) {
        if (list.size() < LISTED) {
            list.add(memory);
        }
    }

    private static List<String> differences(Memory a, Memory b) {
        List<String> fields = new ArrayList<>(3);
        if (!Objects.equals(a.text(), b.text())) {
            fields.add("text");
        }
        if (!Objects.equals(a.tier(), b.tier())) {
            fields.add("tier");
        }
        if (Math.abs(a.importance() - b.importance()) > 1e-6) {
            fields.add("importance");
        }
        return fields;
    }
}
