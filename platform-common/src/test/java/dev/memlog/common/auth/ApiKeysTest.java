package dev.memlog.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.http.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys: only digests held, strong enough, scoped, and reloaded from their file without a restart. */
class ApiKeysTest {
    static final String K1 = "k1-0123456789abcdefghij";
    static final String K2 = "k2-0123456789abcdefghij";

    @Test
    void inlineKeysAndDigestsMapToTheirTenantsWithTheScopesKeysAlwaysHad() {
        var keys = ApiKeys.load(K1 + "=acme, sha256:" + ApiKeys.digest(K2) + "=globex", null);
        assertThat(keys.size()).isEqualTo(2);
        Principal acme = keys.principalFor(K1);
        assertThat(acme.tenant()).isEqualTo("acme");
        assertThat(acme.scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.WRITE, Scope.FEEDBACK);
        assertThat(acme.tenantWideReads()).as("a key reads one owner at a time unless it says otherwise").isFalse();
        assertThat(keys.principalFor(K2).tenant()).isEqualTo("globex");
    }

    @Test
    void scopesTenantWideReadsAndANameAreGrantedPerKey() {
        var keys = ApiKeys.load(K1 + "=acme;scopes=read+admin;reads=tenant;name=analyst-1", null);
        Principal analyst = keys.principalFor(K1);
        assertThat(analyst.scopes()).isEqualTo(Set.of(Scope.READ, Scope.ADMIN));
        assertThat(analyst.tenantWideReads()).isTrue();
        assertThat(analyst.name()).isEqualTo("analyst-1");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;scopes=service", null)).hasMessageContaining("unknown scope");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;reads=everything", null)).hasMessageContaining("reads must be");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;color=blue", null)).hasMessageContaining("unknown attribute");
    }

    @Test
    void aKeyBoundToAnAgentNamesItAndTheUsersItWasGranted() {
        var keys = ApiKeys.load(K1 + "=acme;agent=planner;users=ann|bob+1@example.com," + K2 + "=acme;agent=support;users=*", null);
        Principal planner = keys.principalFor(K1);
        assertThat(planner.agent()).isEqualTo("planner");
        assertThat(planner.mayReadUser("ann")).isTrue();
        assertThat(planner.mayReadUser("bob+1@example.com")).isTrue();
        assertThat(planner.mayReadUser("carol")).isFalse();
        assertThat(keys.principalFor(K2).mayReadUser("anyone")).isTrue();
        assertThat(ApiKeys.load(K1 + "=acme", null).principalFor(K1).mayReadUser("carol")).as("unbound keys read any owner they name")
                .isTrue();

        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;agent=planner;reads=tenant", null)).hasMessageContaining("cannot have reads=tenant");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;users=ann", null)).hasMessageContaining("add agent=");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;agent=plan ner", null)).hasMessageContaining("invalid agent id");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=acme;agent=p;users=a|.*|(x", null)).hasMessageContaining("invalid user id");
    }

    @Test
    void aKeyTooShortToBeUnguessableIsRefusedAtStartUp() {
        assertThatThrownBy(() -> ApiKeys.load("acme-key=acme", null)).hasMessageContaining("at least 22 are required")
                .hasMessageNotContaining("acme-key=");
        assertThat(ApiKeys.load("acme-key=acme", null, 8).size()).isEqualTo(1);
    }

    @Test
    void anUnknownOrEmptyKeyIsA401() {
        var keys = ApiKeys.load(K1 + "=acme", null);
        assertThatThrownBy(() -> keys.principalFor(K2)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> keys.principalFor(" ")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("empty"));
    }

    @Test
    void theFileIsReadAgainWhenItChangesAndABrokenFileLeavesTheKeysAsTheyWere(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# team keys\n" + K1 + "=acme\n\n");
        var keys = ApiKeys.load(null, file.toString());
        assertThat(keys.reload()).as("unchanged").isFalse();

        Files.writeString(file, K2 + "=globex\n");
        assertThat(keys.reload()).isTrue();
        assertThat(keys.principalFor(K2).tenant()).isEqualTo("globex");
        assertThatThrownBy(() -> keys.principalFor(K1)).as("revoked without a restart").isInstanceOf(ApiException.class);

        Files.writeString(file, "not an entry\n");
        assertThat(keys.reload()).isFalse();
        assertThat(keys.principalFor(K2).tenant()).as("a typo locks nobody out").isEqualTo("globex");
    }

    @Test
    void malformedEntriesAndTenantsAreRefusedWithTheSource() {
        assertThatThrownBy(() -> ApiKeys.load("no-separator", null)).hasMessageContaining("key=tenant");
        assertThatThrownBy(() -> ApiKeys.load(K1 + "=bad tenant!", null)).hasMessageContaining("invalid tenant");
        assertThatThrownBy(() -> ApiKeys.load("sha256:abc=acme", null)).hasMessageContaining("64 hex digits");
    }

    @Test
    void digestIsSha256Hex() {
        assertThat(ApiKeys.digest("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void theServiceTokenMustBeLongAndNeverPrintsItself() {
        assertThatThrownBy(() -> new ServiceToken("short")).hasMessageContaining("at least 32");
        assertThat(new ServiceToken("t".repeat(40)).toString()).doesNotContain("tttt");
    }
}
