package dev.memlog.consolidation;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Sentences of an utterance, and a sentence retold about its speaker, so it reads the same out of its conversation. */
final class Sentences {
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|\\n+");
    private static final Pattern FIRST_PERSON = Pattern.compile("\\b(I|I'm|I've|I'd|I'll|[Mm]y|[Mm]yself|me)\\b");

    /** Said to the listener or urging them: it lives in its conversation and means little outside it. */
    private static final Pattern TO_THE_LISTENER = Pattern.compile(
            "\\b(you|your|you're|you've|you'll|you'd|yours|ya)\\b|^(let's|let me|check|look|guess|thanks|thank)\\b",
            Pattern.CASE_INSENSITIVE);

    private Sentences() {
    }

    static List<String> split(String text) {
        return Arrays.stream(SENTENCE_END.split(text.strip())).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Whether the sentence speaks of its speaker in the first person, so {@link #aboutSpeaker} names them. */
    static boolean firstPerson(String sentence) {
        return FIRST_PERSON.matcher(sentence).find();
    }

    static boolean toTheListener(String sentence) {
        return TO_THE_LISTENER.matcher(sentence).find();
    }

    /** "I love my garden" said by Ann reads "Ann loves Ann's garden": the sentence names who it is about. */
    static String aboutSpeaker(String sentence, String speaker) {
        if (speaker == null || speaker.isBlank()) {
            return sentence;
        }
        String s = sentence;
        s = s.replaceAll("\\bI'm\\b|\\bI am\\b", speaker + " is");
        s = s.replaceAll("\\bI've\\b|\\bI have\\b", speaker + " has");
        s = s.replaceAll("\\bI'd\\b", speaker + " would");
        s = s.replaceAll("\\bI'll\\b", speaker + " will");
        s = s.replaceAll("\\bI was\\b", speaker + " was");
        s = s.replaceAll("\\bI (love|like|enjoy|prefer|hate|want|need|live|work|plan|think|feel|hope|know)\\b", speaker + " $1s");
        s = s.replaceAll("\\bI\\b", speaker);
        s = s.replaceAll("\\b[Mm]y\\b", speaker + "'s");
        s = s.replaceAll("\\b[Mm]yself\\b", speaker);
        s = s.replaceAll("(?<=\\s)me\\b", speaker);
        return s;
    }
}
