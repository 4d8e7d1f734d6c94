package dev.memlog.faults;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.faults.fuzz.Fuzz;
import dev.memlog.faults.fuzz.FuzzClient;
import dev.memlog.faults.fuzz.FuzzTally;
import dev.memlog.stack.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Every fault scenario on process stacks (one broker, then a three-node cluster with two consolidation instances) and
 * the fuzz on a local stack, in one run: what {@code ./benchmark faults} writes to bench/results/faults-latest.json and
 * .md, and what the fault and fuzz integration tests assert.
 */
public final class FaultSuite {
    /** The materializer's poll interval on the single-broker stack: short, so an outage can outlast it in seconds. */
    public static final Duration SHORT_POLL_INTERVAL = Duration.ofSeconds(10);
    public static final int FUZZ_REQUESTS = 10_000;
    static final String FUZZ_TENANT = "fuzz";

    private FaultSuite() {
    }

    /** The single-broker stack the first five scenarios share. */
    public static ProcessStack singleBroker(Path dir, Consumer<String> progress) {
        return ProcessStack.start(dir, new ProcessStack.Options(1, 1, 3, Map.of(
                "MATERIALIZER_MAX_POLL_INTERVAL_MS", Long.toString(SHORT_POLL_INTERVAL.toMillis()),
                "KAFKA_STREAMS_SESSION_TIMEOUT_MS", "10000", "KAFKA_STREAMS_HEARTBEAT_INTERVAL_MS", "3000")), progress);
    }

    /** Three Kafka nodes (replication 3, two in sync) and two consolidation instances that fail over fast. */
    public static ProcessStack cluster(Path dir, Consumer<String> progress) {
        return ProcessStack.start(dir, new ProcessStack.Options(3, 2, 6, Map.of(
                "KAFKA_STREAMS_SESSION_TIMEOUT_MS", "8000", "KAFKA_STREAMS_HEARTBEAT_INTERVAL_MS", "2000")), progress);
    }

    public static List<ScenarioResult> singleBrokerScenarios(ProcessStack stack, Consumer<String> progress) throws Exception {
        try (var scenarios = new FaultScenarios(stack, progress)) {
            List<ScenarioResult> results = new ArrayList<>();
            results.add(scenarios.poison());
            results.add(scenarios.consolidationKilled());
            results.add(scenarios.queryServiceKilled());
            results.add(scenarios.openSearchStopped(SHORT_POLL_INTERVAL));
            results.add(scenarios.brokerRestarted());
            return results;
        }
    }

    public static List<ScenarioResult> clusterScenarios(ProcessStack stack, Consumer<String> progress) throws Exception {
        try (var scenarios = new FaultScenarios(stack, progress)) {
            List<ScenarioResult> results = new ArrayList<>();
            results.add(scenarios.brokerKilledInCluster());
            results.add(scenarios.consolidationInstanceKilled());
            return results;
        }
    }

    /** The fuzz on a local stack, then a normal turn through it. */
    public static FuzzTally fuzz(Path dir, int requests, Consumer<String> progress) throws Exception {
        String key = "fuzz-key-" + java.util.UUID.randomUUID();
        // an analyst's key that may also delete and erase, so reads across owners and erasures are fuzzed too
        var free = LocalStack.Config.freePorts(dir, ApiKeys.load(key + "=" + FUZZ_TENANT
                + ";reads=tenant;scopes=read+write+feedback+erase", null));
        try (var stack = new LocalStack(free, line -> { })) {
            // a service still starting answers 503, as it should: the fuzz begins once every one is ready
            for (String url : List.of(stack.ingestUrl(), stack.queryUrl(), stack.consolidationUrl(), stack.registryUrl())) {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (FaultScenarios.status(url + "/health/ready") != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                }
            }
            progress.accept("fuzz: local stack started and ready");
            var targets = new FuzzClient.Targets(Map.of("ingest", stack.ingestUrl(), "query", stack.queryUrl(),
                    "consolidation", stack.consolidationUrl(), "registry", stack.registryUrl()), key,
                    stack.serviceToken().authorization());
            long t = System.nanoTime();
            FuzzTally tally = Fuzz.run(targets, FUZZ_TENANT, requests, 8);
            progress.accept(String.format("fuzz: %d requests in %.1f s, %d 5xx, %d 4xx without a message", tally.requests(),
                    (System.nanoTime() - t) / 1e9, tally.status5xx(), tally.status4xxWithoutMessage()));
            tally.consolidatedAfter(Fuzz.aNormalTurnConsolidates(stack.ingestUrl(), stack.queryUrl(), key, Duration.ofSeconds(180)));
            return tally;
        }
    }

    /** {@code ./benchmark faults}: everything, results to {@code resultsDir/faults-latest.json} and {@code .md}. */
    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/results");
        Path work = Files.createTempDirectory("memlog-faults");
        Consumer<String> progress = line -> System.out.println("  " + line);
        List<ScenarioResult> all = new ArrayList<>();
        System.out.println("Fault scenarios on a single-broker stack (every part its own process)");
        try (var stack = singleBroker(work.resolve("single"), progress)) {
            all.addAll(singleBrokerScenarios(stack, progress));
        }
        System.out.println("Fault scenarios on a three-node Kafka cluster with two consolidation instances");
        try (var stack = cluster(work.resolve("cluster"), progress)) {
            all.addAll(clusterScenarios(stack, progress));
        }
        System.out.println("Fuzz of every endpoint of every service");
        FuzzTally fuzz = fuzz(work.resolve("fuzz"), FUZZ_REQUESTS, progress);
        String machine = Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version();
        FaultReport.write(results, "faults-latest", all, fuzz, machine);
        System.out.println(FaultReport.markdown(all, fuzz, machine));
        ProcessStack.delete(work);
        boolean passed = all.stream().allMatch(ScenarioResult::passed) && fuzz.status5xx() == 0
                && fuzz.status4xxWithoutMessage() == 0 && fuzz.consolidatedAfter();
        System.exit(passed ? 0 : 1);
    }
}
