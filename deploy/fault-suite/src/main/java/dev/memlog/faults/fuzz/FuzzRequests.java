package dev.memlog.faults.fuzz;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Requests to every endpoint of every service, each a valid request with something done to it: a field dropped, given
 * a wrong type, a huge or negative number, a string of regex metacharacters, backslashes or control characters, an
 * extra or repeated key, nesting thousands deep, bytes that are not UTF-8, no body or not JSON, a wrong content type,
 * a body over the limit, no API key, another method, a path no route serves, query parameters hostile or too long.
 */
public final class FuzzRequests {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Strings that have broken services before: replacement syntax, regex, escapes, terminal and log forgery. */
    private static final List<String> HOSTILE = List.of("Ke$ha", "$1", "$", "\\", "\\\\", "\\1", "a\\b", "C:\\Users\\$0", "(.*)",
            "[", "a{2,", "(?<x>", "^$", ".*+?", "%s%n%d", "${jndi:ldap://x/y}", "{{7*7}}", "../../etc/passwd", "%00", "\u0000",
            "\u0000\u0001\u0002", "\u001b[31mred\u001b[0m", "\r\nX-Injected: 1", "line\nbreak", "\t", "\u202egnp.exe", "\uFEFF",
            "\u200b", "😀🎉", "ß", "İ", "'; DROP TABLE memories; --", "\" OR \"1\"=\"1", "<script>alert(1)</script>", "null", "true",
            "0", "-1", "NaN", "", " ", "  \n  ", "a".repeat(129), "x".repeat(2001), "y".repeat(40_000), "_", "-", ".", "..",
            "u:alice", "acme\u001fu:alice", "*", "?", "#", "&", "=", "+", "%", "%2e%2e%2f");
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO"};

    /** One endpoint: where it is, what a valid request to it looks like, and its query parameters. */
    private record Endpoint(String service, String method, String path, Function<Random, ObjectNode> body, List<String> params) {
        boolean hasBody() {
            return body != null;
        }
    }

    private final List<Endpoint> endpoints = new ArrayList<>();
    private final String tenant;

