package dev.memlog.schemas;

import java.util.function.Function;

/**
 * How the services create the topics they find missing: TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR and
 * TOPIC_MIN_INSYNC_REPLICAS. The defaults suit a production cluster of three or more brokers, where an append is
 * acknowledged once two replicas have it and a broker can fail without losing it; a single-broker stack lowers them
 * explicitly to 1. With TOPIC_AUTO_CREATE=false the services create none: the topics are the cluster operator's (the Helm
 * chart's KafkaTopics), and a service finding one missing refuses to start rather than make it with its own settings.
 */
public record TopicSettings(int partitions, short replicationFactor, int minInsyncReplicas, boolean autoCreate) {

    public TopicSettings(int partitions, short replicationFactor, int minInsyncReplicas) {
        this(partitions, replicationFactor, minInsyncReplicas, true);
    }

    public TopicSettings {
        if (partitions < 1 || replicationFactor < 1 || minInsyncReplicas < 1) {
            throw new IllegalArgumentException("TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR and TOPIC_MIN_INSYNC_REPLICAS must be positive");
        }
        if (minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("TOPIC_MIN_INSYNC_REPLICAS (" + minInsyncReplicas
                    + ") cannot exceed TOPIC_REPLICATION_FACTOR (" + replicationFactor + "): no append could be acknowledged");
        }
    }

    /** Six partitions, three replicas, two in sync. */
    public static TopicSettings production() {
        return new TopicSettings(6, (short) 3, 2);
    }

    /** One broker: one replica, which must be in sync. */
    public static TopicSettings singleBroker(int partitions) {
        return new TopicSettings(partitions, (short) 1, 1);
    }

    /** @param env looks an environment variable up, null when it is not set */
    public static TopicSettings from(Function<String, String> env) {
        var d = production();
        short replication = (short) number(env, "TOPIC_REPLICATION_FACTOR", d.replicationFactor());
        // a cluster too small for two in-sync replicas gets one, unless the operator says otherwise
        int minInsync = number(env, "TOPIC_MIN_INSYNC_REPLICAS", Math.min(d.minInsyncReplicas(), replication));
        String autoCreate = env.apply("TOPIC_AUTO_CREATE");
        if (autoCreate != null && !autoCreate.isBlank() && !autoCreate.strip().matches("(?i)true|false")) {
            throw new IllegalArgumentException("TOPIC_AUTO_CREATE must be true or false, was '" + autoCreate + "'");
        }
        return new TopicSettings(number(env, "TOPIC_PARTITIONS", d.partitions()), replication, minInsync,
                autoCreate == null || autoCreate.isBlank() || Boolean.parseBoolean(autoCreate.strip()));
    }

    private static int number(Function<String, String> env, String name, int fallback) {
        String value = env.apply(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'");
        }
    }
}
