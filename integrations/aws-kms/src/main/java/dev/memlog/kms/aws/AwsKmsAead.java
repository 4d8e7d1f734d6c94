package dev.memlog.kms.aws;

import com.google.crypto.tink.Aead;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * Encrypt and Decrypt of one KMS key, the associated data bound as encryption context: the key never leaves the
 * service, and a ciphertext opens only with the key and context it was made under.
 */
final class AwsKmsAead implements Aead {
    private static final String CONTEXT_KEY = "associatedData";

    private final KmsClient kms;
    private final String keyArn;

    AwsKmsAead(KmsClient kms, String keyArn) {
        this.kms = kms;
        this.keyArn = keyArn;
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        try {
            return kms.encrypt(r -> r.keyId(keyArn).plaintext(SdkBytes.fromByteArray(plaintext))
                    .encryptionContext(context(associatedData))).ciphertextBlob().asByteArray();
        } catch (SdkException e) {
            throw refused("encrypt", e);
        }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        try {
            var response = kms.decrypt(r -> r.keyId(keyArn).ciphertextBlob(SdkBytes.fromByteArray(ciphertext))
                    .encryptionContext(context(associatedData)));
            if (!keyArn.contains(":alias/") && !keyArn.equals(response.keyId())) {
                throw new GeneralSecurityException("the KMS opened the key-encryption key with another key than " + keyArn);
            }
            return response.plaintext().asByteArray();
        } catch (SdkException e) {
            throw refused("decrypt", e);
        }
    }

    private static Map<String, String> context(byte[] associatedData) {
        return associatedData == null || associatedData.length == 0
                ? Map.of() : Map.of(CONTEXT_KEY, HexFormat.of().formatHex(associatedData));
    }

    private GeneralSecurityException refused(String operation, SdkException e) {
        String why = e instanceof KmsException kms && kms.awsErrorDetails() != null
                ? kms.awsErrorDetails().errorCode() + ": " + kms.awsErrorDetails().errorMessage() : e.getMessage();
        return new GeneralSecurityException("AWS KMS did not " + operation + " with " + keyArn + " (" + why + ")", e);
    }
}
