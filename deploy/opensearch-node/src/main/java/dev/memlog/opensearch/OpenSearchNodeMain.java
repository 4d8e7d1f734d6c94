package dev.memlog.opensearch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.opensearch.Version;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.PluginInfo;

/**
 * Runs one OpenSearch node with k-NN and neural-search as classpath plugins. Arguments: home directory, HTTP port.
 * With {@code -Dmemlog.opensearch.security=true} it also loads the security plugin, which then reads its settings from
 * {@code <home>/config/opensearch.yml} and its users and roles from {@code <home>/config/opensearch-security/}.
 * Exits when its standard input closes, so it never outlives the process that started it.
 */
public final class OpenSearchNodeMain {

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[1]);
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("cluster.name", "memlog-local")
                .put("node.name", "memlog-node")
                .put("network.host", "127.0.0.1")
                .put("http.port", httpPort)
                .put("transport.port", args.length > 2 ? Integer.parseInt(args[2]) : 0)
                .put("discovery.type", "single-node")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.auto_create_index", false)
                .build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> "memlog-node");
        List<PluginInfo> plugins = new ArrayList<>(List.of(
                plugin("transport-netty4", "org.opensearch.transport.Netty4ModulePlugin"),
                plugin("lang-painless", "org.opensearch.painless.PainlessModulePlugin"),
                plugin("analysis-common", "org.opensearch.analysis.common.CommonAnalysisModulePlugin"),
                plugin("opensearch-knn", "org.opensearch.knn.plugin.KNNPlugin", "lang-painless"),
                plugin("opensearch-neural-search", "org.opensearch.neuralsearch.plugin.NeuralSearch", "opensearch-knn")));
        if (Boolean.getBoolean(OpenSearchNodeDistribution.SECURITY_PROPERTY)) {
            plugins.add(plugin("opensearch-security", "org.opensearch.security.OpenSearchSecurityPlugin"));
        }
        Node node = new Node(env, plugins, true) {
            @Override
            protected void configureNodeAndClusterIdStateListener(org.opensearch.cluster.service.ClusterService cs) {
            }
        };
        node.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(node), "opensearch-shutdown"));
        System.out.println("memlog-opensearch-node started on port " + httpPort);
        // block until the parent goes away (its end of our stdin closes), then stop cleanly
        try {
            while (System.in.read() >= 0) {
                // ignore input
            }
        } catch (IOException ignored) {
            // parent gone
        }
        System.exit(0);
    }

    private static void close(Node node) {
        try {
            node.close();
        } catch (IOException e) {
            e.printStackTrace();
        }
    }

    private static PluginInfo plugin(String name, String className, String... extended) {
        return new PluginInfo(name, "classpath plugin", "NA", Version.CURRENT,
                Integer.toString(Runtime.version().feature()), className, List.of(extended), false);
    }
}
