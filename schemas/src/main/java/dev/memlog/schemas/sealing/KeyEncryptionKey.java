package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * The key that wraps every data key: an AEAD and its name, which wrapped keys record. Loaded from a Tink JSON keyset
 * file the operator keeps out of Kafka (a mounted secret): in the clear, or encrypted by a master key in a
 * key-management service, the format {@code tinkey create-keyset --master-key-uri ...} writes.
 */
public record KeyEncryptionKey(String id, Aead aead) {
    /** Tinkey encrypts a keyset with no associated data: files it made open here, and files made here open with it. */
    private static final byte[] NO_ASSOCIATED_DATA = new byte[0];

    static {
        Aeads.register();
    }

    /** Reads a cleartext Tink JSON keyset. */
    public static KeyEncryptionKey fromFile(Path file) {
        return fromFile(file, Optional.empty());
    }

    /** Reads a Tink JSON keyset, encrypted by the master key when one is given, else in the clear. */
    public static KeyEncryptionKey fromFile(Path file, Optional<Aead> masterKey) {
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key-encryption key " + file, e);
        }
        KeysetHandle handle;
        try {
            handle = masterKey.isPresent()
                    ? TinkJsonProtoKeysetFormat.parseEncryptedKeyset(json, masterKey.get(), NO_ASSOCIATED_DATA)
                    : TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(masterKey.isPresent()
                    ? "the key-encryption key " + file + " does not open with the master key of ENCRYPTION_KMS_KEY_URI"
                            + " (a cleartext keyset, another master key, or a key the service refused): " + e.getMessage()
                    : "not a cleartext Tink AEAD keyset: " + file + " (an encrypted one needs ENCRYPTION_KMS_KEY_URI)", e);
        }
        try {
            return new KeyEncryptionKey("file:" + Integer.toUnsignedString(handle.getPrimary().getId()),
                    handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a Tink AEAD keyset: " + file, e);
        }
    }

    /** Writes a new cleartext AES256-GCM keyset to the file unless it exists; then reads it. */
    public static KeyEncryptionKey generateIfAbsent(Path file) {
        return generateIfAbsent(file, Optional.empty());
    }

    /**
     * Writes a new AES256-GCM keyset to the file, readable by its owner only and encrypted by the master key when one
     * is given, unless the file exists; then reads it.
     */
    public static KeyEncryptionKey generateIfAbsent(Path file, Optional<Aead> masterKey) {
        if (!Files.exists(file)) {
            try {
                KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
                String json = masterKey.isPresent()
                        ? TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(handle, masterKey.get(), NO_ASSOCIATED_DATA)
                        : TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, json, StandardOpenOption.CREATE_NEW);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: its own permissions apply
                }
            } catch (IOException e) {
                if (!Files.exists(file)) {
                    throw new UncheckedIOException("cannot write the key-encryption key " + file, e);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot make a key-encryption key: " + e.getMessage(), e);
            }
        }
        return fromFile(file, masterKey);
    }
}
