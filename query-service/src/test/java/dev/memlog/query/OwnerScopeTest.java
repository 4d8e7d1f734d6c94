package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which owners a read may name, for an agent's key, an analyst's key and a key bound to one agent. */
class OwnerScopeTest {
    static final Principal AGENT_KEY = new Principal("acme", "agent", Set.of(Scope.READ), false);
    static final Principal ANALYST = new Principal("acme", "analyst", Set.of(Scope.READ), true);
    static final Principal PLANNER = new Principal("acme", "planner", Set.of(Scope.READ), false, "planner", Set.of("ann"));

    static void refused(Runnable read, String field) {
        assertThatThrownBy(read::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.field()).isEqualTo(field);
        });
    }

    @Test
    void anUnboundKeyNamesOneOwnerAndAnAnalystMayNameNone() {
        assertThatCode(() -> OwnerScope.require(AGENT_KEY, "carol", null)).doesNotThrowAnyException();
        assertThatCode(() -> OwnerScope.require(AGENT_KEY, null, "billing")).doesNotThrowAnyException();
        refused(() -> OwnerScope.require(AGENT_KEY, null, null), "user_id");
        assertThatCode(() -> OwnerScope.require(ANALYST, null, null)).doesNotThrowAnyException();
    }

    @Test
    void aBoundKeyReadsItsOwnMemoriesAndOnlyTheUsersItWasGranted() {
        assertThatCode(() -> OwnerScope.require(PLANNER, null, "planner")).as("everything it was told").doesNotThrowAnyException();
        assertThatCode(() -> OwnerScope.require(PLANNER, "carol", "planner")).as("what carol told it").doesNotThrowAnyException();
        assertThatCode(() -> OwnerScope.require(PLANNER, "ann", null)).as("ann, granted").doesNotThrowAnyException();
        refused(() -> OwnerScope.require(PLANNER, "carol", null), "user_id");
        refused(() -> OwnerScope.require(PLANNER, "carol", "billing"), "user_id");
        refused(() -> OwnerScope.require(PLANNER, null, "billing"), "agent_id");
        refused(() -> OwnerScope.require(PLANNER, null, null), "agent_id");
    }

    @Test
    void workingMemoryOfAnUngrantedUserIsRefusedEvenThroughTheAgentsOwnId() {
        // working memory is kept per owner and session, so it cannot be narrowed to this agent's share
        refused(() -> OwnerScope.requireWhole(PLANNER, "carol", "planner"), "user_id");
        assertThatCode(() -> OwnerScope.requireWhole(PLANNER, "ann", "planner")).doesNotThrowAnyException();
        assertThatCode(() -> OwnerScope.requireWhole(PLANNER, null, "planner")).doesNotThrowAnyException();
        assertThatCode(() -> OwnerScope.requireWhole(AGENT_KEY, "carol", null)).doesNotThrowAnyException();
    }
}
