package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineageTest {
    static JsonNode doc(String json) throws Exception {
        return Json.mapper().readTree(json.replace('\'', '"'));
    }

    static final String POS = "{'topic':'memory.events','partition':2,'offset':%d}";

    @Test
    void aFactLeadsToTheTurnItWasExtractedFromAndToWhatSupersededAndForgotIt() throws Exception {
        JsonNode v1 = doc("{'record_id':'fact-1','tier':'SEMANTIC','text':'Ann lives in Leeds','version':1,'change':'DERIVED',"
                + "'observed_at':1000,'created_at':5000,'provenance':['e-1'],'embedding_model':'bge',"
                + "'metadata':{'kind':'fact','extractor':'rules'},'log':{'topic':'memory.records','partition':2,'offset':7},"
                + "'derived_while':" + POS.formatted(41) + "}");
        JsonNode v2 = doc("{'record_id':'fact-1','tier':'SEMANTIC','text':'Ann lives in Leeds','version':2,'change':'REINFORCED',"
                + "'observed_at':2000,'created_at':6000,'provenance':['e-1','e-2'],'metadata':{'kind':'fact','extractor':'rules'},"
                + "'change_reason':'restated in event e-2','derived_while':" + POS.formatted(50) + "}");
        JsonNode v3 = doc("{'record_id':'fact-1','tier':'SEMANTIC','text':'Ann lives in Leeds','version':3,'change':'SUPERSEDED',"
                + "'observed_at':2000,'valid_to':3000,'created_at':7000,'provenance':['e-1','e-2'],"
                + "'metadata':{'kind':'fact','superseded_by':'fact-2'},'derived_while':" + POS.formatted(60) + "}");
        JsonNode turn = doc("{'record_id':'turn-1','tier':'EPISODIC','text':'Ann: I live in Leeds','version':1,'observed_at':1000,"
                + "'provenance':['e-1'],'log':{'topic':'memory.records','partition':2,'offset':6},'derived_while':" + POS.formatted(41) + "}");
        JsonNode york = doc("{'record_id':'fact-2','tier':'SEMANTIC','text':'Ann lives in York','version':1,'change':'DERIVED',"
                + "'observed_at':3000,'provenance':['e-3'],'metadata':{'kind':'fact','supersedes':'fact-1'},"
                + "'derived_while':" + POS.formatted(60) + "}");

        var lineage = Lineage.of(List.of(v1, v2, v3), List.of(turn), Map.of("fact-2", List.of(york)));

        assertThat(lineage.path("state").asText()).isEqualTo("superseded");
        assertThat(lineage.path("derived_by").path("rule").asText()).isEqualTo("fact");
        assertThat(lineage.path("derived_by").path("extractor").asText()).isEqualTo("rules");
        assertThat(lineage.path("sources").findValuesAsText("event_id")).containsExactly("e-1", "e-2");
        JsonNode first = lineage.path("sources").path(0);
        assertThat(first.path("log").path("offset").asLong()).isEqualTo(41);
        assertThat(first.path("turn").path("record_id").asText()).isEqualTo("turn-1");
        assertThat(lineage.path("sources").path(1).path("log").path("offset").asLong()).as("the restating event").isEqualTo(50);
        JsonNode versions = lineage.path("versions");
        assertThat(versions.findValuesAsText("change")).containsExactly("DERIVED", "REINFORCED", "SUPERSEDED");
        assertThat(versions.path(0).path("rule").asText()).isEqualTo("derived as fact by extractor rules");
        assertThat(versions.path(1).path("events_added").path(0).asText()).isEqualTo("e-2");
        assertThat(versions.path(2).path("in_effect_from").asText()).as("superseded when it stopped holding")
                .isEqualTo("1970-01-01T00:00:03Z");
        assertThat(versions.path(2).path("superseded_by").asText()).isEqualTo("fact-2");
        assertThat(lineage.path("superseded_by").path("text").asText()).isEqualTo("Ann lives in York");
        assertThat(lineage.path("superseded_by").path("derived_while")).isEqualTo(versions.path(2).path("derived_while"));
    }

    @Test
    void aForgottenTurnNamesTheCheckAndASummaryWithoutAPositionStillReachesItsTurns() throws Exception {
        JsonNode v1 = doc("{'record_id':'turn-9','tier':'EPISODIC','text':'hello','version':1,'change':'DERIVED','observed_at':1000,"
                + "'provenance':['e-9'],'derived_while':" + POS.formatted(9) + "}");
        JsonNode v2 = doc("{'record_id':'turn-9','tier':'EPISODIC','text':'hello','version':2,'change':'FORGOTTEN','observed_at':1000,"
                + "'forgotten_at':9000,'provenance':['e-9'],'change_reason':'strength fell below 0.05'}");
        var forgotten = Lineage.of(List.of(v1, v2), List.of(v1), Map.of());
        assertThat(forgotten.path("state").asText()).isEqualTo("forgotten");
        assertThat(forgotten.path("derived_by").path("rule").asText()).isEqualTo("turn");
        assertThat(forgotten.path("versions").path(1).path("rule").asText()).startsWith("forgotten: the strength check");
        assertThat(forgotten.path("versions").path(1).path("reason").asText()).isEqualTo("strength fell below 0.05");
        assertThat(forgotten.path("versions").path(1).path("derived_while").isNull()).isTrue();
        assertThat(forgotten.path("sources").path(0).path("turn").isMissingNode()).as("a turn is its own source").isTrue();

        JsonNode summary = doc("{'record_id':'sum-1','tier':'EPISODIC','text':'they talked','version':1,'change':'DERIVED',"
                + "'observed_at':2000,'provenance':['e-9','e-10'],'metadata':{'kind':'session_summary','summarizer':'centrality'}}");
        JsonNode other = doc("{'record_id':'turn-10','tier':'EPISODIC','text':'bye','version':1,'observed_at':2000,"
                + "'provenance':['e-10'],'derived_while':" + POS.formatted(10) + "}");
        var lineage = Lineage.of(List.of(summary), List.of(v1, other), Map.of());
        assertThat(lineage.path("derived_by").path("summarizer").asText()).isEqualTo("centrality");
        assertThat(lineage.path("sources").findValuesAsText("record_id")).containsExactly("turn-9", "turn-10");
        assertThat(lineage.path("sources").path(1).path("log").path("offset").asLong()).isEqualTo(10);
    }
}
