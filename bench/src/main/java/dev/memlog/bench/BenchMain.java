package dev.memlog.bench;

import java.util.Arrays;
import java.util.List;

/**
 * {@code ./benchmark [options]}: LoCoMo retrieval; {@code ./benchmark lifecycle [options]}: the synthetic lifecycle
 * workload; {@code ./benchmark erasure}: erasure and encryption's cost; {@code ./benchmark replay}: rebuild and replay
 * throughput and as-of latency; {@code ./benchmark load}: the platform under load; {@code ./benchmark faults}: every
 * fault scenario and the fuzz.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = args.length > 0 ? Arrays.asList(args).subList(1, args.length) : List.of();
        switch (args.length > 0 ? args[0] : "") {
            case "lifecycle" -> new LifecycleBenchmark(LifecycleBenchmark.Options.parse(rest)).run();
            case "erasure" -> new ErasureBenchmark(ErasureBenchmark.Options.parse(rest)).run();
            case "replay" -> new ReplayBenchmark(ReplayBenchmark.Options.parse(rest)).run();
            case "index" -> new IndexBenchmark(IndexBenchmark.Options.parse(rest)).run();
            case "load" -> new LoadBenchmark(LoadBenchmark.Options.parse(rest)).run();
            case "faults" -> dev.memlog.faults.FaultSuite.main(new String[] {"bench/results"}); // exits with its verdict
            default -> {
                LocomoBenchmark.main(args);
                return;
            }
        }
        System.exit(0);
    }
}
