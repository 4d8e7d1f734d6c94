package dev.memlog.schemas;

import dev.memlog.schemas.registry.SchemaRegistry;
import dev.memlog.schemas.serde.AvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** A topic with its key serde, value type and creation settings: services never spell a topic name. */
public record Topic<K, V extends SpecificRecord>(
        String name, Serde<K> keySerde, Class<V> valueType, Map<String, String> config) {

    /** The Confluent TopicNameStrategy subject for values. */
    public String valueSubject() {
        return name + "-value";
    }

    /** A value serde bound to the given registry, registering the schema under {@link #valueSubject()}. */
    public AvroSerde<V> valueSerde(SchemaRegistry registry) {
        return new AvroSerde<>(registry, valueType, valueSubject());
    }
}
