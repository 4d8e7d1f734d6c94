package dev.memlog.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's keytool (the one tool that writes one
 * without internal APIs): a PKCS12 keystore for a server, a PKCS12 truststore and a PEM file for its clients, with
 * one password of letters and digits (so it fits any configuration syntax without quoting).
 */
public record SelfSignedCertificate(Path keystore, Path truststore, Path pem, String password) {

    /** Made once per directory; a second call reads what the first made. */
    public static SelfSignedCertificate in(Path dir) {
        try {
            Files.createDirectories(dir);
            var made = new SelfSignedCertificate(dir.resolve("server.p12"), dir.resolve("truststore.p12"),
                    dir.resolve("ca.pem"), null);
            Path passwordFile = dir.resolve("password");
            if (Files.exists(passwordFile) && Files.exists(made.keystore) && Files.exists(made.truststore) && Files.exists(made.pem)) {
                return new SelfSignedCertificate(made.keystore, made.truststore, made.pem, Files.readString(passwordFile));
            }
            // letters and digits only, so it fits any configuration syntax without quoting
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            for (Path p : List.of(made.keystore, made.truststore, made.pem)) {
                Files.deleteIfExists(p);
            }
            Keytool.run("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
                    "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                    "-keystore", made.keystore.toString(), "-storepass", password, "-keypass", password, "-noprompt");
            // the client side needs no second keytool run: the certificate is copied out with the JDK's API
            var certificate = KeyStore.getInstance(made.keystore.toFile(), password.toCharArray()).getCertificate("server");
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("server", certificate);
            try (var out = Files.newOutputStream(made.truststore)) {
                trusted.store(out, password.toCharArray());
            }
            Files.writeString(made.pem, "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            Files.writeString(passwordFile, password);
            return new SelfSignedCertificate(made.keystore, made.truststore, made.pem, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the certificate's trust store", e);
        }
    }

    /** A server's TLS, presenting this certificate. */
    public SSLContext serverContext() {
        try {
            KeyStore keys = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + keystore, e);
        }
    }
}
