package dev.memlog.faults;

import dev.memlog.testkit.BuildClasspath;
import java.util.List;

/** The classpath on which a child JVM runs any service: every service module and its dependencies, written at build time. */
final class ServiceClasspath {
    private ServiceClasspath() {
    }

    static List<String> entries() {
        return BuildClasspath.of(ServiceClasspath.class, "memlog-services.classpath");
    }
}
