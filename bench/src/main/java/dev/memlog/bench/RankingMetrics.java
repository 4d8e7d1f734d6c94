package dev.memlog.bench;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Binary-relevance ranking metrics over a ranked list of ids and the set of relevant ids. */
public final class RankingMetrics {
    private RankingMetrics() {
    }

    public static double hitAt(int k, List<String> ranked, Set<String> relevant) {
        return ranked.stream().limit(k).anyMatch(relevant::contains) ? 1 : 0;
    }

    /** Share of the relevant ids found in the top k. */
    public static double recallAt(int k, List<String> ranked, Set<String> relevant) {
        if (relevant.isEmpty()) {
            return 0;
        }
        long found = ranked.stream().limit(k).distinct().filter(relevant::contains).count();
        return (double) found / relevant.size();
    }

    /** NDCG with binary gains; the ideal list puts min(k, |relevant|) relevant ids first. */
    public static double ndcgAt(int k, List<String> ranked, Set<String> relevant) {
        if (relevant.isEmpty()) {
            return 0;
        }
        double dcg = 0;
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            String id = ranked.get(i);
            if (relevant.contains(id) && seen.add(id)) {
                dcg += 1 / log2(i + 2);
            }
        }
        double ideal = 0;
        for (int i = 0; i < Math.min(k, relevant.size()); i++) {
            ideal += 1 / log2(i + 2);
        }
        return dcg / ideal;
    }

    /** Reciprocal rank of the first relevant id within the top k, 0 if none. */
    public static double reciprocalRank(int k, List<String> ranked, Set<String> relevant) {
        for (int i = 0; i < Math.min(k, ranked.size()); i++) {
            if (relevant.contains(ranked.get(i))) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    /** Sessions ranked by their best-scoring turn: the order in which they first appear in the turn ranking. */
    public static List<String> sessionsByBestTurn(List<String> rankedTurns) {
        Set<String> sessions = new LinkedHashSet<>();
        for (String turn : rankedTurns) {
            sessions.add(sessionOf(turn));
        }
        return List.copyOf(sessions);
    }

    /** "D12:3" belongs to session "D12". */
    public static String sessionOf(String diaId) {
        int colon = diaId.indexOf(':');
        return colon < 0 ? diaId : diaId.substring(0, colon);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