    /** @param tenant the tenant whose key the requests carry, which the consolidation endpoint is asked about */
    public FuzzRequests(String tenant) {
        this.tenant = tenant;
        endpoints.add(new Endpoint("ingest", "POST", "/v1/turns", FuzzRequests::turn, List.of()));
        endpoints.add(new Endpoint("ingest", "POST", "/v1/turns/batch", r -> {
            ObjectNode batch = NODES.objectNode();
            ArrayNode turns = batch.putArray("turns");
            for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                turns.add(turn(r));
            }
            return batch;
        }, List.of()));
        endpoints.add(new Endpoint("ingest", "POST", "/v1/memories", r -> NODES.objectNode().put("user_id", user(r))
                .put("content", "Fuzz memory " + r.nextInt(1000) + ": I prefer tea.").put("timestamp", "2024-05-01T10:00:00Z"), List.of()));
        endpoints.add(new Endpoint("query", "POST", "/v1/search", FuzzRequests::search, List.of()));
        endpoints.add(new Endpoint("query", "POST", "/v1/context", r -> search(r).put("budget_tokens", 1 + r.nextInt(800))
                .put("neighbours", r.nextBoolean()), List.of()));
        endpoints.add(new Endpoint("query", "POST", "/v1/feedback", r -> {
            ObjectNode f = NODES.objectNode().put("user_id", user(r)).put("signal", r.nextBoolean() ? "used" : "not_useful")
                    .put("feedback_id", "fb-" + r.nextInt(100_000)).put("timestamp", "2024-05-02T10:00:00Z");
            f.putArray("record_ids").add("8a6b903c-a94e-3135-a7da-fa1be64e8f00").add("rec-" + r.nextInt(100));
            return f;
        }, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/working-memory", null, List.of("user_id", "session_id", "agent_id")));
        endpoints.add(new Endpoint("query", "GET", "/v1/memories/{record_id}/history", null, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/memories/{record_id}/lineage", null, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/memories/{record_id}", null, List.of("user_id", "agent_id")));
        endpoints.add(new Endpoint("ingest", "DELETE", "/v1/memories/{record_id}", r -> NODES.objectNode()
                .put("reason", "fuzz deletion " + r.nextInt(1000)), List.of("user_id", "agent_id")));
        endpoints.add(new Endpoint("ingest", "POST", "/v1/erasure", r -> r.nextBoolean()
                ? NODES.objectNode().put("user_id", user(r)).put("reason", "fuzz erasure")
                : NODES.objectNode().put("agent_id", "fuzz-agent-" + r.nextInt(3)), List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/erasure/{erasure_id}", null, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/stats", null, List.of("user_id", "agent_id", "session_id")));
        endpoints.add(new Endpoint("query", "POST", "/v1/admin/replay", r -> {
            ObjectNode replay = NODES.objectNode().put("user_id", user(r)).put("until", "2024-05-05T00:00:00Z");
            replay.putObject("rules").put("SUMMARIZER", "none");
            return replay;
        }, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/admin/replay/{replay_id}", null, List.of()));
        endpoints.add(new Endpoint("query", "GET", "/v1/memories", null, List.of("user_id", "agent_id", "as_of", "tier", "limit",
                "cursor", "session_id", "observed_after", "observed_before")));
        endpoints.add(new Endpoint("query", "GET", "/explorer/{asset}", null, List.of()));
        endpoints.add(new Endpoint("consolidation", "GET", "/v1/working-memory", null,
                List.of("tenant", "user_id", "session_id", "agent_id", "forwarded")));
        endpoints.add(new Endpoint("registry", "GET", "/subjects", null, List.of()));
        endpoints.add(new Endpoint("registry", "GET", "/subjects/{subject}/versions", null, List.of()));
        endpoints.add(new Endpoint("registry", "GET", "/subjects/{subject}/versions/{version}", null, List.of()));
        endpoints.add(new Endpoint("registry", "GET", "/subjects/{subject}/versions/{version}/schema", null, List.of()));
        endpoints.add(new Endpoint("registry", "POST", "/subjects/{subject}/versions", FuzzRequests::schema, List.of()));
        endpoints.add(new Endpoint("registry", "POST", "/subjects/{subject}", FuzzRequests::schema, List.of()));
        endpoints.add(new Endpoint("registry", "GET", "/schemas/ids/{id}", null, List.of()));
        endpoints.add(new Endpoint("registry", "POST", "/compatibility/subjects/{subject}/versions/{version}", FuzzRequests::schema,
                List.of("verbose")));
        endpoints.add(new Endpoint("registry", "GET", "/config", null, List.of()));
        endpoints.add(new Endpoint("registry", "PUT", "/config/{subject}", r -> NODES.objectNode().put("compatibility",
                r.nextBoolean() ? "BACKWARD" : "FULL"), List.of()));
        for (String service : List.of("ingest", "query", "consolidation", "registry")) {
            for (String probe : List.of("/health/live", "/health/ready", "/health/started", "/metrics")) {
                endpoints.add(new Endpoint(service, "GET", probe, null, List.of()));
            }
        }
    }

    private static String user(Random r) {
        return "fuzz-user-" + r.nextInt(20);
    }

    private static ObjectNode turn(Random r) {
        ObjectNode t = NODES.objectNode().put("user_id", user(r)).put("session_id", "fuzz-session-" + r.nextInt(5))
                .put("role", r.nextBoolean() ? "user" : "assistant").put("content", "Fuzz turn " + r.nextInt(100_000)
                        + ": I walked the dog by the river.").put("timestamp", "2024-05-0" + (1 + r.nextInt(9)) + "T10:00:00Z");
        t.putObject("metadata").put("speaker", r.nextBoolean() ? "Ann" : "Bo").put("channel", "web");
        return t;
    }

    private static ObjectNode search(Random r) {
        ObjectNode s = NODES.objectNode().put("query", "what did I do with the dog?").put("user_id", user(r)).put("k", 1 + r.nextInt(20))
                .put("mode", List.of("hybrid", "bm25", "vector").get(r.nextInt(3))).put("reinforce", false);
        s.putArray("tiers").add("episodic").add("semantic");
        s.putObject("time_range").put("from", "2024-01-01T00:00:00Z").put("to", "2024-12-31T00:00:00Z");
        s.putObject("metadata").put("channel", "web");
        if (r.nextInt(4) == 0) {
            s.put("as_of", "2024-06-01T00:00:00Z");
        }
        return s;
    }

    private static ObjectNode schema(Random r) {
        return NODES.objectNode().put("schema", "{\"type\":\"record\",\"name\":\"Fuzz" + r.nextInt(50)
                + "\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}").put("schemaType", "AVRO");
    }

    /** Every generated request, as jqwik draws them. */
    public Arbitrary<FuzzRequest> any() {
        return Arbitraries.randomValue(this::generate);
    }

    FuzzRequest generate(Random r) {
        if (r.nextInt(40) == 0) {
            return unknownPath(r);
        }
        Endpoint e = endpoints.get(r.nextInt(endpoints.size()));
        return e.hasBody() ? bodyMutation(e, r) : parameterMutation(e, r);
    }

    private FuzzRequest unknownPath(Random r) {
        String service = List.of("ingest", "query", "consolidation", "registry").get(r.nextInt(4));
        String path = "/" + encode(hostile(r)) + "/" + encode(hostile(r));
        return new FuzzRequest(service, METHODS[r.nextInt(METHODS.length)], path, "application/json", bytes("{}"), "unknown path");
    }

    private FuzzRequest bodyMutation(Endpoint e, Random r) {
        String path = fillPath(e.path(), r, false);
        ObjectNode valid = e.body().apply(r);
        int kind = r.nextInt(14);
        return switch (kind) {
            case 0 -> request(e, path, "application/json", bytes(valid.toString()), "valid");
            case 1 -> {
                String field = pick(valid, r);
                remove(valid, field);
                yield request(e, path, "application/json", bytes(valid.toString()), "dropped " + field);
            }
            case 2, 3 -> {
                String field = pick(valid, r);
                set(valid, field, anyValue(r));
                yield request(e, path, "application/json", bytes(valid.toString()), "wrong type at " + field);
            }
            case 4, 5 -> {
                String field = pick(valid, r);
                set(valid, field, NODES.textNode(hostile(r)));
                yield request(e, path, "application/json", bytes(valid.toString()), "hostile string at " + field);
            }
            case 6 -> {
                for (String extra : List.of("tenant_id", "__proto__", hostile(r))) {
                    if (r.nextBoolean()) {
                        valid.set(extra, anyValue(r));
                    }
                }
                yield request(e, path, "application/json", bytes(valid.toString()), "extra fields");
            }
            case 7 -> {
                int depth = 50 + r.nextInt(3000);
                String nested = "[".repeat(depth) + "1" + "]".repeat(depth);
                String text = r.nextBoolean() ? nested : prepend(valid, "\"deep\":" + nested);
                yield request(e, path, "application/json", bytes(text), "nested " + depth + " deep");
            }
            case 8 -> {
                String field = valid.fieldNames().next();
                String text = prepend(valid, "\"" + field + "\":" + anyValue(r));
                yield request(e, path, "application/json", bytes(text), "duplicate key " + field);
            }
            case 9 -> request(e, path, "application/json", garbage(r), "not JSON");
            case 10 -> {
                String type = List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "application/xml", "application/json; charset=latin1", "").get(r.nextInt(6));
                yield request(e, path, type.isEmpty() ? null : type, r.nextBoolean() ? bytes(valid.toString()) : bytes("a=b&c=d"),
                        "content type " + type);
            }
            case 11 -> {
                String field = pick(valid, r);
                set(valid, field, NODES.textNode("z".repeat((1 << 20) + 1000)));
                yield request(e, path, "application/json", bytes(valid.toString()), "oversized body at " + field);
            }
            case 12 -> request(e, path, "application/json", bytes(valid.toString()), "no key");
            default -> {
                String method = METHODS[r.nextInt(METHODS.length)];
                yield new FuzzRequest(e.service(), method, path, "application/json", method.equals("GET") || method.equals("HEAD")
                        ? null : bytes(valid.toString()), "method " + method);
            }
        };
    }

    private FuzzRequest parameterMutation(Endpoint e, Random r) {
        StringBuilder query = new StringBuilder();
        List<String> params = new ArrayList<>(e.params());
        if (e.service().equals("consolidation") && r.nextInt(3) > 0) {
            query.append("tenant=").append(encode(tenant)).append('&');
            params.remove("tenant");
        }
        String mutation = "parameters";
        for (String param : params) {
            int kind = r.nextInt(6);
            switch (kind) {
                case 0 -> {
                    // left out
                }
                case 1 -> query.append(param).append('=').append(encode(hostile(r))).append('&');
                case 2 -> query.append(param).append("=a&").append(param).append("=b&");
                case 3 -> query.append(param).append('=').append("q".repeat(r.nextBoolean() ? 300 : 9000)).append('&');
                default -> query.append(param).append("=fuzz-").append(r.nextInt(20)).append('&');
            }
        }
        if (r.nextInt(5) == 0) {
            query.append(encode(hostile(r))).append('=').append(encode(hostile(r)));
            mutation = "unknown parameter";
        }
        String path = fillPath(e.path(), r, true) + (query.isEmpty() ? "" : "?" + query);
        String method = r.nextInt(8) == 0 ? METHODS[r.nextInt(METHODS.length)] : e.method();
        return new FuzzRequest(e.service(), method, path, null, null, r.nextInt(10) == 0 ? "no key" : mutation + " " + method);
    }

    private static FuzzRequest request(Endpoint e, String path, String contentType, byte[] body, String mutation) {
        return new FuzzRequest(e.service(), e.method(), path, contentType, body, mutation);
    }

    private static String fillPath(String template, Random r, boolean hostile) {
        return template.replace("{record_id}", hostile && r.nextBoolean() ? encode(hostile(r)) : "8a6b903c-a94e-3135-a7da-fa1be64e8f00")
                .replace("{erasure_id}", hostile && r.nextBoolean() ? encode(hostile(r)) : java.util.UUID.randomUUID().toString())
                .replace("{asset}", hostile && r.nextBoolean() ? encode(hostile(r)) : List.of("index.html", "explorer.js",
                        "explorer.css", "../pom.xml").get(r.nextInt(4)))
                .replace("{replay_id}", hostile && r.nextBoolean() ? encode(hostile(r)) : java.util.UUID.randomUUID().toString())
                .replace("{subject}", hostile && r.nextBoolean() ? encode(hostile(r)) : "fuzz-subject-" + r.nextInt(5))
                .replace("{version}", List.of("latest", "-1", "0", "1", "99999999999", "abc", encode(hostile(r))).get(r.nextInt(7)))
                .replace("{id}", List.of("1", "-1", "0", "2147483648", "abc", encode(hostile(r))).get(r.nextInt(6)));
    }

    static String hostile(Random r) {
        if (r.nextInt(4) == 0) {
            // random code points, control characters and unassigned ones included
            StringBuilder s = new StringBuilder();
            for (int i = 0, n = r.nextInt(40); i < n; i++) {
                int c = r.nextInt(5) == 0 ? r.nextInt(0x20) : r.nextInt(0x3000);
                if (!Character.isSurrogate((char) c)) {
                    s.appendCodePoint(c);
                }
            }
            return s.toString();
        }
        return HOSTILE.get(r.nextInt(HOSTILE.size()));
    }

    static JsonNode anyValue(Random r) {
        return switch (r.nextInt(14)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(r.nextBoolean());
            case 2 -> NODES.numberNode(-1);
            case 3 -> NODES.numberNode(Long.MAX_VALUE);
            case 4 -> NODES.numberNode(Long.MIN_VALUE);
            case 5 -> NODES.numberNode(1e308);
            case 6 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890123456789"));
            case 7 -> NODES.numberNode(-0.5);
            case 8 -> NODES.arrayNode().add(1).add("a").addNull();
            case 9 -> NODES.objectNode().put("a", 1).set("b", NODES.objectNode().put("c", hostile(r)));
            case 10 -> NODES.arrayNode();
            case 11 -> NODES.objectNode();
            case 12 -> NODES.numberNode(0);
            default -> NODES.textNode(hostile(r));
        };
    }

    /** The object's JSON with a member written before its own, as text (it may repeat a key or be too deep to build). */
    private static String prepend(ObjectNode object, String member) {
        String json = object.toString();
        return "{" + member + (json.length() > 2 ? "," : "") + json.substring(1);
    }

    private static byte[] garbage(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> new byte[0];
            case 1 -> new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            case 2 -> new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 'x'};
            case 3 -> bytes("{\"user_id\": \"a\", ");
            case 4 -> bytes("null");
            case 5 -> bytes("[1,2,3]");
            case 6 -> bytes("\"just a string\"");
            default -> {
                byte[] b = new byte[1 + r.nextInt(200)];
                r.nextBytes(b);
                yield b;
            }
        };
    }

