package dev.memlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot start says why in its failure, and a port taken under it costs one more try, not the run. */
class ChildProcessOpenSearchNodeIT {
    @TempDir
    Path dir;

    @Test
    void aNodeWhosePortIsTakenFailsWithWhatItsLogSays() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> ChildProcessOpenSearchNode.start(dir.resolve("node"), taken.getLocalPort()))
                    .isInstanceOf(ChildProcessOpenSearchNode.ExitedDuringStart.class)
                    .hasMessageContaining("node.out, which ends:")
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void aPortTakenBeforeTheNodeBindsItIsTriedOnceMoreOnAnother() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int free = FreePorts.next();
            var ports = IntStream.of(taken.getLocalPort(), free).iterator();
            try (var node = ChildProcessOpenSearchNode.start(dir.resolve("node"), ports, ChildProcessOpenSearchNode.Access.plain())) {
                assertThat(node.url()).isEqualTo("http://127.0.0.1:" + free);
            }
        }
    }
}
