package dev.memlog.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A CA and a node certificate for 127.0.0.1 and localhost that it signed, as the PEM files the OpenSearch security
 * plugin reads: {@code ca.pem}, {@code node.pem} and the node's PKCS#8 key {@code node-key.pem}.
 */
record NodeCertificates(Path ca, Path node, Path nodeKey) {
    /** The node certificate's subject, which the plugin must know as a node's (plugins.security.nodes_dn). */
    static final String NODE_DN = "CN=memlog-node,O=memlog";

    /** Made once per directory by keytool; a second call reads what the first made. */
    static NodeCertificates in(Path dir) {
        var made = new NodeCertificates(dir.resolve("ca.pem"), dir.resolve("node.pem"), dir.resolve("node-key.pem"));
        try {
            if (Files.exists(made.ca) && Files.exists(made.node) && Files.exists(made.nodeKey)) {
                return made;
            }
            Files.createDirectories(dir);
            // keytool can issue but not export a key: both entries go through a throwaway PKCS12 store read back below
            Path store = dir.resolve("keytool.p12");
            Files.deleteIfExists(store);
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            List<String> storeArgs = List.of("-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", password,
                    "-keypass", password, "-noprompt");
            // EC keys: made at once, where a 2048-bit RSA key can cost keytool a second; the plugin takes either
            Keytool.run(concat(List.of("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "365", "-dname", "CN=memlog-ca,O=memlog",
                    "-ext", "bc:c=ca:true", "-ext", "ku:c=keyCertSign,cRLSign"), storeArgs));
            Keytool.run(concat(List.of("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "365", "-dname", NODE_DN, "-signer", "ca",
                    "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "ku:c=digitalSignature",
                    "-ext", "eku=serverAuth,clientAuth", "-ext", "bc=ca:false"), storeArgs));
            KeyStore keys = KeyStore.getInstance(store.toFile(), password.toCharArray());
            Files.writeString(made.ca, pem("CERTIFICATE", keys.getCertificate("ca").getEncoded()));
            Files.writeString(made.node, pem("CERTIFICATE", keys.getCertificate("node").getEncoded()));
            // an EC or RSA key encodes as PKCS#8, the only private key format the plugin accepts
            Files.writeString(made.nodeKey, pem("PRIVATE KEY", keys.getKey("node", password.toCharArray()).getEncoded()));
            Files.delete(store);
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the keys keytool made in " + dir, e);
        }
    }

    /** TLS for a client that trusts only this CA. */
    SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(ca)) {
            var cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", cert);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + ca, e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
