package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import dev.memlog.schemas.serde.Sealer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * Seals with the subject's data key from a {@link KeyStore}: one version byte, the key id, then Tink AES-GCM
 * ciphertext whose associated data binds it to the value's type, its subject and its key.
 */
public final class EnvelopeSealer implements Sealer {
    private static final byte VERSION = 1;

    static {
        Aeads.register();
    }
    private final KeyStore keys;

    public EnvelopeSealer(KeyStore keys) {
        this.keys = keys;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public byte[] seal(String subject, byte[] plaintext, byte[] associatedData) {
        KeyStore.DataKey key = keys.current(subject);
        byte[] id = key.keyId().getBytes(StandardCharsets.US_ASCII);
        try {
            byte[] ciphertext = key.aead().encrypt(plaintext, bind(associatedData, subject, key.keyId()));
            var out = new ByteArrayOutputStream(2 + id.length + ciphertext.length);
            out.write(VERSION);
            out.write(id.length);
            out.writeBytes(id);
            out.writeBytes(ciphertext);
            return out.toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a value for its owner", e);
        }
    }

    @Override
    public Optional<byte[]> open(String subject, byte[] sealed, byte[] associatedData) {
        ByteBuffer in = ByteBuffer.wrap(sealed);
        if (sealed.length < 2 || in.get() != VERSION) {
            throw new IllegalArgumentException("not a sealed value of version " + VERSION);
        }
        int idLength = in.get() & 0xff;
        if (in.remaining() < idLength) {
            throw new IllegalArgumentException("sealed value truncated");
        }
        String keyId = new String(sealed, 2, idLength, StandardCharsets.US_ASCII);
        Optional<Aead> key = keys.find(subject, keyId);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(key.get().decrypt(java.util.Arrays.copyOfRange(sealed, 2 + idLength, sealed.length),
                    bind(associatedData, subject, keyId)));
        } catch (GeneralSecurityException e) {
            // the key exists but does not open it: tampered, or sealed for another owner or type
            throw new IllegalStateException("a sealed value does not open with its owner's key", e);
        }
    }

    private static byte[] bind(byte[] associatedData, String subject, String keyId) {
        byte[] s = (subject + '\u0000' + keyId).getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream(associatedData.length + 1 + s.length);
        out.writeBytes(associatedData);
        out.write(0);
        out.writeBytes(s);
        return out.toByteArray();
    }
}
