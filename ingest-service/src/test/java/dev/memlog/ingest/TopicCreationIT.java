package dev.memlog.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import dev.memlog.testkit.KafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a real broker: the services make the missing topics, unless TOPIC_AUTO_CREATE=false leaves them to the cluster's operator. */
class TopicCreationIT {
    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static Admin admin;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        kafka.close();
    }

    @Test
    void withoutAutoCreationMissingTopicsStopTheServiceNamingThemAndNothingIsCreated() throws Exception {
        var operatorOwned = TopicSettings.from(Map.of("TOPIC_AUTO_CREATE", "false", "TOPIC_REPLICATION_FACTOR", "1")::get);
        assertThat(operatorOwned.autoCreate()).isFalse();
        assertThatThrownBy(() -> Topics.ensureCreated(admin, operatorOwned))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("memory.events")
                .hasMessageContaining("TOPIC_AUTO_CREATE=false");
        assertThat(admin.listTopics().names().get()).doesNotContain("memory.events");

        // once the operator has made them, the same service starts
        Topics.ensureCreated(admin, TopicSettings.singleBroker(2));
        Topics.ensureCreated(admin, operatorOwned);
        assertThat(admin.listTopics().names().get()).containsAll(Topics.definitions(operatorOwned).stream().map(t -> t.name()).toList());
    }

    @Test
    void autoCreationIsOnUnlessSetAndOnlyTrueOrFalseIsAccepted() {
        assertThat(TopicSettings.from(Map.<String, String>of()::get).autoCreate()).isTrue();
        assertThat(TopicSettings.from(Map.of("TOPIC_AUTO_CREATE", " TRUE ")::get).autoCreate()).isTrue();
        assertThatThrownBy(() -> TopicSettings.from(Map.of("TOPIC_AUTO_CREATE", "no")::get)).hasMessageContaining("TOPIC_AUTO_CREATE");
    }
}
