package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

class PartitionOrderedBulksTest {
    static BulkOperation op(int partition, int sequence) {
        return BulkOperation.of(o -> o.delete(d -> d.index("i").id(partition + ":" + sequence)));
    }

    @Test
    void eachPartitionLandsInOrderOneRequestAtATimeWithinTheConcurrencyBound() throws Exception {
        int partitions = 3;
        var inFlight = new AtomicInteger();
        var mostInFlight = new AtomicInteger();
        Map<Integer, AtomicInteger> perPartition = new ConcurrentHashMap<>();
        var overlaps = Collections.synchronizedList(new ArrayList<String>());
        Map<Integer, List<Integer>> landed = new ConcurrentHashMap<>();
        PartitionOrderedBulks.Writer writer = ops -> {
            int partition = Integer.parseInt(ops.getFirst().delete().id().split(":")[0]);
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            if (perPartition.computeIfAbsent(partition, p -> new AtomicInteger()).incrementAndGet() > 1) {
                overlaps.add("partition " + partition);
            }
            Thread.sleep(2);
            for (BulkOperation op : ops) {
                String[] id = op.delete().id().split(":");
                assertThat(Integer.parseInt(id[0])).as("one partition per request").isEqualTo(partition);
                landed.computeIfAbsent(partition, p -> Collections.synchronizedList(new ArrayList<>())).add(Integer.parseInt(id[1]));
            }
            perPartition.get(partition).decrementAndGet();
            inFlight.decrementAndGet();
        };
        try (var bulks = new PartitionOrderedBulks(10, 2, writer)) {
            for (int i = 0; i < 1000; i++) {
                int partition = (i / 7) % partitions; // runs of one partition, as a consumer's polls give them
                bulks.add(new TopicPartition("t", partition), List.of(op(partition, i)));
            }
            bulks.drain();
        }
        assertThat(overlaps).as("two requests of one partition in flight at once").isEmpty();
        assertThat(mostInFlight.get()).isBetween(1, 2);
        int total = 0;
        for (var e : landed.entrySet()) {
            assertThat(e.getValue()).as("partition " + e.getKey() + " in order").isSorted();
            total += e.getValue().size();
        }
        assertThat(total).as("everything added has landed once drained").isEqualTo(1000);
    }
}
