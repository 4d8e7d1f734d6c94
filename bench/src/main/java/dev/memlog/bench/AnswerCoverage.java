package dev.memlog.bench;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The share of a gold answer's content tokens (lower-cased, punctuation and stop words removed) that appear in
 * a context pack: judges packs fairly whatever form the memory takes (turns, summaries, facts).
 */
public final class AnswerCoverage {
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "and", "or", "but", "of", "to", "in", "on",
            "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its",
            "that", "this", "these", "those", "he", "she", "they", "them", "his", "her", "their", "i", "you", "we",
            "my", "your", "our", "me", "him", "us", "do", "does", "did", "has", "have", "had", "not", "no", "so",
            "than", "then", "there", "here", "what", "which", "who", "whom", "when", "where", "why", "how", "also",
            "about", "into", "over", "after", "before", "up", "down", "out", "off", "very", "can", "could", "would",
            "should", "will", "just", "s", "t", "all", "any", "some", "such", "own", "same", "other", "more", "most");

    private AnswerCoverage() {
    }

    public static List<String> contentTokens(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+"))
                .filter(t -> !t.isEmpty() && !STOP_WORDS.contains(t))
                .toList();
    }

    /** Coverage in [0, 1]; null when the answer has no content token to look for. */
    public static Double coverage(String answer, String pack) {
        List<String> wanted = contentTokens(answer);
        if (wanted.isEmpty()) {
            return null;
        }
        Set<String> present = new HashSet<>(contentTokens(pack));
        long found = wanted.stream().filter(present::contains).count();
        return (double) found / wanted.size();
    }
}
