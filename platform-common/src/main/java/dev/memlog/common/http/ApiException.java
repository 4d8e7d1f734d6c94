package dev.memlog.common.http;

/** A client error with an HTTP status and, where one is at fault, the name of the offending field. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String field;

    public ApiException(int status, String message, String field) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, message, null);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
