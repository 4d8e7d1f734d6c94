package dev.memlog.kms.aws;

import com.google.crypto.tink.Aead;
import dev.memlog.schemas.sealing.MasterKeyProvider;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * AWS KMS for key URIs {@code aws-kms://arn:<partition>:kms:<region>:<account>:key/<id>} (or {@code alias/<name>}): the
 * region from the ARN, credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when set, else the SDK's chain
 * (web identity, container and instance roles), ENCRYPTION_KMS_ENDPOINT for a VPC or FIPS endpoint.
 */
public final class AwsKmsProvider implements MasterKeyProvider {
    static final String PREFIX = "aws-kms://";
    private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:kms:([a-z0-9-]+):\\d{12}:(key|alias)/[A-Za-z0-9/_+=,.@-]{1,256}");

    @Override
    public boolean supports(String keyUri) {
        return keyUri != null && keyUri.startsWith(PREFIX);
    }

    @Override
    public Aead aead(String keyUri, Function<String, String> env) throws GeneralSecurityException {
        String arn = keyUri.substring(PREFIX.length());
        var matcher = ARN.matcher(arn);
        if (!matcher.matches()) {
            throw new GeneralSecurityException("not an AWS KMS key ARN: " + PREFIX + "arn:aws:kms:<region>:<account>:key/<id>"
                    + " or .../alias/<name> is");
        }
        var client = KmsClient.builder()
                .region(Region.of(matcher.group(1)))
                .credentialsProvider(credentials(env))
                .httpClient(UrlConnectionHttpClient.create());
        String endpoint = env.apply("ENCRYPTION_KMS_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) {
            URI uri = URI.create(endpoint.strip());
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new GeneralSecurityException("ENCRYPTION_KMS_ENDPOINT must be an http(s) URL");
            }
            client.endpointOverride(uri);
        }
        return new AwsKmsAead(client.build(), arn);
    }

    private static AwsCredentialsProvider credentials(Function<String, String> env) {
        String id = env.apply("AWS_ACCESS_KEY_ID");
        String secret = env.apply("AWS_SECRET_ACCESS_KEY");
        if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        String session = env.apply("AWS_SESSION_TOKEN");
        return StaticCredentialsProvider.create(session == null || session.isBlank()
                ? AwsBasicCredentials.create(id, secret) : AwsSessionCredentials.create(id, secret, session));
    }
}
