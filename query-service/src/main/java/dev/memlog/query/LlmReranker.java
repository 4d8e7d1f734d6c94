package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import dev.memlog.common.llm.LlmClient;
import java.io.IOException;
import java.util.List;

/** A language model on an OpenAI-compatible endpoint rates, from 0 to 10, how well each candidate answers the query. */
public final class LlmReranker implements Reranker {
    /** Each candidate is cut to this many characters: the prompt stays bounded whatever was stored. */
    static final int MAX_CANDIDATE_CHARS = 1000;
    static final String INSTRUCTIONS = """
            You judge search results for a memory system. For each numbered passage, rate from 0 to 10 how well it \
            answers or supports the query (10: answers it directly, 0: unrelated). Reply with JSON only, in the form \
            {"scores": [s0, s1, ...]}, one integer per passage, in passage order.""";

    private final LlmClient llm;

    public LlmReranker(LlmClient llm) {
        this.llm = llm;
    }

    @Override
    public String name() {
        return "llm:" + llm.model();
    }

    @Override
    public double[] scores(String query, List<String> candidateTexts) {
        StringBuilder prompt = new StringBuilder("Query: ").append(query).append("\n\nPassages:\n");
        for (int i = 0; i < candidateTexts.size(); i++) {
            String text = candidateTexts.get(i);
            prompt.append('[').append(i).append("] ")
                    .append(text.length() > MAX_CANDIDATE_CHARS ? text.substring(0, MAX_CANDIDATE_CHARS) : text)
                    .append('\n');
        }
        return parse(llm.ask(INSTRUCTIONS, prompt.toString()), candidateTexts.size());
    }

    /** Reads {"scores": [...]} from the reply, tolerating text or code fences around it; scores become [0, 1]. */
    static double[] parse(String reply, int expected) {
        int start = reply == null ? -1 : reply.indexOf('{');
        int end = reply == null ? -1 : reply.lastIndexOf('}');
        if (start < 0 || end < start) {
            throw new IllegalStateException("reranker reply holds no JSON object: " + abbreviate(reply));
        }
        JsonNode scores;
        try {
            scores = Json.mapper().readTree(reply.substring(start, end + 1)).path("scores");
        } catch (IOException e) {
            throw new IllegalStateException("reranker reply is not valid JSON: " + abbreviate(reply), e);
        }
        if (!scores.isArray() || scores.size() != expected) {
            throw new IllegalStateException("reranker reply should hold " + expected + " scores: " + abbreviate(reply));
        }
        double[] out = new double[expected];
        for (int i = 0; i < expected; i++) {
            if (!scores.get(i).isNumber()) {
                throw new IllegalStateException("reranker score " + i + " is not a number: " + abbreviate(reply));
            }
            out[i] = Math.clamp(scores.get(i).asDouble() / 10, 0, 1);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
