package dev.memlog.schemas.serde;

import dev.memlog.schemas.registry.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format: magic byte 0, the writer schema's 4-byte registry id, then Avro binary.
 * Readers resolve the writer schema by id, so consumers keep working while producers evolve the schema.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    static final byte MAGIC = 0;
    private static final String GENERATED_PACKAGE = "dev.memlog.schemas.avro";

    static {
        // Avro refuses to instantiate classes it has not been told to trust; ours are generated from schemas/
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(),
                type -> type.getPackageName().equals(GENERATED_PACKAGE)));
    }

    private final SchemaRegistry registry;
    private final Sealer sealer;
    private final FieldSealing sealing;
    private final ConcurrentHashMap<Integer, DatumReader<GenericRecord>> sealedReaders = new ConcurrentHashMap<>();
    private final Class<T> type;
    private final String subject;
    private final Schema readerSchema;
    private final SpecificDatumWriter<T> writer;
    private final ConcurrentHashMap<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
    private volatile int writerSchemaId = -1;

    /** @param sealer encrypts the fields the type's schema marks sealed; {@link Sealer#NONE} writes them as they are */
    public AvroSerde(SchemaRegistry registry, Sealer sealer, Class<T> type, String subject) {
        this.registry = registry;
        this.sealer = sealer;
        this.type = type;
        this.subject = subject;
        this.readerSchema = SpecificData.get().getSchema(type);
        this.writer = new SpecificDatumWriter<>(readerSchema);
        this.sealing = FieldSealing.of(readerSchema).orElse(null);
    }

    public String subject() {
        return subject;
    }

    public byte[] serialize(T value) {
        if (value == null) {
            return null;
        }
        try {
            var out = new ByteArrayOutputStream(256);
            out.write(MAGIC);
            out.write(ByteBuffer.allocate(4).putInt(schemaId()).array());
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(sealing != null && sealer.enabled() ? type.cast(sealing.seal(value, sealer)) : value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + type.getSimpleName() + " for " + subject, e);
        }
    }

    /** The value, or null when it was sealed with a key that erasure destroyed: to every reader it is gone. */
    public T deserialize(byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        if (data.length < 5 || buffer.get() != MAGIC) {
            throw new SerializationException("not Confluent wire format (magic byte 0 expected) for " + subject);
        }
        int id = buffer.getInt();
        try {
            SpecificDatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
            T value = reader.read(null, decoder);
            if (sealing != null && sealing.isSealed(value)) {
                var payloadReader = sealedReaders.computeIfAbsent(id, i -> sealing.payloadReader(registry.schemaById(i)));
                return sealing.open(value, payloadReader, sealer) ? value : null;
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot deserialize " + type.getSimpleName() + " with schema id " + id, e);
        }
    }

    private int schemaId() {
        int id = writerSchemaId;
        if (id < 0) {
            // registering an existing schema is idempotent and returns its id
            id = registry.register(subject, readerSchema);
            writerSchemaId = id;
        }
        return id;
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writerSchema = registry.schemaById(id);
        return new SpecificDatumReader<>(writerSchema, readerSchema);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> serialize(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> deserialize(data);
    }
}
