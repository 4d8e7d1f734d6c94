package dev.memlog.schemas.sealing;

import dev.memlog.schemas.registry.SchemaRegistry;
import dev.memlog.schemas.serde.AvroFormat;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a service seals what it writes, and with which key-encryption key (ENCRYPTION_KEK_FILE, a Tink JSON keyset
 * every service of a deployment mounts). Off when unset: values are written in the clear and cannot be erased.
 */
public record Encryption(Path kekFile) {

    public static Encryption off() {
        return new Encryption(null);
    }

    public static Encryption from(Function<String, String> env) {
        String file = env.apply("ENCRYPTION_KEK_FILE");
        return file == null || file.isBlank() ? off() : new Encryption(Path.of(file));
    }

    public boolean enabled() {
        return kekFile != null;
    }

    /** The key store (reading the key log to its end) and the format that seals with it. */
    public Opened open(String bootstrapServers, SchemaRegistry registry, String clientId) {
        if (!enabled()) {
            return new Opened(AvroFormat.plain(registry), Optional.empty());
        }
        var keys = new TopicKeyStore(bootstrapServers, AvroFormat.plain(registry), KeyEncryptionKey.fromFile(kekFile), clientId);
        return new Opened(new AvroFormat(registry, new EnvelopeSealer(keys)), Optional.of(keys));
    }

    /** A service's format and, when encryption is on, the key store it seals with. */
    public record Opened(AvroFormat format, Optional<KeyStore> keys) implements AutoCloseable {
        @Override
        public void close() {
            keys.ifPresent(KeyStore::close);
        }
    }
}
