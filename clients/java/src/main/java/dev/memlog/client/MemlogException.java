package dev.memlog.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;

/** A service refused a request: its status, its message and the field it named, as the service's JSON error said. */
public class MemlogException extends IOException {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int status;
    private final String error;
    private final String field;

    public MemlogException(int status, String error, String field, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
        this.field = field;
    }

    /** The refusal a response carries: a JSON error when the service sent one, its raw body otherwise. */
    static MemlogException of(HttpResponse<String> response) {
        String error = response.body();
        String field = null;
        try {
            JsonNode body = JSON.readTree(response.body());
            if (body != null && body.path("error").isTextual()) {
                error = body.path("error").asText();
                field = body.path("field").isTextual() ? body.path("field").asText() : null;
            }
        } catch (IOException e) {
            // not JSON (a proxy's page): the raw body is the message
        }
        String detail = response.request().method() + " " + response.uri().getPath() + " answered " + response.statusCode()
                + ": " + error + (field == null ? "" : " (field " + field + ")");
        return response.statusCode() == 404 ? new NotFound(error, field, detail)
                : new MemlogException(response.statusCode(), error, field, detail);
    }

    /** The HTTP status: 400 bad input, 401 no valid credential, 403 not allowed, 404 none such, 429 over a limit, 503 retry. */
    public int status() {
        return status;
    }

    /** The service's own message, without the request it answered. */
    public String error() {
        return error;
    }

    /** The request field the service named as the problem, or null. */
    public String field() {
        return field;
    }

    /** The service answered 404: no such memory of this owner in this tenant, or no such route. */
    public static final class NotFound extends MemlogException {
        NotFound(String error, String field, String detail) {
            super(404, error, field, detail);
        }
    }
}
