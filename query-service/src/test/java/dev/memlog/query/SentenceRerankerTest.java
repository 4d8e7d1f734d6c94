package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The offline reranker with the real local model. */
class SentenceRerankerTest {

    @Test
    void oneAnsweringSentenceAmongChatterOutranksRelatedChatter() {
        var reranker = new SentenceReranker(OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q"));
        String answer = "Thanks so much! The kids loved the weekend and we baked cookies. By the way, I adopted a puppy "
                + "from the shelter and named him Max. Anyway, how is work going?";
        String chatter = "Pets are such good company. Do you like animals? I always wanted a pet.";

        double[] scores = reranker.scores("What is the name of the dog that was adopted?", List.of(chatter, answer));

        assertThat(scores[1]).isGreaterThan(scores[0]);
        assertThat(java.util.Arrays.stream(scores).boxed().toList()).allMatch(s -> s >= 0 && s <= 1);
        assertThat(reranker.name()).isEqualTo("sentence:bge-small-en-v1.5-q");
    }

    @Test
    void textsSplitIntoBoundedSentences() {
        assertThat(SentenceReranker.sentences("I moved. It rained! Did you?")).containsExactly("I moved.", "It rained!", "Did you?");
        assertThat(SentenceReranker.sentences("One. ".repeat(50))).hasSize(SentenceReranker.MAX_SENTENCES);
        assertThat(SentenceReranker.sentences("   ")).isEmpty();
    }
}
