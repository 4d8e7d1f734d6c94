package dev.memlog.schemas.serde;

import dev.memlog.schemas.MemoryOwner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Moves the fields a schema marks {@code "sealed": true} into its {@code sealed} bytes, encrypted for the owner the
 * value belongs to, and back. Ids, owners, kinds and times stay readable, so the log can be routed, audited and
 * replayed without keys; what was said, and the vectors derived from it, cannot.
 */
final class FieldSealing {
    static final String PROPERTY = "sealed";
    static final String FIELD = "sealed";

    private final Schema schema;
    private final List<Schema.Field> sealedFields;
    private final Schema payloadSchema;
    private final GenericDatumWriter<Object> payloadWriter;
    private final byte[] associatedData;
    private final int sealedPos;

    private FieldSealing(Schema schema, List<Schema.Field> sealedFields) {
        this.schema = schema;
        this.sealedPos = schema.getField(FIELD).pos();
        this.sealedFields = sealedFields;
        this.payloadSchema = payloadSchema(schema);
        this.payloadWriter = new GenericDatumWriter<>(payloadSchema, SpecificData.get());
        // a value sealed as one type cannot be opened as another
        this.associatedData = schema.getFullName().getBytes(StandardCharsets.UTF_8);
    }

    /** The sealing of this schema's values, or empty when it marks no field sealed. */
    static Optional<FieldSealing> of(Schema schema) {
        List<Schema.Field> sealed = schema.getFields().stream().filter(f -> Boolean.TRUE.equals(f.getObjectProp(PROPERTY))).toList();
        if (sealed.isEmpty()) {
            return Optional.empty();
        }
        for (String required : List.of(FIELD, "tenant_id", "user_id", "agent_id")) {
            if (schema.getField(required) == null) {
                throw new IllegalArgumentException(schema.getFullName() + " seals fields but has no " + required + " field");
            }
        }
        sealed.forEach(f -> blank(f.schema()));
        return Optional.of(new FieldSealing(schema, sealed));
    }

    /**
     * A copy of the value with its sealed fields blank and their encryption beside them; the value itself when those
     * fields hold nothing (an erasure, a deletion without a reason), so that no key is made for nothing.
     */
    IndexedRecord seal(IndexedRecord value, Sealer sealer) {
        if (sealedFields.stream().allMatch(f -> isBlank(value.get(f.pos())))) {
            return value;
        }
        GenericRecord payload = new org.apache.avro.generic.GenericData.Record(payloadSchema);
        IndexedRecord out = (IndexedRecord) SpecificData.get().newRecord(null, schema);
        for (Schema.Field f : schema.getFields()) {
            out.put(f.pos(), value.get(f.pos()));
        }
        for (Schema.Field f : sealedFields) {
            payload.put(f.name(), value.get(f.pos()));
            out.put(f.pos(), blank(f.schema()));
        }
        try {
            var bytes = new ByteArrayOutputStream(256);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
            payloadWriter.write(payload, encoder);
            encoder.flush();
            out.put(sealedPos, ByteBuffer.wrap(sealer.seal(subject(value), bytes.toByteArray(), associatedData)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Whether the value holds sealed fields. */
    boolean isSealed(IndexedRecord value) {
        return value.get(sealedPos) != null;
    }

    /** A reader of the sealed fields as a writer of this schema wrote them. */
    DatumReader<GenericRecord> payloadReader(Schema writerSchema) {
        return new SpecificDatumReader<>(payloadSchema(writerSchema), payloadSchema);
    }

    /**
     * Restores the sealed fields of a value just read, in place.
     *
     * @return false when the owner's key is gone: the value was erased and must be treated as absent
     */
    boolean open(IndexedRecord value, DatumReader<GenericRecord> payloadReader, Sealer sealer) {
        ByteBuffer sealedBytes = (ByteBuffer) value.get(sealedPos);
        byte[] ciphertext = new byte[sealedBytes.remaining()];
        sealedBytes.duplicate().get(ciphertext);
        Optional<byte[]> plaintext = sealer.open(subject(value), ciphertext, associatedData);
        if (plaintext.isEmpty()) {
            return false;
        }
        try {
            GenericRecord payload = payloadReader.read(null, DecoderFactory.get().binaryDecoder(plaintext.get(), null));
            for (Schema.Field f : sealedFields) {
                value.put(f.pos(), payload.get(f.name()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        value.put(sealedPos, null);
        return true;
    }

    /** Whose key seals the value: its owner, as every topic is keyed. */
    String subject(IndexedRecord value) {
        return MemoryOwner.of(text(value, "tenant_id"), text(value, "user_id"), text(value, "agent_id")).key();
    }

    private String text(IndexedRecord value, String field) {
        Object v = value.get(schema.getField(field).pos());
        return v == null ? null : v.toString();
    }

    private static Schema payloadSchema(Schema schema) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (Boolean.TRUE.equals(f.getObjectProp(PROPERTY))) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(schema.getName() + "Sealed", null, schema.getNamespace(), false, fields);
    }

    private static boolean isBlank(Object v) {
        return v == null || (v instanceof CharSequence c && c.isEmpty()) || (v instanceof java.util.Collection<?> c && c.isEmpty())
                || (v instanceof java.util.Map<?, ?> m && m.isEmpty());
    }

    /** What a sealed field holds in the clear: nothing, of its type. */
    private static Object blank(Schema type) {
        return switch (type.getType()) {
            case STRING -> "";
            case MAP -> new HashMap<>();
            case ARRAY -> new ArrayList<>();
            case UNION -> {
                if (type.getTypes().stream().noneMatch(t -> t.getType() == Schema.Type.NULL)) {
                    throw new IllegalArgumentException("a sealed union field must allow null: " + type);
                }
                yield null;
            }
            default -> throw new IllegalArgumentException("a sealed field must be a string, map, array or nullable: " + type);
        };
    }
}
