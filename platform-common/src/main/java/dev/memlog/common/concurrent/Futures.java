package dev.memlog.common.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work handed to another thread as if it had run in this one: its own exception, not a wrapper. */
public final class Futures {
    private Futures() {
    }

    /** The future's value; the RuntimeException it failed with, unwrapped. */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
