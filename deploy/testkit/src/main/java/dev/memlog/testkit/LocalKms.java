package dev.memlog.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * A local server speaking AWS KMS's JSON protocol for Encrypt and Decrypt, the stand-in for the paid service: keys
 * held here, a ciphertext bound to its key and encryption context, and the errors KMS answers with.
 */
public final class LocalKms implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();

    public LocalKms() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A new key; its ARN. */
    public String createKey(String region, String id) {
        String arn = "arn:aws:kms:" + region + ":111122223333:key/" + id;
        try {
            var generator = KeyGenerator.getInstance("AES");
            generator.init(256);
            keys.put(arn, generator.generateKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return arn;
    }

    public void disable(String arn) {
        disabled.add(arn);
    }

    public int calls(String operation) {
        return calls.getOrDefault(operation, new AtomicInteger()).get();
    }

    public List<String> authorizations() {
        return authorizations;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String operation = target.substring(target.indexOf('.') + 1);
            calls.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
            try {
                ObjectNode response = switch (operation) {
                    case "Encrypt" -> encrypt(request);
                    case "Decrypt" -> decrypt(request);
                    default -> throw new KmsError("UnsupportedOperationException", operation + " is not served here");
                };
                reply(exchange, 200, response);
            } catch (KmsError e) {
                ObjectNode error = JSON.createObjectNode().put("__type", e.type).put("message", e.getMessage());
                exchange.getResponseHeaders().add("x-amzn-ErrorType", e.type);
                reply(exchange, 400, error);
            }
        }
    }

    private ObjectNode encrypt(JsonNode request) throws KmsError {
        String arn = usable(request.path("KeyId").asText());
        byte[] plaintext = Base64.getDecoder().decode(request.path("Plaintext").asText());
        byte[] iv = new byte[12];
        random.nextBytes(iv);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, arn, iv, aad(arn, request), plaintext);
        byte[] arnBytes = arn.getBytes(StandardCharsets.UTF_8);
        var blob = ByteBuffer.allocate(2 + arnBytes.length + iv.length + sealed.length)
                .putShort((short) arnBytes.length).put(arnBytes).put(iv).put(sealed).array();
        return JSON.createObjectNode().put("CiphertextBlob", Base64.getEncoder().encodeToString(blob)).put("KeyId", arn)
                .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    }

    private ObjectNode decrypt(JsonNode request) throws KmsError {
        var blob = ByteBuffer.wrap(Base64.getDecoder().decode(request.path("CiphertextBlob").asText()));
        byte[] arnBytes = new byte[blob.getShort()];
        blob.get(arnBytes);
        String arn = new String(arnBytes, StandardCharsets.UTF_8);
        if (request.hasNonNull("KeyId") && !request.path("KeyId").asText().equals(arn)) {
            throw new KmsError("IncorrectKeyException", "The key ID in the request does not identify the key used to encrypt");
        }
        usable(arn);
        byte[] iv = new byte[12];
        blob.get(iv);
        byte[] sealed = new byte[blob.remaining()];
        blob.get(sealed);
        byte[] plaintext = gcm(Cipher.DECRYPT_MODE, arn, iv, aad(arn, request), sealed);
        return JSON.createObjectNode().put("Plaintext", Base64.getEncoder().encodeToString(plaintext)).put("KeyId", arn)
                .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    }

    private String usable(String arn) throws KmsError {
        if (!keys.containsKey(arn)) {
            throw new KmsError("NotFoundException", "Key '" + arn + "' does not exist");
        }
        if (disabled.contains(arn)) {
            throw new KmsError("DisabledException", arn + " is disabled.");
        }
        return arn;
    }

    private static byte[] aad(String arn, JsonNode request) {
        var context = new TreeMap<String, String>();
        request.path("EncryptionContext").fields().forEachRemaining(e -> context.put(e.getKey(), e.getValue().asText()));
        return (arn + context).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] gcm(int mode, String arn, byte[] iv, byte[] aad, byte[] input) throws KmsError {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, keys.get(arn), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new KmsError("InvalidCiphertextException", "");
        }
    }

    private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static final class KmsError extends Exception {
        final String type;

        KmsError(String type, String message) {
            super(message);
            this.type = type;
        }
    }
}
