package org.ddep.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesConf;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import org.ddep.testing.MockKubernetes;
import org.ddep.testing.Processes;
import org.ddep.testing.SparkDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import scala.Option;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/k8s/submit.sh for real, as far as an API server takes it: Spark's own Kubernetes submission
 * client (spark-submit {@code --deploy-mode cluster}) against fabric8's mock API server on loopback,
 * with {@code spark.kubernetes.submission.waitAppCompletion=false}. What Spark created is read back
 * from the API: the driver pod, its config maps (Spark's settings with the ddep config file, and the
 * executor pod template), and the driver's service. The mock starts no pod, so no driver and no
 * executor runs: what executors would get is read from the template and the settings the driver
 * would start them with.
 */
class KubernetesSubmitIT {
    private static final String NAMESPACE = "ddep-it";
    private static final String IMAGE = "registry.example/ddep:it";
    /** Not the wrapper's default (nor driver-pod.yaml's): --service-account must win. */
    private static final String SERVICE_ACCOUNT = "ddep-it-runner";
    private static final String ACCESS_KEY = "AKIA-mock-access-7f3e";
    private static final String SECRET_KEY = "mock-secret-never-in-a-pod-51c9";

    @Test
    void submittedRunHasADriverPodWithTheConfigAndSecretReferencesAndAGpuExecutorTemplate(@TempDir Path dir)
            throws Exception {
        Path sources = Path.of(System.getProperty("ddep.sources", ".")).toAbsolutePath();
        Path conf = Files.copy(sources.resolve("conf").resolve("demo.conf"), dir.resolve("exp.conf"));
        try (MockKubernetes api = MockKubernetes.start(); KubernetesClient k8s = api.client()) {
            // What a user does once per namespace (deploy/k8s/submit.sh), here through the API.
            k8s.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder()
                    .withNewMetadata().withName(SERVICE_ACCOUNT).endMetadata().build()).create();
            k8s.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName("ddep-s3")
                    .endMetadata().addToStringData("access-key", ACCESS_KEY).addToStringData("secret-key", SECRET_KEY)
                    .build()).create();

            SparkDistribution spark = SparkDistribution.create(dir);
            for (String prefix : List.of("spark-kubernetes_", "kubernetes-client", "kubernetes-model-",
                    "kubernetes-httpclient-", "zjsonpatch-", "okhttp-", "okio-", "logging-interceptor-",
                    "jackson-dataformat-yaml-", "snakeyaml")) {
                spark.addTestJars(prefix);
            }
            spark.installSubmitScript();
            // Settings a user keeps in spark-defaults.conf: they must survive the wrapper's SPARK_CONF_DIR.
            spark.defaults(Map.of("spark.kubernetes.submission.waitAppCompletion", "false",
                    // the mock's self-signed certificate; a real cluster gets caCertFile and a token instead
                    "spark.kubernetes.trust.certificates", "true"));

            List<String> cmd = List.of("deploy/k8s/submit.sh", "run", "--config", conf.toString(),
                    "--run-dir", "s3a://ddep-it/runs/exp1", "--master", api.master(), "--image", IMAGE,
                    "--namespace", NAMESPACE, "--service-account", SERVICE_ACCOUNT, "--executors", "3", "--executor-memory", "2g", "--offheap", "5",
                    "--driver-memory", "1g", "--", "--set", "train.workers=3");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(sources.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("submit.log").toFile());
            pb.environment().putAll(spark.environment());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            // Credentials in the submitter's environment must not travel either.
            pb.environment().put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
            pb.environment().put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
            // This API server only: no kubeconfig or in-cluster service account of the machine.
            pb.environment().put("KUBECONFIG", dir.resolve("no-kubeconfig").toString());
            pb.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            pb.environment().put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            pb.environment().put("NO_PROXY", "127.0.0.1,localhost");
            Process submit = pb.start();
            assertTrue(Processes.finishes(submit, 3), "spark-submit did not return: " + log(dir));
            assertEquals(0, submit.exitValue(), log(dir));

            // The driver pod, from Spark's settings and deploy/k8s/driver-pod.yaml.
            List<Pod> pods = k8s.pods().inNamespace(NAMESPACE).list().getItems();
            assertEquals(1, pods.size(), "pods: " + pods + "\n" + log(dir));
            Pod driver = pods.get(0);
            assertEquals("driver", driver.getMetadata().getLabels().get("spark-role"));
            assertEquals("ddep", driver.getMetadata().getLabels().get("app"), "driver-pod.yaml's labels");
            assertEquals(SERVICE_ACCOUNT, driver.getSpec().getServiceAccountName());
            Container container = driver.getSpec().getContainers().get(0);
            assertEquals(IMAGE, container.getImage());
            List<String> args = container.getArgs();
            assertTrue(args.contains("org.ddep.cli.Main") && args.contains("local:///opt/ddep/ddep-cluster.jar"), args.toString());
            List<String> app = args.subList(args.indexOf("local:///opt/ddep/ddep-cluster.jar") + 1, args.size());
            assertEquals(List.of("run", "--config", "/opt/spark/conf/ddep.conf", "--run-dir", "s3a://ddep-it/runs/exp1",
                    "--set", "train.workers=3"), app);

