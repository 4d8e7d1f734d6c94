package dev.memlog.client.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.stack.LocalStack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * The Python client's pytest suite against the real platform: Kafka, the schema registry, OpenSearch and the three
 * services, started here as the other stack tests start them, with the base URLs and keys of three tenants handed to
 * pytest in its environment. It passes only when pytest exits 0 and its JUnit report shows every expected test run,
 * none failed, none skipped. A machine without the client's virtualenv fails here, saying how to make one: a suite
 * that did not run must not look like one that passed.
 */
class PythonClientIT {
    /** pytest's test count (parametrized cases each count): change it with the suite, so a lost test is noticed. */
    static final int EXPECTED_TESTS = 85;
    static final String KEY = "py-client-acme-key-0123456789abcdef";
    static final String OTHER_KEY = "py-client-globex-key-0123456789abcd";
    static final String THROTTLED_KEY = "py-client-throttled-key-0123456789";
    /** The desk agent of acme, for the MCP server's tests: its tools act as that agent. */
    static final String MCP_KEY = "py-client-mcp-desk-key-0123456789ab";
    static final long TIMEOUT_MINUTES = 20;

    @TempDir
    static Path dir;
    static LocalStack stack;

    static final Path VENV = Path.of(System.getProperty("python.venv", "clients/python/.venv"));
    static final Path PROJECT = Path.of(System.getProperty("python.project", "clients/python"));
    static final Path REPORTS = Path.of(System.getProperty("python.reports", "clients/python/target/pytest-reports"));

    static Path python() {
        Path python = VENV.resolve("bin").resolve("python");
        if (!Files.isExecutable(python)) {
            fail("no Python virtualenv at " + VENV + " (" + python + " is missing): the Python client's tests need"
                    + " python3 and the client installed with its extras: run " + PROJECT.resolve("make-venv")
                    + " (which .ci/run calls), or give -Dpython.venv=<a virtualenv with memlog[test,langchain,langgraph]>");
        }
        return python;
    }

    @BeforeAll
    static void start() throws Exception {
        Path python = python();
        // everything the suite imports, before a stack is started for nothing
        int imports = run(List.of(python.toString(), "-c",
                "import memlog, memlog.langchain, memlog.langgraph, pytest, pytest_asyncio, mcp"), Map.of(), 2);
        if (imports != 0) {
            fail("the virtualenv at " + VENV + " cannot import the client, its adapters or pytest (exit " + imports
                    + "; its output is above): run " + PROJECT.resolve("make-venv") + " to install them from the machine's wheels");
        }
        var keys = ApiKeys.load(String.join("\n", KEY + "=acme;scopes=read+write+feedback+erase",
                OTHER_KEY + "=globex;scopes=read+write+feedback+erase", THROTTLED_KEY + "=throttled",
                MCP_KEY + "=acme;agent=desk;users=*"), null);
        // a read rate low enough that one test can run into it, high enough that the others' polling never does
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys,
                Map.of("RATE_LIMIT_READS_PER_SECOND", "30", "RATE_LIMIT_READS_BURST", "60")), System.out::println);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void pytestPassesAgainstTheRealStack() throws Exception {
        Files.createDirectories(REPORTS);
        Path report = REPORTS.resolve("pytest-junit.xml");
        Files.deleteIfExists(report);
        int exit = run(List.of(python().toString(), "-m", "pytest", "-p", "no:cacheprovider", "-rfEs",
                        "--junitxml=" + report, "-o", "junit_family=xunit2", "tests"),
                Map.of("MEMLOG_INGEST_URL", stack.ingestUrl(), "MEMLOG_QUERY_URL", stack.queryUrl(),
                        "MEMLOG_API_KEY", KEY, "MEMLOG_OTHER_API_KEY", OTHER_KEY, "MEMLOG_THROTTLED_API_KEY", THROTTLED_KEY,
                        "MEMLOG_MCP_URL", stack.mcpUrl(), "MEMLOG_MCP_API_KEY", MCP_KEY),
                TIMEOUT_MINUTES);
        assertThat(exit).as("pytest's exit code (its output is above)").isZero();
        assertThat(report).as("pytest's JUnit report").exists();
        Element suite = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                .getElementsByTagName("testsuite").item(0);
        assertThat(count(suite, "failures")).as("failed tests").isZero();
        assertThat(count(suite, "errors")).as("tests in error").isZero();
        assertThat(count(suite, "skipped")).as("skipped tests").isZero();
        assertThat(count(suite, "tests")).as("tests run; EXPECTED_TESTS changes with the suite").isEqualTo(EXPECTED_TESTS);
    }

    static int count(Element suite, String attribute) {
        return Integer.parseInt(suite.getAttribute(attribute));
    }

    /** Runs a command in the Python project, its output streamed to this build's log; the exit code, or a failure. */
    static int run(List<String> command, Map<String, String> env, long timeoutMinutes) throws Exception {
        var builder = new ProcessBuilder(command).directory(PROJECT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("PYTHONUNBUFFERED", "1");
        builder.environment().remove("PYTHONPATH");
        Process process;
        try {
            process = builder.start();
        } catch (java.io.IOException e) {
            return fail("cannot start " + command.getFirst() + ": " + e.getMessage());
        }
        var pump = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println("[python] " + line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return fail(command + " did not finish within " + timeoutMinutes + " minutes");
        }
        pump.join(10_000);
        return process.exitValue();
    }
}
