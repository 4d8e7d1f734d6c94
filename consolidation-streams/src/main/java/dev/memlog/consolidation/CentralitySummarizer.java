package dev.memlog.consolidation;

import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.avro.BufferedTurn;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The session's most central turns, those most similar to all the others by their embeddings, kept verbatim in the
 * order they were said under the session's date and speakers: an extractive summary that needs no network.
 */
public final class CentralitySummarizer implements Summarizer {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final int maxTurns;
    private final int maxChars;

    /** @param maxTurns turns kept at most; @param maxChars length of the summary at most (turns are cut to fit) */
    public CentralitySummarizer(int maxTurns, int maxChars) {
        if (maxTurns < 1 || maxChars < 80) {
            throw new IllegalArgumentException("a summary keeps at least one turn and 80 characters");
        }
        this.maxTurns = maxTurns;
        this.maxChars = maxChars;
    }

    @Override
    public String name() {
        return "centrality";
    }

    @Override
    public String summarize(List<BufferedTurn> turns) {
        int n = turns.size();
        List<float[]> vectors = turns.stream().map(t -> Vectors.toArray(t.getEmbedding())).toList();
        double[] centrality = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double c = Vectors.cosine(vectors.get(i), vectors.get(j));
                centrality[i] += c;
                centrality[j] += c;
            }
        }
        // about one turn in five, at least one, at most maxTurns; ties go to the earlier turn
        int keep = Math.min(maxTurns, Math.max(1, (int) Math.round(n / 5.0)));
        List<Integer> chosen = new ArrayList<>(IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -centrality[i]).thenComparing(i -> i))
                .limit(keep).toList());
        chosen.sort(Comparator.naturalOrder());

        Set<String> speakers = new LinkedHashSet<>();
        turns.forEach(t -> {
            if (t.getSpeaker() != null) {
                speakers.add(t.getSpeaker());
            }
        });
        StringBuilder summary = new StringBuilder("Conversation on ").append(DAY.format(turns.getFirst().getOccurredAt()));
        if (!speakers.isEmpty()) {
            summary.append(" between ").append(String.join(" and ", speakers));
        }
        summary.append(" (").append(n).append(n == 1 ? " turn" : " turns").append("):");
        int perTurn = Math.max(40, (maxChars - summary.length()) / keep - 4);
        for (int i : chosen) {
            BufferedTurn t = turns.get(i);
            String line = (t.getSpeaker() == null ? "" : t.getSpeaker() + ": ") + t.getText().strip();
            summary.append('\n').append(line.length() > perTurn ? line.substring(0, perTurn - 3).stripTrailing() + "..." : line);
        }
        return summary.length() > maxChars ? summary.substring(0, maxChars) : summary.toString();
    }
}
