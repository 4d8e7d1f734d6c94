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

/**
 * The key that wraps every data key: an AEAD and its name, which wrapped keys record. Loaded from a Tink JSON keyset
 * file the operator keeps out of Kafka (a mounted secret); a KMS-held key plugs in through the same two parts.
 */
public record KeyEncryptionKey(String id, Aead aead) {

    static {
        Aeads.register();
    }

    /** Reads a cleartext Tink JSON keyset. */
    public static KeyEncryptionKey fromFile(Path file) {
        try {
            KeysetHandle handle = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file), InsecureSecretKeyAccess.get());
            return new KeyEncryptionKey("file:" + Integer.toUnsignedString(handle.getPrimary().getId()),
                    handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key-encryption key " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a Tink AEAD keyset: " + file, e);
        }
    }

    /** Writes a new AES256-GCM keyset to the file, readable by its owner only, unless the file exists; then reads it. */
    public static KeyEncryptionKey generateIfAbsent(Path file) {
        if (!Files.exists(file)) {
            try {
                String json = TinkJsonProtoKeysetFormat.serializeKeyset(
                        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM), InsecureSecretKeyAccess.get());
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
                throw new IllegalStateException(e);
            }
        }
        return fromFile(file);
    }
}
