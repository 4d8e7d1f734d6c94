package dev.memlog.stack.locomo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads conversations in the LoCoMo JSON format. Only {@code session_<n>} keys that hold a list are sessions;
 * evidence ids are normalised (split on ';' or spaces, stray ':' after 'D', leading zeros) and ids that still
 * name no turn are reported, not fatal.
 */
public final class LocomoFile {
    private static final Pattern SESSION = Pattern.compile("session_(\\d+)");
    private static final Pattern EVIDENCE = Pattern.compile("D:?0*(\\d+):0*(\\d+)");
    private static final DateTimeFormatter DATE = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("h:mm a 'on' d MMMM, yyyy").toFormatter(Locale.ENGLISH);

    /** One conversation: its sessions in order and its questions. */
    public record Conversation(String sampleId, String speakerA, String speakerB, List<Session> sessions,
                               List<Question> questions, List<String> unresolvedEvidence) {
        public int turnCount() {
            return sessions.stream().mapToInt(s -> s.turns().size()).sum();
        }
    }

    public record Session(int number, Instant startedAt, String dateText, List<Turn> turns) {
    }

    public record Turn(String diaId, String speaker, String text, String imageCaption) {
    }

    /** category: 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial (no evidence). */
    public record Question(String question, String answer, List<String> evidence, int category) {
    }

    private LocomoFile() {
    }

    public static List<Conversation> read(InputStream in) throws IOException {
        JsonNode root = Json.mapper().readTree(in);
        if (!root.isArray()) {
            throw new IOException("a LoCoMo file is a JSON array of conversations");
        }
        List<Conversation> conversations = new ArrayList<>();
        for (JsonNode sample : root) {
            conversations.add(conversation(sample));
        }
        return conversations;
    }

    private static Conversation conversation(JsonNode sample) throws IOException {
        String id = sample.path("sample_id").asText();
        JsonNode conv = sample.path("conversation");
        TreeMap<Integer, Session> sessions = new TreeMap<>();
        Set<String> diaIds = new LinkedHashSet<>();
        for (var field : conv.properties()) {
            Matcher m = SESSION.matcher(field.getKey());
            if (!m.matches() || !field.getValue().isArray()) {
                continue;
            }
            int n = Integer.parseInt(m.group(1));
            String dateText = conv.path("session_" + n + "_date_time").asText("");
            List<Turn> turns = new ArrayList<>();
            for (JsonNode t : field.getValue()) {
                String caption = t.hasNonNull("blip_caption") ? t.get("blip_caption").asText() : null;
                turns.add(new Turn(t.path("dia_id").asText(), t.path("speaker").asText(), t.path("text").asText(), caption));
                diaIds.add(t.path("dia_id").asText());
            }
            sessions.put(n, new Session(n, parseDate(dateText, id, n), dateText, List.copyOf(turns)));
        }
        List<Question> questions = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        for (JsonNode qa : sample.path("qa")) {
            List<String> evidence = new ArrayList<>();
            for (JsonNode e : qa.path("evidence")) {
                for (String raw : e.asText().split("[;\\s]+")) {
                    if (raw.isBlank()) {
                        continue;
                    }
                    String normal = normalise(raw);
                    if (normal != null && diaIds.contains(normal)) {
                        evidence.add(normal);
                    } else {
                        unresolved.add(id + ":" + raw);
                    }
                }
            }
            JsonNode answer = qa.has("answer") ? qa.get("answer") : qa.path("adversarial_answer");
            questions.add(new Question(qa.path("question").asText(), answer.asText(""), List.copyOf(evidence),
                    qa.path("category").asInt()));
        }
        return new Conversation(id, conv.path("speaker_a").asText(), conv.path("speaker_b").asText(),
                List.copyOf(sessions.values()), List.copyOf(questions), List.copyOf(unresolved));
    }

    /** "D:11:26" becomes "D11:26", "D30:05" becomes "D30:5"; anything else unparseable is null. */
    static String normalise(String raw) {
        Matcher m = EVIDENCE.matcher(raw.strip());
        return m.matches() ? "D" + Integer.parseInt(m.group(1)) + ":" + Integer.parseInt(m.group(2)) : null;
    }

    private static Instant parseDate(String text, String id, int session) throws IOException {
        try {
            return LocalDateTime.parse(text.strip(), DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IOException("session_" + session + "_date_time of " + id + " is not a date like '1:56 pm on 8 May, 2023': " + text);
        }
    }
}
