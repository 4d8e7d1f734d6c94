package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import java.security.GeneralSecurityException;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * A key-management service holding the master key that encrypts the key-encryption key file, found on the class path
 * by the scheme of ENCRYPTION_KMS_KEY_URI (aws-kms://... is memlog-aws-kms). The master key never leaves the service:
 * a process asks it once, at start, to open the file.
 */
public interface MasterKeyProvider {

    /** Whether this provider speaks to the service a key URI names. */
    boolean supports(String keyUri);

    /** An AEAD whose every call goes to the service, with its settings and credentials from the environment. */
    Aead aead(String keyUri, Function<String, String> env) throws GeneralSecurityException;

    /** The provider on the class path that supports the URI. */
    static MasterKeyProvider forUri(String keyUri) {
        for (MasterKeyProvider provider : ServiceLoader.load(MasterKeyProvider.class)) {
            if (provider.supports(keyUri)) {
                return provider;
            }
        }
        String scheme = keyUri.contains("://") ? keyUri.substring(0, keyUri.indexOf("://")) : "";
        // a setting, yet quoted only as far as a scheme's characters go
        scheme = scheme.length() > 32 ? scheme.substring(0, 32) : scheme;
        throw new IllegalArgumentException("ENCRYPTION_KMS_KEY_URI: no key-management client on the class path speaks '"
                + scheme.replaceAll("[^A-Za-z0-9+.-]", "?") + "' (aws-kms://arn:aws:kms:<region>:<account>:key/<id>"
                + " needs memlog-aws-kms)");
    }
}
