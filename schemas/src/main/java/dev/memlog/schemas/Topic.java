package dev.memlog.schemas;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/** A topic with its key serde, value type, creation settings and how it is written: services never spell a topic name. */
public record Topic<K, V extends SpecificRecord>(
        String name, Serde<K> keySerde, Class<V> valueType, Map<String, String> config) {

    /** The Confluent TopicNameStrategy subject for values. */
    public String valueSubject() {
        return name + "-value";
    }

    /** A value serde in the given format, registering the schema under {@link #valueSubject()}. */
    public AvroSerde<V> valueSerde(AvroFormat format) {
        return format.serde(valueType, valueSubject());
    }

    /**
     * A producer whose sends are acknowledged only once every in-sync replica has them (acks=all), never duplicated
     * by its own retries (idempotence), and that gives up within bounded times rather than hanging a caller.
     *
     * @param lingerMs how long a send may wait to join a batch
     */
    public KafkaProducer<K, V> producer(KafkaConnection kafka, AvroFormat format, String clientId, int lingerMs) {
        return producer(kafka, format, clientId, lingerMs, Map.of());
    }

    /** @param overrides producer settings that take the place of these defaults (a transactional id, a shorter timeout) */
    public KafkaProducer<K, V> producer(KafkaConnection kafka, AvroFormat format, String clientId, int lingerMs,
                                        Map<String, Object> overrides) {
        Properties props = kafka.properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.putAll(overrides);
        if ((int) props.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG) < 15_000 + lingerMs) {
            // the client refuses a delivery timeout shorter than its request timeout plus linger
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(1000, (int) props.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG) - lingerMs));
        }
        return new KafkaProducer<>(props, keySerde.serializer(), valueSerde(format).serializer());
    }
}
