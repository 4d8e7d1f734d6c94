package dev.memlog.common.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.memlog.common.auth.Scope;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/** A service's OpenAPI contract as JSON at {@code GET /openapi.json}, and Swagger UI from its webjar at {@code /docs}. */
public final class ApiDocs {
    private static final String WEBJAR = "/META-INF/resources/webjars/swagger-ui/";
    /** The webjar's files the page uses, by name, and their types: nothing else of the classpath is served. */
    private static final Map<String, String> ASSETS = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png",
            "favicon-16x16.png", "image/png");
    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>%s API</title>
              <link rel="stylesheet" href="/docs/swagger-ui.css">
              <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/swagger-ui-bundle.js"></script>
              <script src="/docs/docs.js"></script>
            </body>
            </html>
            """;
    /** The page's own script, a file rather than inline so the page runs under a strict content security policy. */
    private static final String SCRIPT = """
            window.onload = () => {
              window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                tryItOutEnabled: false, validatorUrl: "none" });
            };
            """;

    private final byte[] spec;
    private final byte[] page;
    private final String webjar;

    private ApiDocs(byte[] spec, String title) {
        this.spec = spec;
        this.page = PAGE.formatted(title).getBytes(StandardCharsets.UTF_8);
        this.webjar = WEBJAR + webjarVersion() + "/";
    }

    /**
     * Registers {@code /openapi.json}, {@code /docs} and {@code /docs/{asset}}, all public: the contract says nothing
     * of any tenant's memory.
     *
     * @param specResource the service's OpenAPI document on the classpath, in YAML
     */
    public static void register(JavalinConfig config, String specResource) {
        JsonNode document = read(specResource);
        byte[] json;
        try {
            json = Json.mapper().writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var docs = new ApiDocs(json, document.path("info").path("title").asText("memlog"));
        ScopedRoutes.of(config, Scope.PUBLIC)
                .get("/openapi.json", ctx -> ctx.contentType("application/json").result(docs.spec))
                .get("/docs", docs::page)
                .get("/docs/{asset}", docs::asset);
    }

    /** The OpenAPI document at {@code resource}, parsed from YAML. */
    public static JsonNode read(String resource) {
        try (InputStream in = ApiDocs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no OpenAPI document " + resource + " on the classpath");
            }
            return new YAMLMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document " + resource + " is not valid YAML", e);
        }
    }

    private void page(Context ctx) {
        secure(ctx);
        ctx.contentType("text/html; charset=utf-8").result(page);
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("asset");
        if (name.equals("docs.js")) {
            secure(ctx);
            ctx.contentType("text/javascript; charset=utf-8").result(SCRIPT);
            return;
        }
        String type = ASSETS.get(name);
        if (type == null) {
            throw new ApiException(404, "the API docs have no file " + ApiException.printable(name), "asset");
        }
        try (InputStream in = ApiDocs.class.getResourceAsStream(webjar + name)) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar lacks " + name);
            }
            secure(ctx);
            ctx.header("Cache-Control", "public, max-age=86400");
            ctx.contentType(type).result(in.readAllBytes());
        }
    }

    private static void secure(Context ctx) {
        // its own files only; Swagger UI sets styles inline and shows images as data URIs
        ctx.header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
                + " frame-ancestors 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
    }

    /** The version the webjar on the classpath is, from its Maven descriptor: its files live under that name. */
    private static String webjarVersion() {
        try (InputStream in = ApiDocs.class.getResourceAsStream("/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
