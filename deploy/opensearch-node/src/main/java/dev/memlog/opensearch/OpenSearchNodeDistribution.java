package dev.memlog.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where the node's classes are: this module's own code, its dependencies (written at build time) and the
 * k-NN and neural-search plugin jars unpacked from their Maven Central zips, plus the security plugin's jars for a
 * secured node. Loads no OpenSearch class itself.
 */
public final class OpenSearchNodeDistribution {
    public static final String MAIN_CLASS = "dev.memlog.opensearch.OpenSearchNodeMain";
    /** The system property ({@code -D...=true}) that makes {@link #MAIN_CLASS} load the security plugin. */
    public static final String SECURITY_PROPERTY = "memlog.opensearch.security";
    // the security plugin's jars stay off the default classpath, so the plain node runs exactly the classes it always ran
    private static final String SECURITY_PLUGIN_DIR = "security";

    private OpenSearchNodeDistribution() {
    }

    /** The full classpath of the node JVM, without the security plugin. */
    public static List<String> classpath() {
        return classpath(false);
    }

    /** The full classpath of the node JVM; with the security plugin's jars when {@code withSecurity}. */
    public static List<String> classpath(boolean withSecurity) {
        List<String> entries = new ArrayList<>();
        entries.add(ownLocation());
        String deps = resource("memlog-opensearch-node.classpath");
        for (String entry : deps.strip().split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        Properties props = new Properties();
        try {
            props.load(new java.io.StringReader(resource("memlog-opensearch-node.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path plugins = Path.of(props.getProperty("plugins.dir"));
        Path security = plugins.resolve(SECURITY_PLUGIN_DIR);
        if (withSecurity && !Files.isDirectory(security)) {
            throw new IllegalStateException("OpenSearch security plugin jars missing at " + security + ": build deploy/opensearch-node first");
        }
        try (Stream<Path> jars = Files.walk(plugins)) {
            jars.filter(p -> p.toString().endsWith(".jar")).filter(p -> withSecurity || !p.startsWith(security))
                    .sorted().forEach(p -> entries.add(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch plugin jars missing at " + plugins + ": build deploy/opensearch-node first", e);
        }
        return entries;
    }

    private static String ownLocation() {
        try {
            return Path.of(OpenSearchNodeDistribution.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = OpenSearchNodeDistribution.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
