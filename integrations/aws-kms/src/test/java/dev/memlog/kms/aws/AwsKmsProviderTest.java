package dev.memlog.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.schemas.sealing.MasterKeyProvider;
import dev.memlog.testkit.LocalKms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The key-encryption key file under an AWS KMS master key, through the real SDK over HTTP to a local KMS. */
class AwsKmsProviderTest {
    @TempDir
    Path dir;
    LocalKms kms;
    String arn;
    Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        kms = new LocalKms();
        arn = kms.createKey("eu-west-1", "1234abcd-12ab-34cd-56ef-1234567890ab");
        env = new HashMap<>(Map.of("ENCRYPTION_KMS_ENDPOINT", kms.endpoint(),
                "AWS_ACCESS_KEY_ID", "AKIDMEMLOGTEST", "AWS_SECRET_ACCESS_KEY", "not-a-real-secret"));
    }

    @AfterEach
    void stop() {
        kms.close();
    }

    private Aead master(String keyArn) throws GeneralSecurityException {
        return new AwsKmsProvider().aead("aws-kms://" + keyArn, env::get);
    }

    @Test
    void aFileMadeUnderTheMasterKeyHoldsNoKeyInTheClearAndOpensOnlyThroughTheService() throws Exception {
        Path file = dir.resolve("kek.json");
        var made = KeyEncryptionKey.generateIfAbsent(file, Optional.of(master(arn)));
        assertThat(Files.readString(file)).contains("encryptedKeyset").doesNotContain("\"value\"");
        assertThatThrownBy(() -> KeyEncryptionKey.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENCRYPTION_KMS_KEY_URI");

        var reopened = KeyEncryptionKey.fromFile(file, Optional.of(master(arn)));
        assertThat(reopened.id()).isEqualTo(made.id());
        // a data key wrapped by one process opens in another that opened the same file
        var dataKey = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        byte[] subject = "user:ada".getBytes(StandardCharsets.UTF_8);
        byte[] wrapped = TinkProtoKeysetFormat.serializeEncryptedKeyset(dataKey, made.aead(), subject);
        assertThat(TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, reopened.aead(), subject).getPrimary().getId())
                .isEqualTo(dataKey.getPrimary().getId());
        // the service was asked once to encrypt the file, and once per opening to decrypt it
        assertThat(kms.calls("Encrypt")).isEqualTo(1);
        assertThat(kms.calls("Decrypt")).isEqualTo(2);
    }

    @Test
    void everyCallIsSignedWithTheConfiguredCredentialsForTheKeysRegion() throws Exception {
        KeyEncryptionKey.generateIfAbsent(dir.resolve("kek.json"), Optional.of(master(arn)));
        assertThat(kms.authorizations()).isNotEmpty().allSatisfy(authorization -> assertThat(authorization)
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIDMEMLOGTEST/").contains("/eu-west-1/kms/aws4_request"));
    }

    @Test
    void aDisabledMasterKeyStopsTheFileFromOpeningAndSaysWhy() throws Exception {
        Path file = dir.resolve("kek.json");
        KeyEncryptionKey.generateIfAbsent(file, Optional.of(master(arn)));
        kms.disable(arn);
        assertThatThrownBy(() -> KeyEncryptionKey.fromFile(file, Optional.of(master(arn))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DisabledException");
    }

    @Test
    void anotherMasterKeyCannotOpenTheFile() throws Exception {
        Path file = dir.resolve("kek.json");
        KeyEncryptionKey.generateIfAbsent(file, Optional.of(master(arn)));
        String other = kms.createKey("eu-west-1", "other");
        assertThatThrownBy(() -> KeyEncryptionKey.fromFile(file, Optional.of(master(other))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IncorrectKeyException");
    }

    @Test
    void aCiphertextOpensOnlyUnderTheAssociatedDataItWasMadeWith() throws Exception {
        Aead aead = master(arn);
        byte[] sealed = aead.encrypt("secret".getBytes(StandardCharsets.UTF_8), "a".getBytes(StandardCharsets.UTF_8));
        assertThat(aead.decrypt(sealed, "a".getBytes(StandardCharsets.UTF_8))).asString().isEqualTo("secret");
        assertThatThrownBy(() -> aead.decrypt(sealed, "b".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("InvalidCiphertextException");
    }

    @Test
    void encryptionFindsTheProviderByTheUriSchemeAndOpensTheFileWithIt() throws Exception {
        Path file = dir.resolve("kek.json");
        env.put("ENCRYPTION_KEK_FILE", file.toString());
        env.put("ENCRYPTION_KMS_KEY_URI", "aws-kms://" + arn);
        var encryption = Encryption.from(env::get);
        assertThat(MasterKeyProvider.forUri("aws-kms://" + arn)).isInstanceOf(AwsKmsProvider.class);
        var made = KeyEncryptionKey.generateIfAbsent(file, encryption.masterKey());
        assertThat(encryption.keyEncryptionKey().id()).isEqualTo(made.id());
        assertThat(kms.calls("Decrypt")).isEqualTo(2);
    }

    @Test
    void aSchemeNoClientSpeaksIsRefusedAtStartNamingTheSetting() {
        env.put("ENCRYPTION_KEK_FILE", dir.resolve("kek.json").toString());
        env.put("ENCRYPTION_KMS_KEY_URI", "gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k");
        assertThatThrownBy(() -> Encryption.from(env::get).masterKey())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENCRYPTION_KMS_KEY_URI").hasMessageContaining("'gcp-kms'");
        env.put("ENCRYPTION_KMS_KEY_URI", "ev\u001b[31mil\n://x");
        assertThatThrownBy(() -> Encryption.from(env::get).masterKey())
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("\u001b").doesNotContain("\n");
    }

    @Test
    void aMasterKeyWithoutAFileIsRefused() {
        env.put("ENCRYPTION_KMS_KEY_URI", "aws-kms://" + arn);
        assertThatThrownBy(() -> Encryption.from(env::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENCRYPTION_KEK_FILE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"arn:aws:kms:eu-west-1:111122223333:key/.*", "arn:aws:kms:eu-west-1:111122223333:key/a\nb",
            "arn:aws:kms:eu-west-1:1111:key/x", "arn:aws:s3:::bucket", "arn:aws:kms:eu-west-1:111122223333:key/a\\b",
            "arn:aws:kms:$(reboot):111122223333:key/x", ""})
    void anArnThatIsNotAKmsKeysIsRefusedBeforeAnyCall(String bad) {
        assertThatThrownBy(() -> master(bad)).isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not an AWS KMS key ARN");
        assertThat(kms.authorizations()).isEmpty();
    }

    @Test
    void aHugeArnIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> master("arn:aws:kms:eu-west-1:111122223333:key/" + "a".repeat(100_000)))
                .isInstanceOf(GeneralSecurityException.class);
        assertThat(kms.authorizations()).isEmpty();
    }

    @Test
    void anEndpointThatIsNotHttpIsRefused() {
        env.put("ENCRYPTION_KMS_ENDPOINT", "file:///etc/passwd");
        assertThatThrownBy(() -> master(arn)).isInstanceOf(GeneralSecurityException.class).hasMessageContaining("ENCRYPTION_KMS_ENDPOINT");
    }
}
