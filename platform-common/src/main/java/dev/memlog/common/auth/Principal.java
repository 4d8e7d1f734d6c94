package dev.memlog.common.auth;

import java.util.Set;

/**
 * Who a request acts for, as its credential says: the tenant (never taken from a body, parameter or other header),
 * what it may do, and whether it may read across the tenant's owners (analysts) or only name one owner per read.
 *
 * @param name a label for logs and audit: the key's name, or the token's subject; never the secret
 */
public record Principal(String tenant, String name, Set<Scope> scopes, boolean tenantWideReads) {
    /** Marks the service credential, which acts for no tenant of its own. */
    public static final String NO_TENANT = "";

    public Principal {
        scopes = Set.copyOf(scopes);
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
}
