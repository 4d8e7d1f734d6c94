package dev.memlog.registry;

/** An error in the Confluent registry format: HTTP status plus the registry's own error code. */
public class RegistryException extends RuntimeException {
    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    static RegistryException subjectNotFound(String subject) {
        return new RegistryException(404, 40401, "Subject '" + subject + "' not found.");
    }

    static RegistryException versionNotFound(String version) {
        return new RegistryException(404, 40402, "Version " + version + " not found.");
    }

    static RegistryException schemaNotFound() {
        return new RegistryException(404, 40403, "Schema not found");
    }
}
