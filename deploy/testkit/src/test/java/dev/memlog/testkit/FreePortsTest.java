package dev.memlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Ports handed out side by side are never the same one: two listeners of one broker must not collide. */
class FreePortsTest {
    @Test
    void noPortIsHandedOutTwice() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            assertThat(seen.add(FreePorts.next())).as("port handed out twice after " + i).isTrue();
        }
    }
}
