package dev.memlog.consolidation;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
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

    /** First-person forms, each retold in the third person; one pass, so a name put in is never rewritten again. */
    private static final Pattern FIRST_PERSON_FORMS = Pattern.compile(
            "\\b(?:(I'm|I am)|(I've|I have)|(I'd)|(I'll)|(I was)|I (love|like|enjoy|prefer|hate|want|need|live|work|plan|"
                    + "think|feel|hope|know)|([Mm]yself)|([Mm]y)|(I))\\b|(?<=\\s)me\\b");

    /**
     * "I love my garden" said by Ann reads "Ann loves Ann's garden": the sentence names who it is about. The speaker's
     * name is a client's string: it is inserted as it is, never read as a replacement pattern ({@code $1}, a backslash).
     */
    static String aboutSpeaker(String sentence, String speaker) {
        if (speaker == null || speaker.isBlank()) {
            return sentence;
        }
        return FIRST_PERSON_FORMS.matcher(sentence).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1) != null ? speaker + " is"
                        : m.group(2) != null ? speaker + " has"
                        : m.group(3) != null ? speaker + " would"
                        : m.group(4) != null ? speaker + " will"
                        : m.group(5) != null ? speaker + " was"
                        : m.group(6) != null ? speaker + " " + m.group(6) + "s"
                        : m.group(8) != null ? speaker + "'s"
                        : speaker));
    }
}
