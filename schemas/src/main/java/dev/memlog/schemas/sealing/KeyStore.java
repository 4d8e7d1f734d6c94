package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import java.util.List;
import java.util.Optional;

/**
 * Where the owners' data keys live, wrapped by a key-encryption key. The seam for a deployment's own key service:
 * the local default keeps them in a compacted topic ({@link TopicKeyStore}).
 */
public interface KeyStore extends AutoCloseable {

    /** One data key: its id, which sealed values carry, and the AEAD it opens. */
    record DataKey(String keyId, Aead aead) {
    }

    /** The key that seals the subject's new values, created when it has none. */
    DataKey current(String subject);

    /** The subject's key with this id, or empty when it does not exist: it was destroyed by erasure. */
    Optional<Aead> find(String subject, String keyId);

    /** Destroys every key of the subject, so nothing sealed with them opens again; returns the ids destroyed. */
    List<String> destroy(String subject);

    @Override
    void close();
}
