package dev.memlog.schemas.registry;

/** A schema registry refused or failed a request; carries the HTTP status and the registry's error code. */
public class SchemaRegistryException extends RuntimeException {
    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        super(message + " (HTTP " + status + ", error_code " + errorCode + ")");
        this.status = status;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
        this.errorCode = -1;
    }

    /** The registry could not be reached or failed on its side: worth retrying, and no fault of the record. */
    public boolean isTransient() {
        return status == -1 || status >= 500;
    }

    /** Whether the error, or one of its causes, is a registry that could not answer: the record itself may be fine. */
    public static boolean transientIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryException e && e.isTransient()) {
                return true;
            }
        }
        return false;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
