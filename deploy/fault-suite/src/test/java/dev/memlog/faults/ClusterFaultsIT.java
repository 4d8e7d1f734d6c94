package dev.memlog.faults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out, the reason for Kafka: three Kafka nodes (replication 3, two in sync) and two consolidation instances
 * sharing the partitions, each a process of its own, one of them killed under load.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsIT {
    @TempDir
    static Path dir;
    static ProcessStack stack;
    static FaultScenarios scenarios;
    static final List<ScenarioResult> results = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = FaultSuite.cluster(dir, System.out::println);
        scenarios = new FaultScenarios(stack, System.out::println);
    }

    @AfterAll
    static void stop() throws Exception {
        if (scenarios != null) {
            scenarios.close();
        }
        if (stack != null) {
            stack.close();
        }
        FaultReport.write(Path.of("target", "faults"), "cluster", results, null, "test run");
    }

    @Test
    @Order(1)
    void aKafkaNodeKilledUnderLoadLeavesAppendsAcknowledgedAndNothingLost() throws Exception {
        var result = scenarios.brokerKilledInCluster();
        results.add(result);
        FaultAssertions.survived(result);
    }

    @Test
    @Order(2)
    void aConsolidationInstanceKilledHandsItsTasksToTheSurvivorAndWorkingMemoryIsServedThroughout() throws Exception {
        var result = scenarios.consolidationInstanceKilled();
        results.add(result);
        FaultAssertions.survived(result);
    }
}
