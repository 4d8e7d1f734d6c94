package dev.memlog.consolidation;

import dev.memlog.schemas.avro.MemoryTier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Facts from first-person sentences by pattern, with no model: preferences, attributes (where someone lives, works,
 * their age, favourites, the names of family and pets), life events and plans; and standing instructions from a user
 * or an explicit memory ("always answer in French", "use the staging cluster for tests"). Each keeps the speaker and
 * reads as a sentence about them.
 */
public final class RuleFactExtractor implements FactExtractor {
    static final int MAX_STATEMENT_CHARS = 300;
    /** Shorter sentences ("Thanks, I will!") say too little to stand alone. */
    static final int MIN_WORDS = 4;
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
    private static final Pattern FIRST_PERSON = Pattern.compile("\\b(i|i'm|i've|i'd|i'll|my|me|we|our)\\b", FLAGS);
    private static final Pattern NEGATION = Pattern.compile(
            "\\b(not|no longer|never|don'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|won'?t|can'?t|stopped|quit)\\b", FLAGS);
    /** The object of a statement ends at a clause boundary: "hiking, especially in spring" keeps "hiking". */
    private static final Pattern CLAUSE_END = Pattern.compile(
            "\\s*(,|;|:|\\(|\\s-\\s|\\b(and|but|because|since|so|which|who|when|while|as|if|though|although|now|anymore|any more|"
                    + "these days|lately|a lot|so much|very much)\\b).*$", FLAGS);
    private static final Pattern INSTRUCTION = Pattern.compile(
            "^(please\\s+)?(always|never|don'?t|do not|make sure (to|you)|remember to|from now on|going forward|"
                    + "call me|address me as|use\\s+.+\\s+(for|when)\\s+)\\b.*", FLAGS);
    /**
     * Said in a conversation, an instruction must be about what the assistant does ("always answer in French", "never
     * suggest meat"): "don't give up!" or "always here to help" between friends is not one.
     */
    private static final Pattern ASSISTANT_DIRECTIVE = Pattern.compile(
            "^(please\\s+)?(from now on,?\\s+|going forward,?\\s+)?(please\\s+)?(always\\s+|never\\s+|don'?t\\s+|do not\\s+|"
                    + "make sure (to|you)\\s+|remember to\\s+)?(answer|reply|respond|write|format|summari[sz]e|explain|suggest|"
                    + "recommend|remind|call me|address me|use|include|mention|cite|show|send|ask|book|schedule|keep|avoid|list|"
                    + "translate|speak|talk|add|cc|copy|deploy|run|push|merge|notify|email|contact|share|post|store|save)\\b.*", FLAGS);
    private static final Pattern CALL_ME = Pattern.compile("\\b(?:call me|address me as)\\s+(.+)", FLAGS);
    private static final Pattern LANGUAGE = Pattern.compile(
            "\\b(answer|reply|respond|write|speak|talk)\\b.*\\bin\\s+(english|french|german|spanish|italian|portuguese|"
                    + "dutch|polish|japanese|chinese|korean|arabic|hindi|russian|swedish|danish|norwegian|finnish|greek|turkish)\\b", FLAGS);
    private static final Pattern TOOL_FOR = Pattern.compile("^(?:please\\s+)?(?:always\\s+)?use\\s+(.+?)\\s+(?:for|when)\\s+(.+)$", FLAGS);

    /** A keyed pattern: what it matches, the attribute it sets and where its value is. */
    private record Keyed(Pattern pattern, Function<Matcher, String> attribute, int valueGroup) {
    }

