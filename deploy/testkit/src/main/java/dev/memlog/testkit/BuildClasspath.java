package dev.memlog.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The classpath a child JVM needs: where a module's own classes are, and the dependency classpath its build wrote
 * into a resource (maven-dependency-plugin's build-classpath).
 */
public final class BuildClasspath {
    private BuildClasspath() {
    }

    /** @param anchor a class of the module; @param resource the resource its build wrote the classpath to */
    public static List<String> of(Class<?> anchor, String resource) {
        List<String> entries = new ArrayList<>();
        try {
            entries.add(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = anchor.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the classpath: build " + anchor.getPackageName());
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
