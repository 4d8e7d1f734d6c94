package dev.memlog.schemas.serde;

import java.util.Optional;

/**
 * Encrypts and opens the sealed fields of one owner's values with that owner's data key. Once the owner's key is
 * destroyed (erasure), nothing sealed with it opens again: not in a topic, a changelog, a state store or a replay.
 */
public interface Sealer {

    /** Encryption off: values are written as they are, and a sealed value read without a key store is an error. */
    Sealer NONE = new Sealer() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public byte[] seal(String subject, byte[] plaintext, byte[] associatedData) {
            throw new IllegalStateException("encryption is off");
        }

        @Override
        public Optional<byte[]> open(String subject, byte[] sealed, byte[] associatedData) {
            throw new IllegalStateException("a sealed value cannot be read with encryption off: configure the key-encryption"
                    + " key (ENCRYPTION_KEK_FILE) the writers used");
        }
    };

    boolean enabled();

    /** The subject's plaintext encrypted under its current data key, created if it has none. */
    byte[] seal(String subject, byte[] plaintext, byte[] associatedData);

    /** The plaintext, or empty when the key that sealed it no longer exists: the subject was erased. */
    Optional<byte[]> open(String subject, byte[] sealed, byte[] associatedData);
}
