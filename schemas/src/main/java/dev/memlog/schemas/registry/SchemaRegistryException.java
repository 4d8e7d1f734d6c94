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

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
