package dev.memlog.bench;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binary-relevance ranking metrics over a ranked list of retrieved items, each standing for the turn ids it covers:
 * a turn covers itself, a derived record (a summary, a fact) the turns in its provenance. An item counts as a hit
 * only for the relevant turns it covers.
 */
public final class RankingMetrics {
    private RankingMetrics() {
    }

    /** A ranking of turns, each covering only itself. */
    public static List<Set<String>> turns(List<String> ids) {
        return ids.stream().map(Set::of).toList();
    }

    public static double hitAt(int k, List<Set<String>> ranked, Set<String> relevant) {
        return ranked.stream().limit(k).anyMatch(item -> covers(item, relevant)) ? 1 : 0;
    }

    /** Share of the relevant ids covered by the top k. */
    public static double recallAt(int k, List<Set<String>> ranked, Set<String> relevant) {
        if (relevant.isEmpty()) {
            return 0;
        }
        Set<String> found = new LinkedHashSet<>();
        ranked.stream().limit(k).forEach(item -> item.stream().filter(relevant::contains).forEach(found::add));
        return (double) found.size() / relevant.size();
    }

    /**
     * NDCG with binary gains: an item gains 1 if it covers a relevant id no earlier item covered; the ideal list
     * puts min(k, |relevant|) relevant ids first.
     */
    public static double ndcgAt(int k, List<Set<String>> ranked, Set<String> relevant) {
        if (relevant.isEmpty()) {
            return 0;
        }
        double dcg = 0;
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            boolean gain = false;
            for (String id : ranked.get(i)) {
                gain |= relevant.contains(id) && seen.add(id);
            }
            if (gain) {
                dcg += 1 / log2(i + 2);
            }
        }
        double ideal = 0;
        for (int i = 0; i < Math.min(k, relevant.size()); i++) {
            ideal += 1 / log2(i + 2);
        }
        return dcg / ideal;
    }

    /** Reciprocal rank of the first item within the top k that covers a relevant id, 0 if none. */
    public static double reciprocalRank(int k, List<Set<String>> ranked, Set<String> relevant) {
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (covers(ranked.get(i), relevant)) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    /** Sessions ranked by their best-scoring item: the order in which they are first covered in the ranking. */
    public static List<Set<String>> sessionsByBestTurn(List<Set<String>> ranked) {
        Set<String> sessions = new LinkedHashSet<>();
        for (Set<String> item : ranked) {
            item.stream().sorted().forEach(turn -> sessions.add(sessionOf(turn)));
        }
        return turns(List.copyOf(sessions));
    }

    /** "D12:3" belongs to session "D12". */
    public static String sessionOf(String diaId) {
        int colon = diaId.indexOf(':');
        return colon < 0 ? diaId : diaId.substring(0, colon);
    }

    private static boolean covers(Set<String> item, Set<String> relevant) {
        return item.stream().anyMatch(relevant::contains);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