    /** A JSON pointer to one of the valid request's values, nested ones included. */
    private static String pick(ObjectNode valid, Random r) {
        List<String> pointers = new ArrayList<>();
        collect(valid, "", pointers);
        return pointers.get(r.nextInt(pointers.size()));
    }

    private static void collect(JsonNode node, String at, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                String p = at + "/" + e.getKey();
                out.add(p);
                collect(e.getValue(), p, out);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = at + "/" + i;
                out.add(p);
                collect(node.get(i), p, out);
            }
        }
    }

    private static void set(ObjectNode root, String pointer, JsonNode value) {
        JsonPointer p = JsonPointer.compile(pointer);
        JsonNode parent = root.at(p.head());
        String last = p.last().getMatchingProperty();
        if (parent instanceof ObjectNode o) {
            o.set(last, value);
        } else if (parent instanceof ArrayNode a) {
            a.set(p.last().getMatchingIndex(), value);
        }
    }

    private static void remove(ObjectNode root, String pointer) {
        JsonPointer p = JsonPointer.compile(pointer);
        JsonNode parent = root.at(p.head());
        if (parent instanceof ObjectNode o) {
            o.remove(p.last().getMatchingProperty());
        } else if (parent instanceof ArrayNode a) {
            a.remove(p.last().getMatchingIndex());
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String json(Object o) {
        return Json.mapper().valueToTree(o).toString();
    }
}
