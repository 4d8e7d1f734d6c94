package dev.memlog.common.http;

/** A client error with an HTTP status and, where one is at fault, the name of the offending field. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String field;
    private final java.util.Map<String, Object> details;

    public ApiException(int status, String message, String field) {
        this(status, message, field, java.util.Map.of());
    }

    /** @param details more for the client to act on (the event ids to retry with), added to the error body */
    public ApiException(int status, String message, String field, java.util.Map<String, Object> details) {
        super(message);
        this.status = status;
        this.field = field;
        this.details = java.util.Map.copyOf(details);
    }

    public java.util.Map<String, Object> details() {
        return details;
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, message, null);
    }

    /**
     * A client's string as an error message may quote it: at most 64 characters, control and unassigned characters
     * shown as escapes, so a hostile value cannot forge log lines or terminal output.
     */
    public static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> {
            if (Character.isISOControl(c) || !Character.isDefined(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 64 ? out + "…" : out.toString();
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