    private static final List<Keyed> KEYED = List.of(
            new Keyed(Pattern.compile("\\bmy name is\\s+([\\p{L}' -]+)", FLAGS), m -> "name", 1),
            new Keyed(Pattern.compile("\\bmy\\s+(favou?rite\\s+[\\p{L}]+(?:\\s+[\\p{L}]+)?)\\s+(?:is|are|was|has to be)\\s+(.+)", FLAGS),
                    m -> m.group(1).toLowerCase(Locale.ROOT).replace("favourite", "favorite"), 2),
            new Keyed(Pattern.compile("\\bmy\\s+(wife|husband|partner|son|daughter|dog|cat|puppy|kitten|brother|sister|mother|mom|"
                    + "mum|father|dad|boyfriend|girlfriend|boss|best friend)(?:'s name is| is called| is named| named)\\s+([\\p{L}]+)", FLAGS),
                    m -> m.group(1).toLowerCase(Locale.ROOT) + "'s name", 2),
            new Keyed(Pattern.compile("\\bi(?:'m| am)\\s+(\\d{1,3})\\s+(?:years old|now)\\b", FLAGS), m -> "age", 1),
            new Keyed(Pattern.compile("\\bi(?:'m| am)?\\s*(?:(?:now|currently|still|also|actually)\\s+)?(?:live|living|based)\\s+in\\s+(.+)", FLAGS), m -> "lives in", 1),
            new Keyed(Pattern.compile("\\b(?:i|we)\\s+(?:just\\s+|recently\\s+|finally\\s+)?(?:moved|relocated)\\s+to\\s+(.+)", FLAGS), m -> "lives in", 1),
            new Keyed(Pattern.compile("\\bi(?:'m| am)?\\s*(?:(?:now|currently|still|also|actually)\\s+)?(?:work|working)\\s+(?:as|at|for)\\s+(.+)", FLAGS), m -> "works as or at", 1),
            new Keyed(Pattern.compile("\\bi\\s+(?:just\\s+)?(?:got|started|landed|accepted)\\s+a\\s+(?:new\\s+)?job\\s+(?:as|at|with)\\s+(.+)", FLAGS), m -> "works as or at", 1),
            new Keyed(Pattern.compile("\\bi(?:'m| am)\\s+allergic\\s+to\\s+(.+)", FLAGS), m -> "allergic to", 1),
            new Keyed(Pattern.compile("\\bi\\s+(?:(?:really|absolutely|just|also|still|totally)\\s+)?(?:do\\s+not|don'?t|no longer)?\\s*"
                    + "(?:love|like|enjoy|prefer|hate|dislike|adore|can'?t stand)\\s+(.+)", FLAGS), m -> "feelings about", 1),
            new Keyed(Pattern.compile("\\bi\\s+have\\s+(\\d+|one|two|three|four|five|six|seven|eight|nine|ten)\\s+"
                    + "(kids|children|sons|daughters|dogs|cats|pets|siblings|brothers|sisters|grandchildren)\\b", FLAGS),
                    m -> "number of " + m.group(2).toLowerCase(Locale.ROOT), 1));

    private static final Set<String> LIKING = Set.of("love", "like", "enjoy", "prefer", "adore");
    private static final Pattern FEELING_VERB = Pattern.compile("\\b(love|like|enjoy|prefer|hate|dislike|adore|can'?t stand)\\b", FLAGS);

    /** Statements with no key: things that happened and plans, worth keeping but not replacing each other. */
    private static final Pattern EVENT_OR_PLAN = Pattern.compile(
            "\\b(?:i|we)\\s+(?:just\\s+|recently\\s+|finally\\s+|actually\\s+|also\\s+)?"
                    + "(started|joined|adopted|bought|got|graduated|married|visited|went|signed up|finished|won|began|took up|"
                    + "volunteered|painted|ran|wrote|created|made|attended|celebrated|learned|received|met|traveled|travelled|"
                    + "completed|launched|opened|decided|have been|am going to|am planning|plan to|will|want to|hope to|"
                    + "am a|am an|have a)\\b"
                    + "|\\b(?:i|we)(?:'m|'re|'ve|'ll)\\s+(?:just\\s+|recently\\s+|finally\\s+|also\\s+)?"
                    + "(going to|planning|a|an|been|got|started|joined|thinking of|taking|learning|training|volunteering|"
                    + "working on)\\b", FLAGS);

    @Override
    public String name() {
        return "rules";
    }

