package dev.memlog.schemas.sealing;

import com.google.crypto.tink.aead.AeadConfig;
import java.security.GeneralSecurityException;

/** Tink's AEAD key types, registered once before any key is made or opened. */
final class Aeads {
    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Aeads() {
    }

    static void register() {
        // the static initializer did the work
    }
}
