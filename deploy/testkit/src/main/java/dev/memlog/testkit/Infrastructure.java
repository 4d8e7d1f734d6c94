package dev.memlog.testkit;

import org.testcontainers.DockerClientFactory;

/**
 * Chooses where infrastructure runs: containers when a Docker engine answers (MEMLOG_INFRA=containers forces
 * it), else in-process and child-process components from Maven Central artifacts (MEMLOG_INFRA=local forces it).
 */
public final class Infrastructure {
    private static volatile Boolean containers;

    private Infrastructure() {
    }

    public static boolean useContainers() {
        if (containers == null) {
            String mode = System.getenv().getOrDefault("MEMLOG_INFRA", "auto");
            containers = switch (mode) {
                case "containers" -> true;
                case "local" -> false;
                default -> dockerAvailable();
            };
        }
        return containers;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
