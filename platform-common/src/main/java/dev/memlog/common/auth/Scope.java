package dev.memlog.common.auth;

import io.javalin.security.RouteRole;
import java.util.Locale;

/**
 * What a credential may do, and what each route requires: every route declares one or more, so none can be left
 * open by forgetting to check.
 */
public enum Scope implements RouteRole {
    /** Probes and metrics: no credential (they say nothing about any tenant's memory). */
    PUBLIC,
    /** Search, context packs, working memory, history, counts. */
    READ,
    /** Appending turns and explicit memories. */
    WRITE,
    /** Reporting which memories were used. */
    FEEDBACK,
    /** Operator actions on a tenant's memory. */
    ADMIN,
    /** Erasing a data subject. */
    ERASE,
    /** One service calling another (working memory, the schema registry): the service credential only. */
    SERVICE;

    public static Scope parse(String name) {
        try {
            Scope scope = valueOf(name.strip().toUpperCase(Locale.ROOT));
            if (scope == PUBLIC || scope == SERVICE) {
                throw new IllegalArgumentException();
            }
            return scope;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown scope '" + name + "'; a key may have read, write, feedback, admin, erase");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
