package dev.memlog.query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * A bulk write into an index the platform fills from the log, as the materializer would: what the index is too busy
 * for is sent again, what it refuses for good is counted and passed over (the live materializer made it a dead letter).
 */
final class RetryingBulk {
    private static final int ATTEMPTS = 10;

    private RetryingBulk() {
    }

    /** Writes and empties {@code batch}; returns how many operations the index refused for good. */
    static long write(OpenSearchRest os, String index, List<BulkOperation> batch) throws IOException, InterruptedException {
        long refused = 0;
        for (int attempt = 1; !batch.isEmpty(); attempt++) {
            var response = os.typed().bulk(b -> b.index(index).operations(batch));
            List<BulkOperation> again = new ArrayList<>();
            for (int i = 0; i < response.items().size(); i++) {
                var item = response.items().get(i);
                // 409: a newer version is already in; 404: removing what is not there
                if (item.error() == null || item.status() == 409 || item.status() == 404) {
                    continue;
                }
                if (item.status() == 429 || item.status() >= 500) {
                    again.add(batch.get(i));
                } else {
                    refused++;
                }
            }
            batch.clear();
            if (!again.isEmpty()) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException(index + " did not take " + again.size() + " operations after "
                            + ATTEMPTS + " attempts");
                }
                Thread.sleep(Math.min(5000, 100L << attempt));
                batch.addAll(again);
            }
        }
        return refused;
    }
}
