package dev.memlog.query;

import dev.memlog.common.text.DialogueActs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A turn borrows part of the relevance of the turn beside it, a question gives way to its answer, and a turn
 * spoken by the one person the query names counts more.
 */
public record DialogueShaper(double neighbourWeight, double questionPenalty, double namedSpeakerBoost) {
    public DialogueShaper {
        if (neighbourWeight < 0 || neighbourWeight > 1 || questionPenalty < 0 || questionPenalty > 1
                || namedSpeakerBoost < 0 || namedSpeakerBoost > 1) {
            throw new IllegalArgumentException("dialogue weights must be between 0 and 1");
        }
    }

    public static DialogueShaper none() {
        return new DialogueShaper(0, 0, 0);
    }

    /** A candidate as the rules see it: where it sits in its session, who said it, and its fused relevance. */
    public record Turn(String recordId, String follows, String speaker, String text, double relevance) {
    }

    /** How the rules moved one candidate's relevance; the parts add to the change. */
    public record Adjustment(double neighbour, double question, double speaker) {
        public double total() {
            return neighbour + question + speaker;
        }
    }

    /**
     * One adjustment per candidate, in order. A turn gains {@code neighbourWeight} times the relevance of the
     * better of the turns just before and after it in the pool (what was asked often matches the question while
     * the answer holds the memory); a turn that is itself a question then loses {@code questionPenalty} of its
     * relevance; a turn by the only speaker of the pool whom the query names gains {@code namedSpeakerBoost}.
     */
    public List<Adjustment> adjust(String query, List<Turn> pool) {
        Map<String, Double> relevanceById = new HashMap<>();
        Map<String, Double> relevanceOfNext = new HashMap<>();
        for (Turn t : pool) {
            relevanceById.put(t.recordId(), t.relevance());
            if (t.follows() != null) {
                relevanceOfNext.merge(t.follows(), t.relevance(), Math::max);
            }
        }
        String named = onlyNamedSpeaker(query, pool);
        List<Adjustment> adjustments = new ArrayList<>(pool.size());
        for (Turn t : pool) {
            double before = t.follows() == null ? 0 : relevanceById.getOrDefault(t.follows(), 0.0);
            double after = relevanceOfNext.getOrDefault(t.recordId(), 0.0);
            double neighbour = neighbourWeight * Math.max(before, after);
            double base = t.relevance() + neighbour;
            double question = DialogueActs.asks(t.text()) ? -questionPenalty * base : 0;
            double speaker = named != null && named.equals(t.speaker()) ? namedSpeakerBoost * (base + question) : 0;
            adjustments.add(new Adjustment(neighbour, question, speaker));
        }
        return adjustments;
    }

    /** The one speaker among the candidates whom the query names as a word, or null if none or several. */
    static String onlyNamedSpeaker(String query, List<Turn> pool) {
        Set<String> speakers = new LinkedHashSet<>();
        pool.forEach(t -> {
            if (t.speaker() != null && !t.speaker().isBlank()) {
                speakers.add(t.speaker());
            }
        });
        String named = null;
        for (String speaker : speakers) {
            if (Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(speaker) + "(?![\\p{L}\\p{N}])").matcher(query).find()) {
                if (named != null) {
                    return null;
                }
                named = speaker;
            }
        }
        return named;
    }
}
