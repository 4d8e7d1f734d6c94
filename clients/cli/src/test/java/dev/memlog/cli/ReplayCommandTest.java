package dev.memlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    @TempDir
    Path dir;

    @Test
    void theRulesFileBecomesTheRequestsRulesAndTheOwnerAndMomentItsScope() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.properties"), "# try the new extractor\nFACT_EXTRACTOR = none\nSUMMARIZER=none\n");
        var command = new ReplayCommand();
        command.user = "ann";
        command.until = "2023-03-03T23:59:59Z";
        command.rules = rules;
        assertThat(command.body().toString()).isEqualTo("""
                {"user_id":"ann","agent_id":null,"until":"2023-03-03T23:59:59Z","rules":{"FACT_EXTRACTOR":"none","SUMMARIZER":"none"}}""");
    }

    @Test
    void theDiffPrintsCountsAndEachSidesMemoriesWithHostileTextEscaped() throws Exception {
        var progress = Json.mapper().readTree("""
                {"replayed":12,"derived":15,"scratch_index":"memlog-records-replay-1a2b3c4d","until":"2023-03-03T23:59:59Z",
                 "diff":{"same":9,"only_in_replay_count":1,"only_in_reference_count":1,"changed_count":1,
                  "only_in_replay":[{"record_id":"r1","tier":"SEMANTIC","text":"Ann likes tea\\u001b[2J"}],
                  "only_in_reference":[{"record_id":"r2","tier":"EPISODIC","text":"summary of the day"}],
                  "changed":[{"record_id":"r3","fields":["importance"],"replay":{"tier":"SEMANTIC","text":"x"},
                              "reference":{"tier":"SEMANTIC","text":"x"}}]}}""");
        assertThat(ReplayCommand.diff(progress)).isEqualTo("""
                12 log entries replayed, 15 records derived into memlog-records-replay-1a2b3c4d
                against what was known at 2023-03-03T23:59:59Z: 9 the same, 1 only in the replay, 1 only in the platform, 1 changed
                only in the replay:
                  r1 SEMANTIC "Ann likes tea\\u001b[2J"
                only in the platform:
                  r2 EPISODIC "summary of the day"
                changed:
                  r3 ["importance"]: SEMANTIC "x" -> SEMANTIC "x"
                """);
    }
}
