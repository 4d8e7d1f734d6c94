package dev.memlog.schemas.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.registry.InMemorySchemaRegistry;
import dev.memlog.schemas.serde.AvroFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Sealed fields leave a value only encrypted for its owner, come back whole, and never again once the owner's key is destroyed. */
class SealedValuesTest {
    private static final String SECRET = "Zanzibar-quokka-7781";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final InMemoryKeyStore keys = new InMemoryKeyStore();
    private final AvroFormat sealed = new AvroFormat(registry, new EnvelopeSealer(keys));

    @Test
    void anEventsContentAndMetadataAreNotInItsBytesAndComeBackWhole() {
        var serde = Topics.MEMORY_EVENTS.valueSerde(sealed);
        MemoryEvent event = event("ann", SECRET);

        byte[] bytes = serde.serialize(event);

        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET).doesNotContain("speaker-" + SECRET)
                .contains("ann"); // ids stay readable: the log is routed and audited without keys
        assertThat(serde.deserialize(bytes)).isEqualTo(event);
    }

    @Test
    void aRecordsTextAndEmbeddingsAreSealed() {
        var serde = Topics.MEMORY_RECORDS.valueSerde(sealed);
        MemoryRecord record = record("ann", SECRET);

        byte[] bytes = serde.serialize(record);

        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        // the envelope costs a key id, a nonce and a tag, not a second copy
        assertThat(bytes.length).isLessThan(Topics.MEMORY_RECORDS.valueSerde(AvroFormat.plain(registry)).serialize(record).length + 80);
        assertThat(serde.deserialize(bytes)).isEqualTo(record);
    }

    @Test
    void afterTheOwnersKeysAreDestroyedItsValuesReadAsAbsentAndOtherOwnersAreUntouched() {
        var serde = Topics.MEMORY_EVENTS.valueSerde(sealed);
        byte[] ann = serde.serialize(event("ann", SECRET));
        byte[] bob = serde.serialize(event("bob", "bob's own words"));

        assertThat(keys.destroy(dev.memlog.schemas.MemoryOwner.of("t1", "ann", null).key())).hasSize(1);

        assertThat(serde.deserialize(ann)).isNull();
        assertThat(serde.deserialize(bob).getContent()).isEqualTo("bob's own words");
        // a new value for the erased owner gets a new key and is readable
        assertThat(serde.deserialize(serde.serialize(event("ann", "after"))).getContent()).isEqualTo("after");
        assertThat(serde.deserialize(ann)).isNull();
    }

    @Test
    void aSealedValueMovedToAnotherOwnerDoesNotOpen() {
        var serde = Topics.MEMORY_EVENTS.valueSerde(sealed);
        serde.serialize(event("bob", "bob's key exists"));
        MemoryEvent ann = serde.deserialize(serde.serialize(event("ann", SECRET)));
        // take ann's sealed bytes and claim them for bob
        MemoryEvent forged = event("bob", "");
        var sealedAnn = Topics.MEMORY_EVENTS.valueSerde(AvroFormat.plain(registry));
        byte[] annBytes = serde.serialize(event("ann", SECRET));
        var raw = rawRead(annBytes);
        forged.setSealed(raw.getSealed());
        byte[] forgedBytes = sealedAnn.serialize(forged);

        assertThat(ann.getContent()).isEqualTo(SECRET);
        // bob has no key of that id: to bob's readers the value is nothing, never ann's words
        assertThat(serde.deserialize(forgedBytes)).isNull();
    }

    @Test
    void plaintextValuesWrittenBeforeEncryptionStillReadAndASealedOneNeedsTheKey() {
        byte[] plain = Topics.MEMORY_EVENTS.valueSerde(AvroFormat.plain(registry)).serialize(event("ann", SECRET));
        assertThat(new String(plain, StandardCharsets.ISO_8859_1)).contains(SECRET);
        assertThat(Topics.MEMORY_EVENTS.valueSerde(sealed).deserialize(plain).getContent()).isEqualTo(SECRET);

        byte[] sealedBytes = Topics.MEMORY_EVENTS.valueSerde(sealed).serialize(event("ann", SECRET));
        assertThatThrownBy(() -> Topics.MEMORY_EVENTS.valueSerde(AvroFormat.plain(registry)).deserialize(sealedBytes))
                .isInstanceOf(SerializationException.class).hasRootCauseMessage("a sealed value cannot be read with encryption"
                        + " off: configure the key-encryption key (ENCRYPTION_KEK_FILE) the writers used");
    }

    /** Reads the stored form without opening it: the sealed bytes and blank fields as they are on the wire. */
    private MemoryEvent rawRead(byte[] bytes) {
        var reader = new org.apache.avro.specific.SpecificDatumReader<>(MemoryEvent.class);
        try {
            return reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static MemoryEvent event(String user, String content) {
        return MemoryEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId("t1").setUserId(user)
                .setAgentId("a1").setSessionId("s1").setKind(EventKind.TURN).setRole("user").setContent(content)
                .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L)).setReceivedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setMetadata(Map.of("speaker", "speaker-" + content)).build();
    }

    static MemoryRecord record(String user, String text) {
        Instant at = Instant.ofEpochMilli(1_700_000_000_000L);
        return MemoryRecord.newBuilder().setRecordId(UUID.randomUUID().toString()).setTenantId("t1").setUserId(user)
                .setTier(MemoryTier.EPISODIC).setText(text).setEmbedding(List.of(0.25f, -0.5f, 0.125f))
                .setEmbeddingModel("test").setImportance(0.3).setObservedAt(at).setCreatedAt(at).setValidFrom(at)
                .setProvenance(List.of("e1")).setVersion(1).setMetadata(Map.of("kind", "turn")).setChange(RecordChange.DERIVED)
                .setChangeReason("said " + text).build();
    }
}
