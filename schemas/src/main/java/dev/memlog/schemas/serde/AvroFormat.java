package dev.memlog.schemas.serde;

import dev.memlog.schemas.registry.SchemaRegistry;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/** How values are written to topics and stores: Avro with schemas in the registry, sealed fields encrypted by the sealer. */
public record AvroFormat(SchemaRegistry registry, Sealer sealer) {
    public AvroFormat {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(sealer, "sealer");
    }

    /** Without encryption: for tools and tests that write or read plaintext values. */
    public static AvroFormat plain(SchemaRegistry registry) {
        return new AvroFormat(registry, Sealer.NONE);
    }

    public <T extends SpecificRecord> AvroSerde<T> serde(Class<T> type, String subject) {
        return new AvroSerde<>(registry, sealer, type, subject);
    }
}
