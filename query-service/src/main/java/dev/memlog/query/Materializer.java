package dev.memlog.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The materializer writes the generation the alias points to: its derivation's topics into its indexes, in its own
 * consumer group. When the alias moves to another generation (a rebuild swapped it, here or in another instance), the
 * materializer moves with it within {@link #FOLLOW_EVERY}: the old generation's indexer stops and the new one's starts
 * where the rebuild left its group.
 */
final class Materializer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Materializer.class);
    static final Duration FOLLOW_EVERY = Duration.ofSeconds(2);
    /** How long an indexer started on a new generation counts as polling before it first has: its group is joining. */
    static final Duration JOINING = Duration.ofSeconds(30);
    private final Generations generations;
    private final Function<Generation, RecordIndexer> indexers;
    private final Thread follower;
    private volatile RecordIndexer indexer;
    private volatile boolean running = true;
    private volatile long movedAt;

    Materializer(Generations generations, Function<Generation, RecordIndexer> indexers, MeterRegistry metrics) {
        this.generations = generations;
        this.indexers = indexers;
        Gauge.builder("memlog_materializer_lag_records", this, Materializer::lag)
                .description("changes in the derivation's records and strength topics not yet indexed; -1 before the first poll")
                .register(metrics);
        this.follower = Thread.ofPlatform().daemon().name("materializer-follower").unstarted(this::follow);
    }

    void start() {
        indexer = indexers.apply(generations.refresh());
        indexer.start();
        follower.start();
    }

    private void follow() {
        while (running) {
            try {
                Thread.sleep(FOLLOW_EVERY.toMillis());
                follow(generations.refresh());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // OpenSearch away: the indexer retries on its own; the generation is read again at the next turn
                log.debug("could not read which generation the alias points to: {}", e.getMessage());
            }
        }
    }

    /** Moves to {@code current} if the indexer writes another generation. */
    synchronized void follow(Generation current) {
        RecordIndexer active = indexer;
        if (!running || active.target().live().equals(current.live())) {
            return;
        }
        log.info("the alias {} points to {} ({}, model {}): materializing it in group {} instead of {}", generations.alias(),
                current.live(), current.derivation(), current.model(), current.group(), active.target().live());
        movedAt = System.currentTimeMillis();
        active.close();
        RecordIndexer next = indexers.apply(current);
        next.start();
        indexer = next;
    }

    /**
     * Polling, or moving to a new generation for less than {@link #JOINING}: a swap reaches every instance at once, and
     * must not make them all unready while the old indexer stops and the new one's group is joined.
     */
    boolean healthy() {
        return indexer.healthy() || System.currentTimeMillis() - movedAt < JOINING.toMillis();
    }

    RecordIndexer indexer() {
        return indexer;
    }

    long lag() {
        RecordIndexer active = indexer;
        return active == null ? -1 : active.lag();
    }

    @Override
    public synchronized void close() {
        running = false;
        follower.interrupt();
        if (indexer != null) {
            indexer.close();
        }
    }
}
