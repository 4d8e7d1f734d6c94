package dev.memlog.consolidation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A fact's subject/attribute key as a store key: a SHA-256 digest, so a state store's keys never hold what was said. */
final class FactKeys {
    private FactKeys() {
    }

    static String digest(String factKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(factKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
