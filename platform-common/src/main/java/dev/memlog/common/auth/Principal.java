package dev.memlog.common.auth;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who a request acts for, as its credential says: the tenant (never taken from a body, parameter or other header),
 * what it may do, and whether it may read across the tenant's owners (analysts) or only name one owner per read.
 *
 * @param name  a label for logs and audit: the key's name, or the token's subject; never the secret
 * @param agent the agent the credential is bound to, or null: a bound credential writes as that agent, reads what the
 *              agent itself was told, and reads a user's memory only if {@code users} grants that user
 * @param users the users a bound credential may read ({@link #ALL_USERS} for every user of the tenant)
 */
public record Principal(String tenant, String name, Set<Scope> scopes, boolean tenantWideReads, String agent, Set<String> users) {
    /** Marks the service credential, which acts for no tenant of its own. */
    public static final String NO_TENANT = "";
    /** In {@link #users}: a bound agent may read every user's memory. */
    public static final String ALL_USERS = "*";
    /** What a tenant id may be: it names indexes' filters and Kafka keys, so nothing else. */
    public static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The shape of a user_id or agent_id, as ingest accepts them. */
    public static final Pattern OWNER_ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");

    public Principal {
        scopes = Set.copyOf(scopes);
        users = Set.copyOf(users);
        if (agent != null && tenantWideReads) {
            throw new IllegalArgumentException("a credential bound to an agent cannot read across the tenant's owners");
        }
    }

    /** A credential bound to no agent. */
    public Principal(String tenant, String name, Set<Scope> scopes, boolean tenantWideReads) {
        this(tenant, name, scopes, tenantWideReads, null, Set.of());
    }

    public static Principal service() {
        return new Principal(NO_TENANT, "service", Set.of(Scope.SERVICE), true);
    }

    public boolean may(Scope scope) {
        return scopes.contains(scope);
    }

    public boolean isService() {
        return scopes.contains(Scope.SERVICE);
    }

    /** Whether a bound credential was granted this user's memory; an unbound one reads any owner it names. */
    public boolean mayReadUser(String userId) {
        return agent == null || users.contains(ALL_USERS) || users.contains(userId);
    }
}
