package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompilerActivityTest {
    private static String stat(String name, long utime, long stime) {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        return "4711 (" + name + ") S 1 4711 4711 0 -1 4194368 120 0 0 0 " + utime + " " + stime + " 0 0 20 0 1 0 1234 0 0";
    }

    @Test
    void onlyCompilerThreadsCountAndTheirUserAndSystemTimeAddUp() {
        assertThat(CompilerActivity.compilerTicks(stat("C2 CompilerThre", 250, 7))).isEqualTo(257);
        assertThat(CompilerActivity.compilerTicks(stat("C1 CompilerThre", 40, 2))).isEqualTo(42);
        assertThat(CompilerActivity.compilerTicks(stat("memlog-consolid", 9000, 100))).isZero();
        // a thread may name itself anything, parentheses and spaces included: the name ends at the last ')'
        assertThat(CompilerActivity.compilerTicks(stat("a) S 1 (C2 x", 5, 5))).isZero();
        assertThat(CompilerActivity.compilerTicks("garbage")).isZero();
    }

    @Test
    void thisJvmsCompilersHaveWorkedAndTheirTimeOnlyGrows() {
        var self = new CompilerActivity(List.of(ProcessHandle.current().pid()));
        assertThat(self.readable()).as("Linux's /proc").isTrue();
        double first = self.cpuSeconds();
        double sum = 0;
        for (int i = 0; i < 2_000_000; i++) {
            sum += Math.sqrt(i) * (i % 7);
        }
        assertThat(sum).isPositive();
        assertThat(self.cpuSeconds()).isGreaterThanOrEqualTo(first).isPositive();
        assertThat(new CompilerActivity(List.of(Long.MAX_VALUE)).cpuSeconds()).as("a process that is gone").isZero();
    }
}
