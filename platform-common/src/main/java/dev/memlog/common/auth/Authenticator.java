package dev.memlog.common.auth;

import io.javalin.http.Context;

/** Finds who a request acts for from its credential: null when it carries none this authenticator knows. */
public interface Authenticator {

    /**
     * @return the principal, or null when the request has no credential of this kind
     * @throws dev.memlog.common.http.ApiException 401 when it has one that is not valid
     */
    Principal authenticate(Context ctx);
}
