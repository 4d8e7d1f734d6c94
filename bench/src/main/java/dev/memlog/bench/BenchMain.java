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
        if (args.length > 0 && args[0].equals("lifecycle")) {
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            new LifecycleBenchmark(LifecycleBenchmark.Options.parse(rest)).run();
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("erasure")) {
            new ErasureBenchmark(ErasureBenchmark.Options.parse(Arrays.asList(args).subList(1, args.length))).run();
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("replay")) {
            new ReplayBenchmark(ReplayBenchmark.Options.parse(Arrays.asList(args).subList(1, args.length))).run();
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("index")) {
            new IndexBenchmark(IndexBenchmark.Options.parse(Arrays.asList(args).subList(1, args.length))).run();
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("load")) {
            new LoadBenchmark(LoadBenchmark.Options.parse(Arrays.asList(args).subList(1, args.length))).run();
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("faults")) {
            dev.memlog.faults.FaultSuite.main(new String[] {"bench/results"});
        }
        LocomoBenchmark.main(args);
    }
}
