package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.serde.AvroSerde;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

class AsOfIndexTest {
    static final Instant SAID = Instant.parse("2023-01-10T09:00:00Z");
    static final String INDEX = "memlog-asof";

    static {
        try {
            Class.forName(AvroSerde.class.getName()); // it tells Avro to trust the generated classes copied below
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static MemoryRecord fact(int version, RecordChange change) {
        return MemoryRecord.newBuilder().setRecordId("f-1").setTenantId("t").setUserId("u").setTier(MemoryTier.SEMANTIC)
                .setText("Ann lives in Leeds").setEmbedding(List.of(0.1f)).setEmbeddingModel("m").setObservedAt(SAID)
                .setCreatedAt(Instant.parse("2026-01-01T00:00:00Z")).setValidFrom(SAID).setProvenance(List.of("e-1"))
                .setVersion(version).setChange(change).build();
    }

    static List<String> describe(List<BulkOperation> ops) {
        return ops.stream().map(op -> op._kind() + " " + (op.isCreate() ? op.create().id() : op.update().id())).toList();
    }

    @Test
    void aKnownVersionIsAddedInEffectFromWhenItsNewestSourceWasObservedAndClosesTheOneBefore() {
        assertThat(describe(AsOfIndex.operations(INDEX, fact(1, RecordChange.DERIVED)))).containsExactly("Create f-1:1");
        var restated = MemoryRecord.newBuilder(fact(2, RecordChange.REINFORCED)).setObservedAt(SAID.plusSeconds(60)).build();
        assertThat(describe(AsOfIndex.operations(INDEX, restated))).containsExactly("Update f-1:1", "Create f-1:2");
        // the span is event time, never the wall-clock time the version was derived
        assertThat(VersionSpans.effectiveAt(restated)).isEqualTo(SAID.plusSeconds(60));
    }

    @Test
    void aVersionThatEndsWhatWasKnownOnlyClosesTheOneBeforeAtTheEventTimeItTookEffect() {
        Instant superseded = Instant.parse("2023-06-01T00:00:00Z");
        var closed = MemoryRecord.newBuilder(fact(2, RecordChange.SUPERSEDED)).setValidTo(superseded).build();
        var forgotten = MemoryRecord.newBuilder(fact(2, RecordChange.FORGOTTEN)).setForgottenAt(superseded.plusSeconds(1)).build();
        var deleted = MemoryRecord.newBuilder(fact(2, RecordChange.DELETED)).setDeletedAt(superseded.plusSeconds(2)).build();
        assertThat(describe(AsOfIndex.operations(INDEX, closed))).containsExactly("Update f-1:1");
        assertThat(describe(AsOfIndex.operations(INDEX, forgotten))).containsExactly("Update f-1:1");
        assertThat(describe(AsOfIndex.operations(INDEX, deleted))).containsExactly("Update f-1:1");
        assertThat(VersionSpans.effectiveAt(closed)).isEqualTo(superseded);
        assertThat(VersionSpans.effectiveAt(forgotten)).isEqualTo(superseded.plusSeconds(1));
        assertThat(VersionSpans.effectiveAt(deleted)).isEqualTo(superseded.plusSeconds(2));
        assertThat(VersionSpans.known(closed)).isFalse();
        // restated after it was forgotten: known again from the restatement
        var revived = MemoryRecord.newBuilder(fact(3, RecordChange.REVIVED)).setObservedAt(superseded.plusSeconds(90)).build();
        assertThat(describe(AsOfIndex.operations(INDEX, revived))).containsExactly("Update f-1:2", "Create f-1:3");
    }
}