            // s3a credentials: references to the secret, never values.
            for (String[] ref : List.of(new String[] {"AWS_ACCESS_KEY_ID", "access-key"},
                    new String[] {"AWS_SECRET_ACCESS_KEY", "secret-key"})) {
                EnvVar env = container.getEnv().stream().filter(e -> e.getName().equals(ref[0])).findFirst()
                        .orElseThrow(() -> new AssertionError("driver has no " + ref[0] + ": " + container.getEnv()));
                assertNull(env.getValue(), ref[0] + " has a literal value");
                assertEquals("ddep-s3", env.getValueFrom().getSecretKeyRef().getName());
                assertEquals(ref[1], env.getValueFrom().getSecretKeyRef().getKey());
            }

            // The run config: in the config map that Spark mounts at /opt/spark/conf, byte for byte.
            assertEquals(Files.readString(conf), mountedFile(k8s, driver, container, "/opt/spark/conf/ddep.conf"));
            Properties settings = new Properties();
            settings.load(new StringReader(mountedFile(k8s, driver, container, "/opt/spark/conf/spark.properties")));
            assertEquals("false", settings.getProperty("spark.kubernetes.submission.waitAppCompletion"),
                    "spark-defaults.conf was lost on the way");

            // The executor pod template, as Spark stored it for the driver (mounted at /opt/spark/pod-template).
            String templateFile = settings.getProperty("spark.kubernetes.executor.podTemplateFile");
            assertNotNull(templateFile, "no executor pod template in the driver's settings");
            Pod template = Serialization.unmarshal(mountedFile(k8s, driver, container, templateFile), Pod.class);
            Container executor = template.getSpec().getContainers().get(0);
            assertEquals(new Quantity("1"), executor.getResources().getLimits().get("nvidia.com/gpu"));
            Toleration gpuTaint = template.getSpec().getTolerations().stream()
                    .filter(t -> "nvidia.com/gpu".equals(t.getKey())).findFirst()
                    .orElseThrow(() -> new AssertionError("no GPU toleration: " + template.getSpec().getTolerations()));
            assertEquals("Exists", gpuTaint.getOperator());
            assertEquals("NoSchedule", gpuTaint.getEffect());

