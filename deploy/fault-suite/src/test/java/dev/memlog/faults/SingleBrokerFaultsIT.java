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
 * Faults on a stack whose every part is a process of its own, on one Kafka broker: each scenario under a steady append
 * load, each ending in an audit of every acknowledged event.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SingleBrokerFaultsIT {
    @TempDir
    static Path dir;
    static ProcessStack stack;
    static FaultScenarios scenarios;
    static final List<ScenarioResult> results = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = FaultSuite.singleBroker(dir, System.out::println);
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
        FaultReport.write(Path.of("target", "faults"), "single-broker", results, null, "test run");
    }

    static void record(ScenarioResult result) {
        results.add(result);
        FaultAssertions.survived(result);
    }

    @Test
    @Order(1)
    void poisonOnEveryInputTopicIsADeadLetterWithItsReasonAndThePartitionsGoOn() throws Exception {
        record(scenarios.poison());
    }

    @Test
    @Order(2)
    void consolidationKilledMidLoadAndRestartedOnAnEmptyStateDirectoryLosesAndDuplicatesNothing() throws Exception {
        record(scenarios.consolidationKilled());
    }

    @Test
    @Order(3)
    void queryServiceKilledAndRestartedIndexesEveryRecordOnce() throws Exception {
        record(scenarios.queryServiceKilled());
    }

    @Test
    @Order(4)
    void openSearchDownForLongerThanThePollIntervalAndTheMaterializerResumesByItself() throws Exception {
        record(scenarios.openSearchStopped(FaultSuite.SHORT_POLL_INTERVAL));
    }

    @Test
    @Order(5)
    void theBrokerStoppedUnderLoadIsAnsweredWith503AndNothingAcknowledgedIsLost() throws Exception {
        record(scenarios.brokerRestarted());
    }
}
