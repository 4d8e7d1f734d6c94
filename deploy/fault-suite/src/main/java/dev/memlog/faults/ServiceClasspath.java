package dev.memlog.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The classpath on which a child JVM runs any service: every service module and its dependencies, written at build time. */
final class ServiceClasspath {
    private ServiceClasspath() {
    }

    static List<String> entries() {
        List<String> entries = new ArrayList<>();
        try {
            entries.add(Path.of(ServiceClasspath.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = ServiceClasspath.class.getResourceAsStream("/memlog-services.classpath")) {
            if (in == null) {
                throw new IllegalStateException("memlog-services.classpath missing: build deploy/fault-suite");
            }
            for (String entry : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }
}
