package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.registry.SchemaRegistry;
import dev.memlog.schemas.serde.AvroFormat;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a service seals what it writes, and with which key-encryption key: ENCRYPTION_KEK_FILE, a Tink JSON keyset
 * every service of a deployment mounts, in the clear or, with ENCRYPTION_KMS_KEY_URI, encrypted by that master key.
 * Off when the file is unset: values are written in the clear and cannot be erased.
 */
public record Encryption(Path kekFile, Optional<String> kmsKeyUri, Function<String, String> env) {

    public Encryption {
        kmsKeyUri = kmsKeyUri.filter(uri -> !uri.isBlank());
        if (kmsKeyUri.isPresent() && kekFile == null) {
            throw new IllegalArgumentException("ENCRYPTION_KMS_KEY_URI protects a key-encryption key file: set ENCRYPTION_KEK_FILE too");
        }
    }

    /** Sealing with a cleartext keyset file. */
    public Encryption(Path kekFile) {
        this(kekFile, Optional.empty(), name -> null);
    }

    public static Encryption off() {
        return new Encryption(null);
    }

    public static Encryption from(Function<String, String> env) {
        String file = env.apply("ENCRYPTION_KEK_FILE");
        Optional<String> kms = Optional.ofNullable(env.apply("ENCRYPTION_KMS_KEY_URI"));
        if (file == null || file.isBlank()) {
            return new Encryption(null, kms, env);
        }
        return new Encryption(Path.of(file), kms, env);
    }

    public boolean enabled() {
        return kekFile != null;
    }

    /** The master key in the key-management service, when the key-encryption key file is encrypted by one. */
    public Optional<Aead> masterKey() {
        if (kmsKeyUri.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MasterKeyProvider.forUri(kmsKeyUri.get()).aead(kmsKeyUri.get(), env));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ENCRYPTION_KMS_KEY_URI: " + e.getMessage(), e);
        }
    }

    /** The key-encryption key, opened with the master key if there is one. */
    public KeyEncryptionKey keyEncryptionKey() {
        if (!enabled()) {
            throw new IllegalStateException("encryption is off: ENCRYPTION_KEK_FILE is unset");
        }
        return KeyEncryptionKey.fromFile(kekFile, masterKey());
    }

    /** The key store (reading the key log to its end) and the format that seals with it. */
    public Opened open(KafkaConnection kafka, SchemaRegistry registry, String clientId) {
        if (!enabled()) {
            return new Opened(AvroFormat.plain(registry), Optional.empty());
        }
        var keys = new TopicKeyStore(kafka, AvroFormat.plain(registry), keyEncryptionKey(), clientId);
        return new Opened(new AvroFormat(registry, new EnvelopeSealer(keys)), Optional.of(keys));
    }

    /** {@link #open(KafkaConnection, SchemaRegistry, String)} on a broker that needs no client settings (tests, tools). */
    public Opened open(String bootstrapServers, SchemaRegistry registry, String clientId) {
        return open(KafkaConnection.of(bootstrapServers), registry, clientId);
    }

    /** A service's format and, when encryption is on, the key store it seals with. */
    public record Opened(AvroFormat format, Optional<KeyStore> keys) implements AutoCloseable {
        @Override
        public void close() {
            keys.ifPresent(KeyStore::close);
        }
    }
}
