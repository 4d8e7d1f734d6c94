package dev.memlog.faults.fuzz;

/**
 * One generated request: which service, method, path with its query, the Content-Type header (null for none), the
 * body's bytes, and in words what was done to a valid request to get it.
 */
public record FuzzRequest(String service, String method, String path, String contentType, byte[] body, String mutation) {

    @Override
    public String toString() {
        String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 160), java.nio.charset.StandardCharsets.UTF_8);
        return service + " " + method + " " + (path.length() > 160 ? path.substring(0, 160) + "…" : path) + " [" + mutation
                + ", " + contentType + ", " + (body == null ? 0 : body.length) + " bytes] " + shown;
    }
}
