package dev.memlog.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The secured node's admin user and its random password, kept beside the node's data. */
record AdminCredentials(String username, String password) {
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String DIGITS = "0123456789";

    /**
     * New ones for a new home; the same ones again for a home that has them, because the security plugin reads its
     * users from the files only into an empty security index and keeps them there across restarts.
     */
    static AdminCredentials in(Path file) {
        try {
            if (Files.exists(file)) {
                return new AdminCredentials("admin", Files.readString(file).strip());
            }
            var credentials = new AdminCredentials("admin", randomPassword());
            Files.createDirectories(file.getParent());
            Files.writeString(file, credentials.password());
            return credentials;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Authorization header for HTTP basic auth. */
    String authorization() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(
                (username + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    // 24 letters and digits, so it needs no quoting in a URL, a shell or YAML, with one '-' among them: the plugin's
    // demo installer asks for an upper and a lower case letter, a digit and a special character, its REST API for length
    private static String randomPassword() {
        var random = new SecureRandom();
        String alphanumeric = UPPER + LOWER + DIGITS;
        List<Character> chars = new ArrayList<>();
        chars.add(UPPER.charAt(random.nextInt(UPPER.length())));
        chars.add(LOWER.charAt(random.nextInt(LOWER.length())));
        chars.add(DIGITS.charAt(random.nextInt(DIGITS.length())));
        chars.add('-');
        for (int i = 0; i < 20; i++) {
            chars.add(alphanumeric.charAt(random.nextInt(alphanumeric.length())));
        }
        Collections.shuffle(chars, random);
        var password = new StringBuilder();
        chars.forEach(password::append);
        return password.toString();
    }
}