            // The executor pod itself, as the driver would ask for it: Spark's own executor builder on the
            // driver's settings and template read back above. One GPU, the GPU toleration, a container
            // of heap + ND4J's off-heap cap + 2g, and the s3a secret as references.
            Path templateCopy = Files.writeString(dir.resolve("pod-spec-template.yml"),
                    mountedFile(k8s, driver, container, templateFile));
            SparkPod executorSpark = executorPod(k8s, driver, settings, templateCopy);
            Pod executorPod = executorSpark.pod();
            Container executorContainer = executorSpark.container();
            Map<String, Quantity> limits = executorContainer.getResources().getLimits();
            assertEquals(new Quantity("1"), limits.get("nvidia.com/gpu"), limits.toString());
            assertEquals(Quantity.getAmountInBytes(new Quantity("9Gi")), Quantity.getAmountInBytes(limits.get("memory")),
                    "2g heap + 5g off-heap + 2g");
            assertEquals(IMAGE, executorContainer.getImage());
            assertTrue(executorPod.getSpec().getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())),
                    executorPod.getSpec().getTolerations().toString());
            assertTrue(executorContainer.getEnv().stream().anyMatch(e -> "-Dorg.bytedeco.javacpp.maxbytes=5G".equals(e.getValue())),
                    "executor JVM options: " + executorContainer.getEnv());
            EnvVar executorSecret = executorContainer.getEnv().stream()
                    .filter(e -> e.getName().equals("AWS_SECRET_ACCESS_KEY")).findFirst().orElseThrow();
            assertNull(executorSecret.getValue());
            assertEquals("ddep-s3", executorSecret.getValueFrom().getSecretKeyRef().getName());
            assertEquals(driver.getMetadata().getUid(), executorPod.getMetadata().getOwnerReferences().get(0).getUid());

            // What the driver starts executors with: one GPU each, ND4J's off-heap cap inside the overhead.
            assertEquals("3", settings.getProperty("spark.executor.instances"));
            assertEquals("2g", settings.getProperty("spark.executor.memory"));
            assertEquals("7g", settings.getProperty("spark.executor.memoryOverhead"), "off-heap 5g + 2g");
            String executorJvm = settings.getProperty("spark.executor.extraJavaOptions");
            assertTrue(executorJvm.contains("-Dorg.bytedeco.javacpp.maxbytes=5G")
                    && executorJvm.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=8G"), executorJvm);
            assertEquals("1", settings.getProperty("spark.executor.resource.gpu.amount"));
            assertEquals("nvidia.com", settings.getProperty("spark.executor.resource.gpu.vendor"));
            assertEquals("ddep-s3:secret-key", settings.getProperty("spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY"));

            // The driver's service, which executors connect to.
            List<Service> services = k8s.services().inNamespace(NAMESPACE).list().getItems();
            assertEquals(1, services.size(), services.toString());
            Service service = services.get(0);
            assertEquals("None", service.getSpec().getClusterIP(), "headless");
            service.getSpec().getSelector().forEach((k, v) -> assertEquals(v, driver.getMetadata().getLabels().get(k),
                    "service selects the driver by " + k));
            assertTrue(service.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals("driver-rpc-port")),
                    service.getSpec().getPorts().toString());
            assertTrue(settings.getProperty("spark.driver.host").startsWith(service.getMetadata().getName() + "."),
                    settings.getProperty("spark.driver.host"));
            assertEquals(driver.getMetadata().getUid(), service.getMetadata().getOwnerReferences().get(0).getUid(),
                    "the service goes with the driver pod");

            // No credential value anywhere Spark wrote, nor in what spark-submit printed.
            List<Object> written = new ArrayList<>(pods);
            written.addAll(services);
            written.addAll(k8s.configMaps().inNamespace(NAMESPACE).list().getItems());
            for (Object o : written) {
                String json = Serialization.asJson(o);
                assertFalse(json.contains(ACCESS_KEY) || json.contains(SECRET_KEY), "a credential in " + json);
            }
            assertFalse(log(dir).contains(SECRET_KEY), "a credential in spark-submit's output");
        }
    }

    /**
     * The pod (and its Spark container) that the driver would create for executor 1, built by Spark's {@code KubernetesExecutorBuilder}
     * (what {@code ExecutorPodsAllocator} calls) from the driver's settings, with the executor template at
     * {@code template} instead of the path it is mounted at in the driver.
     */
    private static SparkPod executorPod(KubernetesClient k8s, Pod driver, Properties settings, Path template) {
        SparkConf conf = new SparkConf(false);
        settings.stringPropertyNames().forEach(k -> conf.set(k, settings.getProperty(k)));
        conf.set("spark.kubernetes.executor.podTemplateFile", template.toString());
        // the process-wide default profile, as the driver's SparkContext makes it; cleared again for other tests
        ResourceProfile profile = ResourceProfile$.MODULE$.reInitDefaultProfile(conf);
        try {
            KubernetesExecutorConf executor = KubernetesConf.createExecutorConf(conf, "1",
                    settings.getProperty("spark.app.id"), Option.apply(driver), profile.id());
            org.apache.spark.SecurityManager security = new org.apache.spark.SecurityManager(conf, Option.empty(),
                    org.apache.spark.SecurityManager.$lessinit$greater$default$3());
            return new KubernetesExecutorBuilder().buildFromFeatures(executor, security, k8s, profile).pod();
        } finally {
            ResourceProfile$.MODULE$.clearDefaultProfile();
        }
    }

    /**
     * The content of the file at {@code path} in the driver container, as the kubelet would mount it:
     * the volume mounted at its directory is a config map, whose item for the file's name names the key.
     */
    private static String mountedFile(KubernetesClient k8s, Pod driver, Container container, String path) {
        int slash = path.lastIndexOf('/');
        String directory = path.substring(0, slash);
        String name = path.substring(slash + 1);
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(directory))
                .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + directory + ": "
                        + container.getVolumeMounts()));
        Volume volume = driver.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                .findFirst().orElseThrow();
        assertNotNull(volume.getConfigMap(), directory + " is not a config map");
        String key = volume.getConfigMap().getItems().stream().filter(i -> i.getPath().equals(name))
                .map(KeyToPath::getKey).findFirst().orElse(name);
        ConfigMap map = k8s.configMaps().inNamespace(NAMESPACE).withName(volume.getConfigMap().getName()).get();
        assertNotNull(map, "config map " + volume.getConfigMap().getName() + " was not created");
        String content = map.getData().get(key);
        assertNotNull(content, "no " + path + " (key " + key + ") in config map " + map.getMetadata().getName()
                + ": " + map.getData().keySet());
        return content;
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("submit.log"));
        } catch (Exception e) {
            return "";
        }
    }
}
