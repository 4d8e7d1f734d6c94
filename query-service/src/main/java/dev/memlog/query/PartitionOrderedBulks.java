package dev.memlog.query;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.TopicPartition;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * Bulk requests in flight, up to a number of them, never two of one partition: a memory's versions and use history
 * are in one partition and must land in order, while different partitions keep every indexing thread of the engine
 * busy. Operations gather per partition until a request's worth, and go when the partition's last request is done.
 */
final class PartitionOrderedBulks implements AutoCloseable {
    /** What sends one request: the operations of one partition, in order. */
    interface Writer {
        void write(List<BulkOperation> operations) throws Exception;
    }

    private final int size;
    private final Writer writer;
    private final Semaphore slots;
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<TopicPartition, List<BulkOperation>> pending = new HashMap<>();
    private final Map<TopicPartition, Future<?>> inFlight = new HashMap<>();

    /** @param size operations per request; @param concurrency requests in flight at most */
    PartitionOrderedBulks(int size, int concurrency, Writer writer) {
        this.size = size;
        this.writer = writer;
        this.slots = new Semaphore(concurrency);
    }

    void add(TopicPartition partition, List<BulkOperation> operations)
            throws InterruptedException, ExecutionException {
        List<BulkOperation> batch = pending.computeIfAbsent(partition, p -> new ArrayList<>());
        batch.addAll(operations);
        if (batch.size() >= size) {
            // past four requests' worth, the partition waits for its request in flight rather than gather more
            send(partition, batch.size() >= 4 * size);
        }
    }

    /** Sends everything pending and waits for every request: what was added is in the index once this returns. */
    void drain() throws InterruptedException, ExecutionException {
        for (TopicPartition partition : List.copyOf(pending.keySet())) {
            send(partition, true);
        }
        for (Future<?> request : inFlight.values()) {
            await(request);
        }
        inFlight.clear();
    }

    private void send(TopicPartition partition, boolean mustSend) throws InterruptedException, ExecutionException {
        Future<?> previous = inFlight.get(partition);
        if (previous != null) {
            if (!previous.isDone() && !mustSend) {
                return;
            }
            await(previous);
        }
        List<BulkOperation> batch = pending.remove(partition);
        if (batch == null || batch.isEmpty()) {
            return;
        }
        slots.acquire();
        inFlight.put(partition, pool.submit(() -> {
            try {
                writer.write(batch);
                return null;
            } finally {
                slots.release();
            }
        }));
    }

    private static void await(Future<?> request) throws InterruptedException, ExecutionException {
        try {
            request.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CancellationException cancelled) {
                throw cancelled;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
