package dev.memlog.common.auth;

import dev.memlog.common.http.ApiException;
import dev.memlog.common.limits.TenantRateLimits;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one check every request passes before its route runs: the route's declared scopes against the credential's,
 * then the tenant's rate. A route that declares none is refused (it was forgotten, not meant to be open); a public one
 * needs no credential; any other needs a credential (401 without one, or with one nobody issued) that grants one of
 * its scopes (403), for a tenant within its rate (429).
 */
public final class Access {
    private static final String PRINCIPAL = "memlog.principal";
    private final List<Authenticator> authenticators;
    private final TenantRateLimits limits;

    /** Credentials checked, no rate limits: for services only the service credential calls. */
    public Access(List<Authenticator> authenticators) {
        this(authenticators, null);
    }

    /**
     * @param authenticators tried in order; the first that recognises the credential decides
     * @param limits         each tenant's rate by kind of request, or null for none
     */
    public Access(List<Authenticator> authenticators, TenantRateLimits limits) {
        this.authenticators = List.copyOf(authenticators);
        this.limits = limits;
    }

    public void check(Context ctx) {
        Set<RouteRole> roles = ctx.routeRoles();
        if (roles.contains(Scope.PUBLIC)) {
            return;
        }
        if (roles.isEmpty()) {
            throw new ApiException(403, "this route declares no scope, so no credential may call it", null);
        }
        Principal principal = null;
        for (Authenticator authenticator : authenticators) {
            principal = authenticator.authenticate(ctx);
            if (principal != null) {
                break;
            }
        }
        if (principal == null) {
            throw ApiException.unauthorized("missing credential: send an API key in the X-API-Key header, or a bearer token");
        }
        for (RouteRole role : roles) {
            if (role instanceof Scope scope && principal.may(scope)) {
                if (limits != null) {
                    limits.admit(principal, roles);
                }
                ctx.attribute(PRINCIPAL, principal);
                return;
            }
        }
        throw new ApiException(403, "this credential may not do this: it needs scope "
                + roles.stream().map(r -> r instanceof Scope s ? s.label() : r.toString()).sorted().collect(Collectors.joining(" or ")),
                null);
    }

    /** Who the request acts for; set by {@link #check} before any route that needs a credential runs. */
    public static Principal principal(Context ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        if (principal == null) {
            throw new IllegalStateException("no principal: the route was not checked");
        }
        return principal;
    }

    /** The tenant the request acts for; only its credential says which. */
    public static String tenant(Context ctx) {
        return principal(ctx).tenant();
    }
}
