package org.ddep.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.server.mock.crud.PatchHandler;
import io.fabric8.kubernetes.client.server.mock.crud.PostHandler;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.Context;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * A Kubernetes API server on loopback for spark-submit to talk to: fabric8's mock server in CRUD mode
 * (objects created through the API are stored and can be read back, as Spark's own Kubernetes tests
 * use it), over HTTPS with its self-signed certificate. Nothing runs the pods it stores: no kubelet,
 * no scheduler, no controllers.
 *
 * <p>Spark 3.5's submission client creates the driver's service and config maps by server-side apply
 * (a PATCH of type {@code application/apply-patch+yaml} that creates the object if it is absent), which
 * the 6.7 mock answers with 415. {@link ApplyingDispatcher} gives apply those semantics for the fields
 * the client sends: create when absent, JSON merge otherwise.
 */
public final class MockKubernetes implements AutoCloseable {
    private final KubernetesMockServer server;

    private MockKubernetes(KubernetesMockServer server) {
        this.server = server;
    }

    public static MockKubernetes start() throws IOException {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ApplyingDispatcher(), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return new MockKubernetes(server);
    }

    /** The master URL for spark-submit: {@code k8s://https://127.0.0.1:PORT}. */
    public String master() {
        return "k8s://https://" + server.getHostName() + ":" + server.getPort();
    }

    /** A client of this API server (trusting its certificate), to set up and read back objects. */
    public NamespacedKubernetesClient client() {
        return server.createClient();
    }

    @Override
    public void close() {
        server.destroy();
    }

    /** CRUD dispatcher that also understands server-side apply. */
    private static final class ApplyingDispatcher extends KubernetesCrudDispatcher {
        private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            String type = request.getHeader("Content-Type");
            if (type == null || !type.startsWith("application/apply-patch")) {
                return super.handlePatch(request);
            }
            String path = request.getPath().split("\\?", 2)[0];
            try {
                JsonNode applied = YAML.readTree(request.getBody().readUtf8());
                String body = JSON.writeValueAsString(applied);
                synchronized (this) {
                    if (handleGet(path).getStatus().contains(" 200 ")) {
                        return new PatchHandler(this).handle(path, "application/merge-patch+json", body);
                    }
                    String collection = path.substring(0, path.lastIndexOf('/'));
                    return new PostHandler((KubernetesAttributesExtractor) getAttributeExtractor(), this)
                            .handle(collection, "application/json", body);
                }
            } catch (KubernetesCrudDispatcherException e) {
                return new MockResponse().setResponseCode(e.getCode()).setBody(e.toStatusBody());
            } catch (IOException e) {
                return new MockResponse().setResponseCode(400).setBody(String.valueOf(e.getMessage()));
            }
        }
    }
}
