package dev.memlog.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic agent-user history over simulated months, built to tell whether strength helps where LoCoMo cannot
 * show it: every day some small talk and a few one-off remarks; now and then a fact that changes later (where the
 * user lives, works, what they drink); and pairs of equally similar notes ("the spare key is under the blue pot" /
 * "... the red pot") of which the agent keeps using one and never the other. Deterministic for a seed.
 */
final class LifecycleWorkload {
    static final Instant START = Instant.parse("2024-01-01T09:00:00Z");
    static final int DAYS_PER_MONTH = 30;
    /** How often the agent uses the note it relies on. */
    static final Duration USE_EVERY = Duration.ofDays(14);

    private static final List<String> SMALL_TALK = List.of("Okay, thanks!", "Sounds good, talk later.", "Haha, nice one.",
            "Thanks, that helps.", "Cool, see you tomorrow.", "Great, thank you!", "Okay, got it.", "Nice, thanks a lot!",
            "Hi again!", "Bye for now.");
    private static final List<String> SUBJECTS = List.of("The train", "The bakery queue", "The printer at work", "Our neighbour's dog",
            "The weather", "The new cafe", "The gym", "My phone battery", "The football match", "The traffic");
    private static final List<String> REMARKS = List.of("was a bit odd this morning", "made me laugh today",
            "was slower than usual", "was surprisingly good", "took ages again", "was quieter than last week");

    /** Two notes that match one question about equally well; the agent relies on {@code used} and never on {@code unused}. */
    record Pair(String question, String used, String unused, int month) {
    }

    /** A fact the user restates with a new value; the question should find the value current at the end. */
    record Changing(String question, List<String> statements, List<String> values) {
    }

    static final List<Pair> PAIRS = List.of(
            new Pair("Where is the spare key?", "The spare key is under the blue flowerpot by the door.",
                    "The spare key is under the red flowerpot by the door.", 0),
            new Pair("What is the wifi password at the cabin?", "The wifi password at the cabin is maple-river-42.",
                    "The wifi password at the cabin is cedar-lake-17.", 2),
            new Pair("Which gate does the school bus stop at?", "The school bus stops at the north gate on Elm Street.",
                    "The school bus stops at the south gate on Elm Street.", 4),
            new Pair("What time is the team standup?", "The team standup is at 9:15 in the small meeting room.",
                    "The team standup is at 9:45 in the small meeting room.", 6),
            new Pair("Where do I park at the office?", "At the office I park on level 2 of the east garage.",
                    "At the office I park on level 4 of the east garage.", 8),
            new Pair("Which pharmacy has my prescription?", "My prescription is held at the pharmacy on Mill Road.",
                    "My prescription is held at the pharmacy on Hill Road.", 10),
            new Pair("What is the code for the bike shed?", "The code for the bike shed is 4417.",
                    "The code for the bike shed is 7741.", 12),
            new Pair("Which locker is mine at the pool?", "My locker at the pool is number 58 by the showers.",
                    "My locker at the pool is number 85 by the showers.", 14));

    static final List<Changing> CHANGING = List.of(
            new Changing("Where do I live?", List.of("I live in Leeds.", "I live in York now.", "I live in Bath now."),
                    List.of("Leeds", "York", "Bath")),
            new Changing("Where do I work?", List.of("I work at Fernway Logistics.", "I work at Harbour Bank now."),
                    List.of("Fernway", "Harbour")),
            new Changing("What is my favorite coffee?", List.of("My favorite coffee is a flat white.",
                    "My favorite coffee is a cortado these days."), List.of("flat white", "cortado")));

    /** One turn the user says, at a moment of simulated time. */
    record Turn(Instant at, String text, String kind) {
    }

    /** A use the agent reports: the note of a pair, at a moment. */
    record Use(Instant at, Pair pair) {
    }

    private final int months;
    private final Random random;

    LifecycleWorkload(int months, long seed) {
        this.months = months;
        this.random = new Random(seed);
    }

    Instant end() {
        return START.plus(Duration.ofDays((long) months * DAYS_PER_MONTH));
    }

    /** The month's turns in time order: small talk, remarks, notes and fact changes falling in it. */
    List<Turn> turns(int month) {
        List<Turn> turns = new ArrayList<>();
        for (int day = 0; day < DAYS_PER_MONTH; day++) {
            Instant morning = START.plus(Duration.ofDays((long) month * DAYS_PER_MONTH + day));
            for (int i = 0; i < 4; i++) {
                turns.add(new Turn(morning.plusSeconds(60L * i), SMALL_TALK.get(random.nextInt(SMALL_TALK.size())), "small_talk"));
            }
            for (int i = 0; i < 2; i++) {
                turns.add(new Turn(morning.plus(Duration.ofHours(4 + i)), SUBJECTS.get(random.nextInt(SUBJECTS.size())) + " "
                        + REMARKS.get(random.nextInt(REMARKS.size())) + ".", "remark"));
            }
        }
        Instant noon = START.plus(Duration.ofDays((long) month * DAYS_PER_MONTH + 1)).plus(Duration.ofHours(3));
        for (Pair p : PAIRS) {
            if (p.month() == month) {
                turns.add(new Turn(noon, p.used(), "note"));
                turns.add(new Turn(noon.plusSeconds(30), p.unused(), "note"));
            }
        }
        for (Changing c : CHANGING) {
            for (int i = 0; i < c.statements().size(); i++) {
                if (changeMonth(i) == month) {
                    turns.add(new Turn(noon.plusSeconds(90), c.statements().get(i), "fact"));
                }
            }
        }
        turns.sort(java.util.Comparator.comparing(Turn::at));
        return turns;
    }

    /** The i-th value of a changing fact is stated in month 6i. */
    static int changeMonth(int i) {
        return 6 * i;
    }

    /** The agent's uses of the notes it relies on within the month, every two weeks from the day after a note appears. */
    List<Use> uses(int month) {
        List<Use> uses = new ArrayList<>();
        Instant from = START.plus(Duration.ofDays((long) month * DAYS_PER_MONTH));
        Instant to = from.plus(Duration.ofDays(DAYS_PER_MONTH));
        for (Pair p : PAIRS) {
            Instant first = START.plus(Duration.ofDays((long) p.month() * DAYS_PER_MONTH + 2)).plus(Duration.ofHours(5));
            for (Instant at = first; at.isBefore(to); at = at.plus(USE_EVERY)) {
                if (!at.isBefore(from)) {
                    uses.add(new Use(at, p));
                }
            }
        }
        uses.sort(java.util.Comparator.comparing(Use::at));
        return uses;
    }

    /** The value of a changing fact current at the end of the run. */
    String currentValue(Changing c) {
        int last = 0;
        for (int i = 0; i < c.statements().size(); i++) {
            if (changeMonth(i) < months) {
                last = i;
            }
        }
        return c.values().get(last);
    }
}
