package dev.memlog.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time the JIT compiler threads of some processes have used, read from Linux's /proc: a fresh JVM compiles for
 * minutes, on the same cores as the work measured, which a service that has run for a while no longer does.
 */
final class CompilerActivity {
    /** Linux's clock ticks a second, in which /proc counts a thread's time. */
    private static final double TICKS_PER_SECOND = 100;

    private final List<Long> pids;

    CompilerActivity(List<Long> pids) {
        this.pids = List.copyOf(pids);
    }

    /** Whether this machine tells: without /proc, nothing can be read and warm-ups fall back to their fixed length. */
    boolean readable() {
        return pids.stream().allMatch(pid -> Files.isDirectory(Path.of("/proc", Long.toString(pid), "task")));
    }

    /** Seconds of CPU the compiler threads of every process have used so far. */
    double cpuSeconds() {
        double ticks = 0;
        for (long pid : pids) {
            try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path thread : threads.toList()) {
                    ticks += compilerTicks(thread.resolve("stat"));
                }
            } catch (IOException e) {
                // the process is gone: it compiles nothing more
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** A thread's user and system ticks if it is a compiler thread ("C1 CompilerThre", "C2 CompilerThre"), else 0. */
    static long compilerTicks(Path stat) {
        try {
            return compilerTicks(Files.readString(stat));
        } catch (IOException e) {
            return 0; // the thread ended
        }
    }

    static long compilerTicks(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return 0;
        }
        String name = stat.substring(open + 1, close);
        if (!name.matches("C[12] CompilerThre.*")) {
            return 0;
        }
        // after the name: state, then fields 4 to 52 of proc(5); utime and stime are its 14th and 15th
        String[] fields = stat.substring(close + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
