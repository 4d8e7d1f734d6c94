package dev.memlog.consolidation;

import dev.memlog.common.embedding.Vectors;
import dev.memlog.common.text.DialogueActs;
import dev.memlog.schemas.avro.BufferedTurn;
import java.time.LocalDate;
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
 * The session's key statements: from the turns most like the rest of the session (by their embeddings) and most worth
 * keeping (by the importance scorer), each turn's weightiest statement, retold about its speaker with its relative
 * dates resolved, in the order they were said under the session's date and speakers: an extractive summary that needs
 * no network and reads on its own.
 */
public final class CentralitySummarizer implements Summarizer {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    /** Statements shorter than this say too little to stand alone ("Thanks, I will!"). */
    static final int MIN_WORDS = 4;
    static final int MAX_LINE_CHARS = 200;

    private final int maxLines;
    private final int maxChars;
    private final ImportanceScorer importance;

    /**
     * @param maxLines statements kept at most (about one turn in four is summarized)
     * @param maxChars length of the summary at most; the least weighty statements give way first
     */
    public CentralitySummarizer(int maxLines, int maxChars, ImportanceScorer importance) {
        if (maxLines < 1 || maxChars < 80) {
            throw new IllegalArgumentException("a summary keeps at least one statement and 80 characters");
        }
        this.maxLines = maxLines;
        this.maxChars = maxChars;
        this.importance = importance;
    }

    @Override
    public String name() {
        return "centrality";
    }

    private record Statement(int turn, String line, double weight) {
    }

    @Override
    public Summary summarize(List<BufferedTurn> turns) {
        int n = turns.size();
        double[] centrality = centrality(turns);
        List<Statement> statements = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Statement best = weightiest(i, turns.get(i), centrality[i]);
            if (best != null) {
                statements.add(best);
            }
        }
        String heading = heading(turns);
        int keep = Math.min(maxLines, Math.max(1, (int) Math.round(n / 4.0)));
        List<Statement> chosen = new ArrayList<>();
        int length = heading.length();
        for (Statement s : statements.stream()
                .sorted(Comparator.comparingDouble((Statement s) -> -s.weight()).thenComparingInt(Statement::turn)).toList()) {
            if (chosen.size() == keep) {
                break;
            }
            if (length + 1 + s.line().length() <= maxChars) {
                chosen.add(s);
                length += 1 + s.line().length();
            }
        }
        if (chosen.isEmpty()) {
            // nothing but questions and small talk: the session's most central turn, cut to fit, stands for it
            int i = IntStream.range(0, n).boxed().max(Comparator.comparingDouble(j -> centrality[j])).orElse(0);
            String line = clip(retold(turns.get(i), turns.get(i).getText().strip()), maxChars - heading.length() - 1);
            chosen.add(new Statement(i, line, 0));
        }
        chosen.sort(Comparator.comparingInt(Statement::turn));
        StringBuilder text = new StringBuilder(heading);
        List<String> sources = new ArrayList<>();
        for (Statement s : chosen) {
            text.append('\n').append(s.line());
            sources.add(turns.get(s.turn()).getEventId());
        }
        return new Summary(text.toString(), sources);
    }

    /** Each turn's mean cosine similarity to the other turns of the session, scaled so the most central is 1. */
    private static double[] centrality(List<BufferedTurn> turns) {
        int n = turns.size();
        double[] c = new double[n];
        List<float[]> vectors = turns.stream().map(t -> Vectors.toArray(t.getEmbedding())).toList();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = Vectors.cosine(vectors.get(i), vectors.get(j));
                c[i] += s;
                c[j] += s;
            }
        }
        double max = IntStream.range(0, n).mapToDouble(i -> c[i]).max().orElse(0);
        for (int i = 0; i < n; i++) {
            c[i] = max > 0 ? Math.max(0, c[i] / max) : 1;
        }
        return c;
    }

    /** The turn's statement most worth keeping, weighed with the turn's centrality; null when it makes none. */
    private Statement weightiest(int index, BufferedTurn turn, double centrality) {
        Statement best = null;
        for (String sentence : Sentences.split(turn.getText())) {
            if (sentence.split("\\s+").length < MIN_WORDS || DialogueActs.asks(sentence) || Sentences.toTheListener(sentence)) {
                continue;
            }
            double weight = centrality * (0.5 + importance.score(sentence, false));
            if (best == null || weight > best.weight()) {
                best = new Statement(index, clip(retold(turn, sentence), MAX_LINE_CHARS), weight);
            }
        }
        return best;
    }

    /** The sentence about its speaker, with its relative dates resolved against the day it was said. */
    private static String retold(BufferedTurn turn, String sentence) {
        LocalDate day = LocalDate.ofInstant(turn.getOccurredAt(), ZoneOffset.UTC);
        String speaker = turn.getSpeaker();
        String line = Sentences.firstPerson(sentence) || speaker == null
                ? Sentences.aboutSpeaker(sentence, speaker) : speaker + ": " + sentence;
        return TemporalAnchors.anchor(line, day);
    }

    private static String heading(List<BufferedTurn> turns) {
        Set<String> speakers = new LinkedHashSet<>();
        turns.forEach(t -> {
            if (t.getSpeaker() != null) {
                speakers.add(t.getSpeaker());
            }
        });
        StringBuilder heading = new StringBuilder("Conversation on ").append(DAY.format(turns.getFirst().getOccurredAt()));
        if (!speakers.isEmpty()) {
            heading.append(" between ").append(String.join(" and ", speakers));
        }
        int n = turns.size();
        return heading.append(" (").append(n).append(n == 1 ? " turn" : " turns").append("):").toString();
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(1, max - 1)).stripTrailing() + "…";
    }
}
