package dev.memlog.common.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.http.Context;

/** The one JSON mapper configuration the services use: snake_case on the wire, ISO-8601 dates. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Request bodies are read strictly: a key given twice or anything after the value is refused, not guessed at. */
    private static final ObjectReader REQUESTS = MAPPER.readerFor(JsonNode.class)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The request body as JSON; an empty, non-UTF-8 or malformed body is a 400 that says so. */
    public static JsonNode body(Context ctx) {
        return parse(ctx.bodyAsBytes());
    }

    /** A request body as JSON, refusing what {@link #body} refuses. */
    public static JsonNode parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest(null, "request body is not valid UTF-8");
        }
        if (text.isBlank()) {
            throw ApiException.badRequest(null, "request body is empty: send a JSON object");
        }
        try {
            return REQUESTS.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(null, "request body could not be read: " + e.getMessage());
        }
    }
}
