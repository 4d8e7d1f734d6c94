package dev.memlog.testkit;

/** Credentials for tests that start services themselves: as strong as the services require, and never used elsewhere. */
public final class TestCredentials {
    /** What the services present to each other in a test (SERVICE_TOKEN). */
    public static final String SERVICE_TOKEN = "memlog-test-service-token-0123456789abcdef";

    private TestCredentials() {
    }

    /** The Authorization header a test sends where a service would. */
    public static String serviceAuthorization() {
        return "Bearer " + SERVICE_TOKEN;
    }
}
