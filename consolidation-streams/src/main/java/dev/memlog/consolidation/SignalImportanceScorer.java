package dev.memlog.consolidation;

import dev.memlog.common.text.DialogueActs;
import java.util.regex.Pattern;

/**
 * Importance from signals in the text that need no model: an explicit request to remember, first-person
 * preferences and plans, numbers and dates, and names; small talk and bare questions score low.
 */
public final class SignalImportanceScorer implements ImportanceScorer {
    static final double BASE = 0.3;
    private static final Pattern REMEMBER = Pattern.compile(
            "(?i)\\b(remember|don'?t forget|note that|keep in mind|for future reference|always|never)\\b");
    private static final Pattern PREFERENCE = Pattern.compile(
            "(?i)\\b(i|we|my|our)\\b[^.!?]{0,40}\\b(love|like|prefer|hate|enjoy|favou?rite|allergic|want|plan|planning|"
                    + "going to|decided|started|joined|moved|bought|adopted|work|works|live|lives|married|graduated)\\b");
    private static final Pattern NUMBER_OR_DATE = Pattern.compile(
            "(?i)\\b(\\d+|january|february|march|april|may|june|july|august|september|october|november|december|"
                    + "monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|tomorrow|last (week|month|year)|"
                    + "next (week|month|year))\\b");
    // a capitalised word that does not open a sentence: most often a name of a person, place or thing
    private static final Pattern NAME = Pattern.compile("(?<![.!?]\\s)(?<!^)\\b[A-Z][a-z]{2,}\\b");
    private static final Pattern SMALL_TALK = Pattern.compile(
            "(?i)^\\W*(hi|hey|hello|thanks|thank you|bye|goodbye|see you|take care|ok|okay|cool|great|nice|wow|lol|haha)"
                    + "\\b[^.!?]{0,30}[.!?]*\\s*$");

    @Override
    public String name() {
        return "signals";
    }

    @Override
    public double score(String text, boolean explicit) {
        if (explicit) {
            return 0.9;
        }
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || SMALL_TALK.matcher(t).matches()) {
            return 0.1;
        }
        double score = BASE;
        if (REMEMBER.matcher(t).find()) {
            // the speaker said it matters: the strongest signal a turn can carry
            score += 0.4;
        }
        if (PREFERENCE.matcher(t).find()) {
            score += 0.2;
        }
        if (NUMBER_OR_DATE.matcher(t).find()) {
            score += 0.1;
        }
        if (NAME.matcher(t).find()) {
            score += 0.1;
        }
        if (DialogueActs.asks(t)) {
            score -= 0.15;
        }
        return Math.clamp(score, 0.05, 0.95);
    }
}
