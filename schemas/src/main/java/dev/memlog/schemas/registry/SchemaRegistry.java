package dev.memlog.schemas.registry;

import org.apache.avro.Schema;

/** What the serde needs from a schema registry: ids for writer schemas and schemas for ids. */
public interface SchemaRegistry {

    /** Registers the schema under the subject (idempotent) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema registered under a global id. */
    Schema schemaById(int id);
}
