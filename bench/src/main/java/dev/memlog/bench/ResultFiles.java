package dev.memlog.bench;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Where every benchmark leaves its results: {@code <name>.json} and its table as {@code <name>.md}, the table printed. */
final class ResultFiles {
    private ResultFiles() {
    }

    /** The machine a run measured, as each results file records it. */
    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version();
    }

    /** A results name as given on the command line, if it names a file in the results folder and nothing else. */
    static String checkedName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("--name: letters, digits, '.', '_' and '-', at most 100, not starting with '.' or '-'");
        }
        return name;
    }

    static void write(Path outDir, String name, Map<String, Object> result, String table, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        Path json = outDir.resolve(name + ".json");
        Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
        Files.writeString(outDir.resolve(name + ".md"), table);
        out.println();
        out.println(table);
        out.println("Results written to " + json.toAbsolutePath() + " and .md beside it.");
    }
}
