package dev.memlog.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.AuditAction;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.schemas.avro.MemoryRecord;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An erased owner's documents leave every index of every generation (live, history, strength, as-of, strength lives:
 * the one in use, those kept for a rollback and one being built) and every analyst's scratch index, and the segments
 * that held them are merged away and flushed, so no index file keeps what the owner said; the count of each kind is
 * the erasure's receipt.
 */
final class IndexEraser {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(IndexEraser.class);
    private static final int PAGE = 500;
    private static final java.time.Duration EXPUNGE_FOR = java.time.Duration.ofMinutes(2);
    private final java.util.concurrent.atomic.AtomicLong expunging = new java.util.concurrent.atomic.AtomicLong();
    // one merge loop at a time: a second erasure while it runs only extends it
    private final java.util.concurrent.ThreadPoolExecutor expunger = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1),
            Thread.ofPlatform().daemon().name("index-expunger").factory(), new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
    private final OpenSearchRest os;
    private final Generations generations;
    private final ErasureReceipts receipts;
    // receipts whose deleted documents may still be in segment files
    private final java.util.Queue<AuditEntry> unexpunged = new java.util.concurrent.ConcurrentLinkedQueue<>();

    IndexEraser(OpenSearchRest os, Generations generations, ErasureReceipts receipts) {
        this.os = os;
        this.generations = generations;
        this.receipts = receipts;
    }

    /** Deletes and expunges; returns the receipt for memory.audit. Running it twice deletes nothing more. */
    AuditEntry erase(MemoryRecord marker) {
        Map<String, Long> deleted = new LinkedHashMap<>();
        ObjectNode query = ownerQuery(marker);
        Map<String, List<String>> kinds = new LinkedHashMap<>(generations.everyIndex());
        // an analyst's replay may still hold what it derived for the owner
        List<String> scratch = new ArrayList<>();
        os.call("GET", "/" + generations.alias() + "-replay-*/_mapping", null).fieldNames().forEachRemaining(scratch::add);
        kinds.put("replay", scratch);
        List<String> indexes = new ArrayList<>();
        kinds.forEach((kind, names) -> {
            deleted.put("documents_deleted_" + kind, names.isEmpty() ? 0 : deleteAll(os, String.join(",", names), query));
            indexes.addAll(names);
        });
        var owner = MemoryOwner.of(marker.getTenantId(), marker.getUserId(), marker.getAgentId());
        var entry = AuditEntry.newBuilder().setAuditId(marker.getRecordId() + ":indexes").setTenantId(marker.getTenantId())
                .setActor(marker.getDeletedBy() == null ? "unknown" : marker.getDeletedBy()).setAction(AuditAction.ERASE_INDEXES)
                .setTarget((owner.kind() == MemoryOwner.Kind.USER ? "user:" : "agent:") + owner.id())
                .setEventId(marker.getRecordId()).setAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setDetails(deleted).build();
        receipts.record(entry, marker.getDeletedAt());
        unexpunged.add(entry);
        expunge(indexes);
        return entry;
    }

    /**
     * Deleted documents stay in their segments until merged away, and a merge keeps them while a retention lease (the
     * shard's own history for recovery, renewed every 30 s) still covers them: so segments with any deleted document
     * are merged again in the background, every 10 s for two minutes or until none holds one.
     */
    private void expunge(List<String> indexes) {
        String all = String.join(",", indexes);
        os.call("PUT", "/" + all + "/_settings", "{\"index.merge.policy.expunge_deletes_allowed\": 0}");
        os.call("POST", "/" + all + "/_flush", null);
        long until = System.nanoTime() + EXPUNGE_FOR.toNanos();
        expunging.set(until);
        if (expunger.isShutdown()) {
            return;
        }
        expunger.execute(() -> mergeUntilClean(all));
    }

    private void mergeUntilClean(String all) {
        while (System.nanoTime() < expunging.get() && !Thread.currentThread().isInterrupted()) {
            try {
                os.call("POST", "/" + all + "/_forcemerge", null, Map.of("only_expunge_deletes", "true"));
                os.call("POST", "/" + all + "/_flush", null, Map.of("force", "true"));
                long left = os.call("GET", "/" + all + "/_stats/docs", null).path("_all").path("primaries").path("docs")
                        .path("deleted").asLong();
                if (left == 0) {
                    log.info("every deleted document expunged from {}", all);
                    List<AuditEntry> done = new ArrayList<>();
                    for (AuditEntry e; (e = unexpunged.poll()) != null; ) {
                        done.add(e);
                    }
                    receipts.expunged(done, Instant.now().truncatedTo(ChronoUnit.MILLIS));
                    return;
                }
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("expunging deleted documents from {} failed, trying again: {}", all, e.getMessage());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    void close() {
        expunger.shutdownNow();
    }

    /** Pages through the owner's documents and deletes them in bulk, until a refreshed search finds none. */
    static long deleteAll(OpenSearchRest os, String index, ObjectNode query) {
        long deleted = 0;
        while (true) {
            ObjectNode page = query.deepCopy().put("size", PAGE).put("_source", false);
            // an index of the list may go meanwhile (a half-built generation deleted): the others are still searched
            var hits = os.call("POST", "/" + index + "/_search", page.toString(), Map.of("ignore_unavailable", "true"))
                    .path("hits").path("hits");
            if (hits.isEmpty()) {
                return deleted;
            }
            List<BulkOperation> deletes = new ArrayList<>();
            for (var hit : hits) {
                String in = hit.path("_index").asText();
                String id = hit.path("_id").asText();
                deletes.add(BulkOperation.of(op -> op.delete(d -> d.index(in).id(id))));
            }
            try {
                var answer = os.typed().bulk(b -> b.operations(deletes).refresh(Refresh.True));
                for (var item : answer.items()) {
                    if (item.error() != null && item.status() != 404) {
                        throw new IllegalStateException("the index refused to delete a document of an erased owner: "
                                + item.error().reason());
                    }
                    if ("deleted".equals(item.result())) {
                        deleted++;
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("OpenSearch unreachable: " + e.getMessage(), e);
            }
        }
    }

    /** Every document of the owner: a user's across agents, or an agent's own (those naming no user). */
    static ObjectNode ownerQuery(MemoryRecord marker) {
        ObjectNode body = Json.mapper().createObjectNode();
        ObjectNode bool = body.putObject("query").putObject("bool");
        ArrayNode filter = bool.putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", marker.getTenantId());
        if (marker.getUserId() != null) {
            filter.addObject().putObject("term").put("user_id", marker.getUserId());
        } else {
            filter.addObject().putObject("term").put("agent_id", marker.getAgentId());
            bool.putArray("must_not").addObject().putObject("exists").put("field", "user_id");
        }
        return body;
    }
}
