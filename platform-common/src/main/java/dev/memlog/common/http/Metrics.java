package dev.memlog.common.http;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** A Prometheus registry with JVM metrics and the service name as a common tag. */
public final class Metrics {
    /**
     * The latency histogram's buckets, 5 ms to 10 s: fixed buckets, not client-side percentiles, so that latency
     * aggregates across replicas in PromQL ({@code histogram_quantile} over the summed rates).
     */
    public static final java.time.Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(
            5, 10, 25, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10000).mapToObj(java.time.Duration::ofMillis)
            .toArray(java.time.Duration[]::new);

    private Metrics() {
    }

    public static PrometheusMeterRegistry registry(String service) {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        return registry;
    }
}
