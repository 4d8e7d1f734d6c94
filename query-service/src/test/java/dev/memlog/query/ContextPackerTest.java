package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.memlog.query.ContextPacker.Item;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class ContextPackerTest {
    static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    @Provide
    Arbitrary<ContextPacker.Item> items() {
        Arbitrary<String> ids = Arbitraries.strings().alpha().ofLength(3);
        Arbitrary<String> tiers = Arbitraries.of("PROCEDURAL", "SEMANTIC", "EPISODIC", "WORKING");
        Arbitrary<String> sessions = Arbitraries.of("s1", "s2", "s3");
        Arbitrary<String> texts = Arbitraries.strings().withCharRange('a', 'z').withChars(' ', ',', '.', 'é', '\n')
                .ofMinLength(1).ofMaxLength(300);
        Arbitrary<Long> times = Arbitraries.longs().between(1_600_000_000_000L, 1_700_000_000_000L);
        return Combinators.combine(ids, tiers, sessions, texts, times)
                .as((id, tier, session, text, t) -> new ContextPacker.Item(id, tier, session, Instant.ofEpochMilli(t),
                        "Ann", "8 May 2023", text, 1.0, List.of(), null, List.of(), "ann", null));
    }

    @Property(tries = 300)
    void thePackNeverExceedsItsBudget(@ForAll @Size(max = 40) List<@From("items") Item> ranked,
                                      @ForAll @IntRange(min = 1, max = 2000) int budget) {
        List<ContextPacker.Item> chosen = ContextPacker.fit(ranked, budget, CL100K::countTokens);

        assertThat(CL100K.countTokens(ContextPacker.render(chosen))).isLessThanOrEqualTo(budget);
    }

    @Property(tries = 200)
    void thePackHoldsNoRecordOrTextTwice(@ForAll @Size(max = 40) List<@From("items") Item> ranked) {
        List<ContextPacker.Item> doubled = new ArrayList<>(ranked);
        doubled.addAll(ranked);

        List<ContextPacker.Item> chosen = ContextPacker.fit(doubled, 100_000, CL100K::countTokens);

        var ids = new HashSet<String>();
        var texts = new HashSet<String>();
        for (var item : chosen) {
            assertThat(ids.add(item.recordId())).isTrue();
            assertThat(texts.add(item.text().strip().toLowerCase().replaceAll("\\s+", " "))).isTrue();
        }
    }

    @Property(tries = 100)
    void withRoomForEverythingNothingDistinctIsLeftOut(@ForAll @Size(max = 10) List<@From("items") Item> ranked) {
        var distinct = new ArrayList<ContextPacker.Item>();
        var ids = new HashSet<String>();
        var texts = new HashSet<String>();
        for (var item : ranked) {
            String normal = item.text().strip().toLowerCase().replaceAll("\\s+", " ");
            if (!normal.isEmpty() && !ids.contains(item.recordId()) && !texts.contains(normal)) {
                ids.add(item.recordId());
                texts.add(normal);
                distinct.add(item);
            }
        }
        assertThat(ContextPacker.fit(ranked, 1_000_000, CL100K::countTokens)).hasSameSizeAs(distinct);
    }

    @Property(tries = 1)
    void rendersTiersInOrderAndSessionsByTime() {
        var later = new ContextPacker.Item("a", "EPISODIC", "s2", Instant.parse("2023-06-01T10:00:00Z"), "Bo", "1 June 2023", "later turn", 1, List.of(), null, List.of(), "ann", null);
        var earlier = new ContextPacker.Item("b", "EPISODIC", "s1", Instant.parse("2023-05-08T10:00:00Z"), "Ann", "8 May 2023", "earlier turn", 1, List.of(), null, List.of(), "ann", null);
        var fact = new ContextPacker.Item("c", "SEMANTIC", null, Instant.parse("2023-05-09T10:00:00Z"), null, "9 May 2023", "Ann likes tea", 1, List.of(), null, List.of(), "ann", null);
        var rule = new ContextPacker.Item("d", "PROCEDURAL", null, Instant.parse("2023-05-09T10:00:00Z"), null, "9 May 2023", "Answer in French", 1, List.of(), null, List.of(), "ann", null);

        String text = ContextPacker.render(List.of(later, earlier, fact, rule));

        assertThat(text).isEqualTo("""
                ## Instructions
                - Answer in French (9 May 2023)

                ## Facts
                - Ann likes tea (9 May 2023)

                ## Conversations
                [8 May 2023, s1]
                Ann: earlier turn
                [1 June 2023, s2]
                Bo: later turn
                """);
    }

    static final Instant AT = Instant.parse("2023-05-08T10:00:00Z");

    static Item turn(String id, String text) {
        return new Item(id, "EPISODIC", "s1", AT, "Ann", "8 May 2023", text, 1, List.of("e-" + id), null, List.of(), "ann", null);
    }

    static Item fact(String id, String text, String... events) {
        return new Item(id, "SEMANTIC", null, AT, "Ann", "8 May 2023", text, 1, List.of(events), null, List.of(), "ann", null);
    }

    /** An extractive summary of turns t1..t3 quoting one line from each of {@code quoted}. */
    static Item summary(String id, String text, List<String> quoted) {
        return new Item(id, "EPISODIC", "s1", AT, null, "8 May 2023", text, 1, List.of("e-t1", "e-t2", "e-t3"), null, quoted, "ann", null);
    }

    @Property(tries = 1)
    void aFactWhoseTurnIsInIsLeftOutAndATurnTakesThePlaceOfItsFact() {
        var t1 = turn("t1", "I moved to Lisbon last month, and I love it.");
        var f1 = fact("f1", "Ann moved to Lisbon last month.", "e-t1");
        var t2 = turn("t2", "We adopted a puppy called Rex.");
        var f2 = fact("f2", "Ann adopted a puppy called Rex.", "e-t2");

        assertThat(ContextPacker.fit(List.of(t1, f1), 1000, CL100K::countTokens)).containsExactly(t1);
        assertThat(ContextPacker.fit(List.of(f2, t2), 1000, CL100K::countTokens)).containsExactly(t2);
        // with no room for the turn, the fact stays
        int factOnly = CL100K.countTokens(ContextPacker.render(List.of(f2)));
        assertThat(ContextPacker.fit(List.of(f2, t2), factOnly, CL100K::countTokens)).containsExactly(f2);
    }

    @Property(tries = 1)
    void aSummaryShowsOnlyTheLinesWhoseTurnsAreNotInAndGoesWhenNoneIsLeft() {
        var t1 = turn("t1", "I moved to Lisbon last month, and the flat is lovely.");
        var t2 = turn("t2", "We adopted a puppy called Rex.");
        var s = summary("s", "Conversation on 8 May 2023 between Ann and Bo (3 turns):\nAnn moved to Lisbon last month.\n"
                + "Ann: We adopted a puppy called Rex.\nBo: Rex is a great name.", List.of("e-t1", "e-t2", "e-t3"));

        var chosen = ContextPacker.fit(List.of(t1, s, t2), 1000, CL100K::countTokens);

        // the turns say more than the lines taken from them and go first; the summary keeps what they do not say
        assertThat(chosen).extracting(Item::recordId).containsExactly("t1", "t2", "s");
        assertThat(chosen.get(2).text()).isEqualTo("Conversation on 8 May 2023 between Ann and Bo (3 turns):\nBo: Rex is a great name.");
        assertThat(chosen.get(2).lineSources()).containsExactly("e-t3");
        // with room for one of them only, a turn ranked below the summary still comes first
        int oneTurn = CL100K.countTokens(ContextPacker.render(List.of(t2)));
        assertThat(ContextPacker.fit(List.of(s, t2), oneTurn, CL100K::countTokens)).extracting(Item::recordId).containsExactly("t2");
        String pack = ContextPacker.render(chosen);
        assertThat(pack).contains("Rex is a great name").doesNotContain("Ann moved to Lisbon");

        // a summary whose every line comes from a turn that is in adds nothing, whether it came before or after them
        var two = summary("s2", "Conversation (3 turns):\nAnn moved to Lisbon.\nAnn: We adopted a puppy called Rex.",
                List.of("e-t1", "e-t2"));
        assertThat(ContextPacker.fit(List.of(t1, t2, two), 1000, CL100K::countTokens)).extracting(Item::recordId)
                .containsExactly("t1", "t2");
        assertThat(ContextPacker.fit(List.of(two, t1, t2), 1000, CL100K::countTokens)).extracting(Item::recordId)
                .containsExactly("t1", "t2");
        // an abstractive summary (no line sources) goes when every turn it covers is in
        var abstractive = summary("s3", "Ann moved to Lisbon and adopted Rex.", List.of());
        var t3 = turn("t3", "Rex is a great name.");
        assertThat(ContextPacker.fit(List.of(t1, t2, t3, abstractive), 1000, CL100K::countTokens)).extracting(Item::recordId)
                .containsExactly("t1", "t2", "t3");
    }
}