    @Override
    public List<Fact> extract(Utterance u) {
        List<Fact> facts = new ArrayList<>();
        String subject = u.speaker() == null || u.speaker().isBlank() ? "user" : u.speaker().strip();
        boolean mayInstruct = u.explicit() || "user".equalsIgnoreCase(u.role());
        for (String sentence : Sentences.split(u.text())) {
            if (sentence.split("\\s+").length < MIN_WORDS || sentence.endsWith("?")) {
                continue;
            }
            Fact fact = mayInstruct && (u.explicit() || ASSISTANT_DIRECTIVE.matcher(sentence).matches())
                    ? instruction(sentence) : null;
            if (fact == null) {
                fact = statement(subject, u.speaker(), sentence, u.explicit());
            }
            if (fact != null) {
                facts.add(fact);
            }
        }
        return facts;
    }

    private static Fact instruction(String sentence) {
        if (!INSTRUCTION.matcher(sentence).matches()) {
            return null;
        }
        boolean negated = NEGATION.matcher(sentence).find();
        String attribute = null;
        String value = null;
        Matcher m;
        if ((m = CALL_ME.matcher(sentence)).find()) {
            attribute = "form of address";
            value = objectOf(m.group(1));
        } else if ((m = LANGUAGE.matcher(sentence)).find()) {
            attribute = "language of " + (m.group(1).equalsIgnoreCase("speak") || m.group(1).equalsIgnoreCase("talk") ? "speech" : "replies");
            value = m.group(2).toLowerCase(Locale.ROOT);
        } else if ((m = TOOL_FOR.matcher(sentence)).matches()) {
            attribute = "what to use for " + objectOf(m.group(2));
            value = objectOf(m.group(1));
        }
        return new Fact(MemoryTier.PROCEDURAL, attribute == null ? null : "instructions", attribute, value,
                clip(sentence), negated);
    }

    private static Fact statement(String subject, String speaker, String sentence, boolean explicit) {
        if (!explicit && Sentences.toTheListener(sentence)) {
            // "There's something I want to tell you", "Check out what I made!": conversation, not a fact about the speaker
            return null;
        }
        if (!FIRST_PERSON.matcher(sentence).find()) {
            // an explicit memory in the third person ("Ann's daughter is called Mia") is a fact as it stands
            return explicit ? new Fact(MemoryTier.SEMANTIC, null, null, null, clip(sentence), NEGATION.matcher(sentence).find()) : null;
        }
        boolean negated = NEGATION.matcher(sentence).find();
        String text = clip(Sentences.aboutSpeaker(sentence, speaker));
        for (Keyed k : KEYED) {
            Matcher m = k.pattern().matcher(sentence);
            if (m.find()) {
                String value = objectOf(m.group(k.valueGroup()));
                if (value.isEmpty()) {
                    continue;
                }
                String attribute = k.attribute().apply(m);
                if (attribute.equals("feelings about")) {
                    // the thing liked is part of the key; the feeling is the value, so "I hate X" replaces "I love X"
                    Matcher verb = FEELING_VERB.matcher(m.group());
                    boolean likes = verb.find() && LIKING.contains(verb.group(1).toLowerCase(Locale.ROOT)) && !negated;
                    return new Fact(MemoryTier.SEMANTIC, subject, attribute + " " + value, likes ? "likes" : "dislikes",
                            text, negated);
                }
                if (attribute.equals("allergic to")) {
                    return new Fact(MemoryTier.SEMANTIC, subject, attribute + " " + value, negated ? "no" : "yes", text, negated);
                }
                return new Fact(MemoryTier.SEMANTIC, subject, attribute, value, text, negated);
            }
        }
        if (explicit || EVENT_OR_PLAN.matcher(sentence).find()) {
            return new Fact(MemoryTier.SEMANTIC, null, null, null, text, negated);
        }
        return null;
    }

    /** The object of a matched phrase, up to the end of its clause, without leading articles or trailing punctuation. */
    static String objectOf(String phrase) {
        String s = CLAUSE_END.matcher(phrase.strip()).replaceFirst("");
        s = s.replaceAll("[.!?\"']+$", "").replaceFirst("(?i)^(the|a|an|my|our)\\s+", "").strip();
        String[] words = s.split("\\s+");
        return words.length > 6 ? String.join(" ", List.of(words).subList(0, 6)) : s;
    }

    private static String clip(String s) {
        return s.length() <= MAX_STATEMENT_CHARS ? s : s.substring(0, MAX_STATEMENT_CHARS).strip() + "…";
    }
}
