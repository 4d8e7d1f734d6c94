package dev.memlog.common.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How a service stops on SIGTERM or SIGINT: readiness DOWN first, requests still served for the drain period
 * (SHUTDOWN_DRAIN_SECONDS) while load balancers move away, then the service closes (HTTP stops, Kafka clients commit
 * and leave their groups) and the process exits 0. A second signal while it stops changes nothing.
 */
public final class GracefulShutdown {
    private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

    private GracefulShutdown() {
    }

    /** What stops: the server to drain, then everything the service holds. */
    public interface Stoppable extends AutoCloseable {
        ServiceServer http();

        @Override
        void close();
    }

    /** SHUTDOWN_DRAIN_SECONDS, 5 unless set, at most five minutes. */
    public static Duration drain(dev.memlog.common.config.Env env) {
        long seconds = env.longValue("SHUTDOWN_DRAIN_SECONDS", 5);
        if (seconds < 0 || seconds > 300) {
            throw new IllegalArgumentException("SHUTDOWN_DRAIN_SECONDS must be a whole number of seconds from 0 to 300");
        }
        return Duration.ofSeconds(seconds);
    }

    public static void install(String service, Stoppable stoppable, Duration drain) {
        var stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.getAndSet(true)) {
                return;
            }
            log.info("{} stopping: draining for {} s, then closing", service, drain.toSeconds());
            stoppable.http().drain();
            try {
                Thread.sleep(drain.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int status = 0;
            try {
                stoppable.close();
                log.info("{} stopped", service);
            } catch (Throwable e) {
                log.error("{} did not stop cleanly", service, e);
                status = 1;
            }
            Runtime.getRuntime().exit(status);
        };
        for (String name : new String[] {"TERM", "INT"}) {
            // not a daemon, as the signal thread is: the process must not end halfway through closing
            Signal.handle(new Signal(name), signal -> Thread.ofPlatform().daemon(false).name("shutdown").start(stop));
        }
    }
}
