package dev.memlog.schemas;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import org.apache.avro.specific.SpecificRecord;

/** A Kafka Streams state store holding Avro values: its name and value type, so its changelog has a registered schema. */
public record StateStore<V extends SpecificRecord>(String name, Class<V> valueType) {

    public String valueSubject() {
        return name + "-value";
    }

    public AvroSerde<V> valueSerde(AvroFormat format) {
        return format.serde(valueType, valueSubject());
    }
}
