package dev.memlog.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** A registry inside one JVM, for topology tests that run without a broker; no compatibility checks. */
public final class InMemorySchemaRegistry implements SchemaRegistry {
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger(1);

    @Override
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(schema.toString(), s -> {
            int id = next.getAndIncrement();
            schemas.put(id, schema);
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(404, 40403, "Schema " + id + " not found");
        }
        return schema;
    }
}
