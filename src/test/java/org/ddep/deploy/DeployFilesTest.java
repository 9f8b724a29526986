package org.ddep.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.cli.Main;
import org.ddep.config.DdepConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/: the spark-submit wrappers (run for real with --dry-run), the executor image's versions
 * and paths against the build, and the Airflow DAG (run by python3 with stand-ins for Airflow's
 * classes) against the CLI's stages.
 */
class DeployFilesTest {
    private static final Path ROOT = Path.of(System.getProperty("ddep.sources", ".")).toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static List<String> jvmOptions;

    @BeforeAll
    static void readJvmOptions() throws IOException {
        jvmOptions = Files.readAllLines(ROOT.resolve("conf/jvm-options")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).map(String::trim).toList();
    }

    record Result(int exit, String out) {
    }

    private static Result run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return new Result(p.exitValue(), out);
    }

    private static List<String> words(String command) throws Exception {
        Path f = Files.createTempFile("cmd", ".txt");
        try {
            Files.writeString(f, command);
            Result r = run(Map.of(), "bash", "-c", "eval \"set -- $(cat '" + f + "')\"; printf '%s\\0' \"$@\"");
            assertEquals(0, r.exit(), r.out());
            return List.of(r.out().split("\0"));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static Map<String, String> confsOf(List<String> words) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("--conf")) {
                String kv = words.get(i + 1);
                m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return m;
    }

    private static void assertJvmOptions(String line, boolean gpu) {
        for (String o : jvmOptions) {
            boolean cpuOnly = o.contains("platform.extension=-onednn");
            assertEquals(!(gpu && cpuOnly), line.contains(o), (gpu ? "GPU" : "CPU") + " executors and option " + o + ": " + line);
        }
    }

    @Test
    void yarnWrapperSubmitsOneExecutorPerGpuWithTheJobsJvmFlagsAndOffHeapRoom(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("exp.conf"), "ddep {}\n");
        Path jar = Files.writeString(dir.resolve("ddep-cluster.jar"), "");
        Result r = run(Map.of(), "deploy/yarn/submit.sh", "pretrain-decoder", "--config", conf.toString(),
                "--run-dir", "s3a://b/runs/e1", "--executors", "8", "--offheap", "16", "--executor-memory", "8g",
                "--jar", jar.toString(), "--dry-run", "--", "--set", "train.workers=8");
        assertEquals(0, r.exit(), r.out());
        List<String> w = words(r.out());
        assertTrue(w.get(0).endsWith("spark-submit"), w.toString());
        assertEquals("yarn", w.get(w.indexOf("--master") + 1));
        assertEquals("cluster", w.get(w.indexOf("--deploy-mode") + 1));
        assertEquals("org.ddep.cli.Main", w.get(w.indexOf("--class") + 1));
        assertTrue(w.get(w.indexOf("--files") + 1).contains("deploy/gpu/getGpusResources.sh"));
        Map<String, String> c = confsOf(w);
        assertEquals("1", c.get("spark.executor.resource.gpu.amount"));
        assertEquals("1", c.get("spark.task.resource.gpu.amount"));
        assertEquals("./getGpusResources.sh", c.get("spark.executor.resource.gpu.discoveryScript"));
        assertEquals("8", c.get("spark.executor.instances"));
        assertEquals("18g", c.get("spark.executor.memoryOverhead"), "off-heap cap + 2g");
        assertTrue(c.get("spark.executor.extraJavaOptions").contains("-Dorg.bytedeco.javacpp.maxbytes=16G"));
        assertTrue(c.get("spark.executor.extraJavaOptions").contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=25G"));
        assertTrue(c.get("spark.executor.extraJavaOptions").contains("-XX:+UseTransparentHugePages"), "heap in huge pages");
        assertFalse(c.get("spark.driver.extraJavaOptions").contains("UseTransparentHugePages"), "a driver may not run Linux");
        assertEquals("org.apache.spark.serializer.KryoSerializer", c.get("spark.serializer"));
        assertEquals("org.nd4j.kryo.Nd4jRegistrator,org.ddep.stage.DdepKryoRegistrator", c.get("spark.kryo.registrator"));
        assertJvmOptions(c.get("spark.executor.extraJavaOptions"), true);
        assertJvmOptions(c.get("spark.driver.extraJavaOptions"), true);
        // The application and its arguments, which the CLI must accept.
        List<String> app = w.subList(w.indexOf(jar.toString()) + 1, w.size());
        assertEquals(List.of("pretrain-decoder", "--config", "exp.conf", "--run-dir", "s3a://b/runs/e1", "--set",
                "train.workers=8"), app);
        Main.commandLine().parseArgs(app.toArray(String[]::new));

        Result cpu = run(Map.of(), "deploy/yarn/submit.sh", "finetune", "--config", conf.toString(), "--run-dir", "s3a://b/r",
                "--jar", jar.toString(), "--cpu", "--dry-run");
        Map<String, String> cc = confsOf(words(cpu.out()));
        assertFalse(cc.containsKey("spark.executor.resource.gpu.amount"), cpu.out());
        assertJvmOptions(cc.get("spark.executor.extraJavaOptions"), false);
    }

    @Test
    void kubernetesWrapperTakesS3CredentialsFromSecretsAndRunsTheImagesJar(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("exp.conf"), "ddep {}\n");
        String secret = "do-not-print-this-9a7b";
        Result r = run(Map.of("AWS_SECRET_ACCESS_KEY", secret, "AWS_ACCESS_KEY_ID", "AKIA-not-this-either"),
                "deploy/k8s/submit.sh", "finetune", "--config", conf.toString(), "--run-dir", "s3a://b/runs/e1",
                "--master", "k8s://https://api.example:6443", "--image", "registry/ddep:0.1.0", "--executors", "4",
                "--dry-run", "--", "--label-fraction", "0.1");
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains(secret) || r.out().contains("AKIA-not-this-either"), "credentials on the command line");
        String[] lines = r.out().split("\n");
        // the config file travels in Spark's own driver config map, from a copy of SPARK_CONF_DIR
        assertTrue(lines[0].startsWith("# SPARK_CONF_DIR:") && lines[0].contains(conf + " as ddep.conf"), lines[0]);
        List<String> w = words(lines[1]);
        Map<String, String> c = confsOf(w);
        assertEquals("ddep-s3:secret-key", c.get("spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY"));
        assertEquals("ddep-s3:secret-key", c.get("spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY"));
        assertEquals("ddep-s3:access-key", c.get("spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID"));
        assertEquals("nvidia.com", c.get("spark.executor.resource.gpu.vendor"));
        assertEquals("1", c.get("spark.executor.resource.gpu.amount"));
        assertEquals("ddep-spark", c.get("spark.kubernetes.authenticate.driver.serviceAccountName"));
        assertTrue(c.keySet().stream().noneMatch(k -> k.contains("secret.key") || k.contains("access.key")), c.toString());
        String executorTemplate = Files.readString(Path.of(c.get("spark.kubernetes.executor.podTemplateFile")));
        assertTrue(executorTemplate.contains("nvidia.com/gpu: 1"), executorTemplate);
        String driverTemplate = Files.readString(Path.of(c.get("spark.kubernetes.driver.podTemplateFile")));
        assertTrue(driverTemplate.contains("name: spark-kubernetes-driver"), driverTemplate);
        // Jar and discovery script are where the image puts them.
        String dockerfile = Files.readString(ROOT.resolve("deploy/docker/Dockerfile"));
        String jar = w.stream().filter(s -> s.startsWith("local://")).findFirst().orElseThrow();
        assertTrue(dockerfile.contains(" " + jar.substring("local://".length()) + "\n"), "image has no " + jar);
        assertTrue(dockerfile.contains(" " + c.get("spark.executor.resource.gpu.discoveryScript") + "\n"));
        List<String> app = w.subList(w.indexOf(jar) + 1, w.size());
        assertEquals(List.of("finetune", "--config", "/opt/spark/conf/ddep.conf", "--run-dir", "s3a://b/runs/e1",
                "--label-fraction", "0.1"), app);
        Main.commandLine().parseArgs(app.toArray(String[]::new));
    }

    @Test
    void wrappersRefuseAnUnknownStageOrAMissingConfigNamingIt(@TempDir Path dir) throws Exception {
        Result stage = run(Map.of(), "deploy/yarn/submit.sh", "pretrain-everything", "--config", "x.conf", "--run-dir", "s3a://b/r");
        assertEquals(2, stage.exit());
        assertTrue(stage.out().contains("unknown stage 'pretrain-everything'"), stage.out());
        Result missing = run(Map.of(), "deploy/k8s/submit.sh", "report", "--config", dir.resolve("none.conf").toString(),
                "--run-dir", "s3a://b/r", "--master", "k8s://https://a:6443", "--image", "i", "--dry-run");
        assertEquals(2, missing.exit());
        assertTrue(missing.out().contains(dir.resolve("none.conf") + ": no such file"), missing.out());
        // The wrappers' stage list is the CLI's.
        String common = Files.readString(ROOT.resolve("deploy/common.sh"));
        Matcher m = Pattern.compile("DDEP_STAGES=\"([^\"]+)\"").matcher(common);
        assertTrue(m.find());
        List<String> expected = new ArrayList<>(List.of("run"));
        expected.addAll(DdepConfig.STAGES);
        assertEquals(expected, List.of(m.group(1).split(" ")));
    }

    @Test
    void executorImageMatchesTheBuild() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        Map<String, String> props = new LinkedHashMap<>();
        NodeList all = pom.getElementsByTagName("properties");
        for (int i = 0; i < all.getLength(); i++) {
            NodeList kids = all.item(i).getChildNodes();
            for (int k = 0; k < kids.getLength(); k++) {
                if (kids.item(k) instanceof Element e) {
                    props.put(e.getTagName(), e.getTextContent().trim());
                }
            }
        }
        String version = ((Element) pom.getDocumentElement().getElementsByTagName("version").item(0)).getTextContent().trim();
        String artifact = ((Element) pom.getDocumentElement().getElementsByTagName("artifactId").item(0)).getTextContent().trim();
        String d = Files.readString(ROOT.resolve("deploy/docker/Dockerfile"));
        assertEquals(props.get("spark.version"), arg(d, "SPARK_VERSION"));
        assertEquals(props.get("cuda.version"), arg(d, "CUDA_VERSION"));
        assertEquals(props.get("cudnn.version"), arg(d, "CUDNN_VERSION"));
        assertEquals(version, arg(d, "DDEP_VERSION"));
        assertEquals("17", props.get("maven.compiler.release"));
        assertTrue(d.contains("FROM nvidia/cuda:" + props.get("cuda.version") + "."), "CUDA base image");
        assertTrue(d.contains("openjdk-17-jre-headless") && d.contains("eclipse-temurin-17"), "Java 17 to build and run");
        assertTrue(d.contains("mvn -B -Pgpu -DskipTests package"), "the jar must be the gpu profile's");
        assertTrue(d.contains("/src/target/" + artifact + "-${DDEP_VERSION}-cluster.jar"), "the shade plugin's jar name");
        assertTrue(d.contains("hadoop3.tgz") && "3.3.4".equals(props.get("hadoop.version")), "Spark's Hadoop 3.3.4 matches hadoop-aws");
        assertTrue(d.contains("libcudnn8=${CUDNN_VERSION}."), "cuDNN pinned to the version ND4J was built with");
        // Every COPY source from the build context exists in the repository.
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(d);
        int copies = 0;
        while (copy.find()) {
            assertTrue(Files.exists(ROOT.resolve(copy.group(1))), "COPY " + copy.group(1) + ": no such path");
            copies++;
        }
        assertTrue(copies >= 6);
    }

    @Test
    void airflowDagRunsEveryStageOnceAndFinetunesAndEvaluatesPerLabelFraction() throws Exception {
        Result r = run(Map.of("AIRFLOW_VAR_DDEP_LABEL_FRACTIONS", "0.01,0.1"), "python3",
                ROOT.resolve("src/test/resources/org/ddep/deploy/inspect_dag.py").toString(),
                ROOT.resolve("deploy/airflow/ddep_dag.py").toString());
        assertEquals(0, r.exit(), r.out());
        Map<?, ?> dag = JSON.readValue(r.out(), Map.class);
        List<Map<String, Object>> tasks = castList(dag.get("tasks"));
        Map<String, String> stageOf = new LinkedHashMap<>();
        Map<String, String> fractionOf = new LinkedHashMap<>();
        for (Map<String, Object> t : tasks) {
            List<String> args = castList(t.get("application_args"));
            assertEquals("org.ddep.cli.Main", t.get("java_class"));
            Main.commandLine().parseArgs(args.toArray(String[]::new));
            stageOf.put((String) t.get("task_id"), args.get(0));
            int f = args.indexOf("--label-fraction");
            if (f >= 0) {
                fractionOf.put((String) t.get("task_id"), args.get(f + 1));
            }
            Map<?, ?> conf = (Map<?, ?>) t.get("conf");
            assertEquals("1", conf.get("spark.executor.resource.gpu.amount"));
            assertEquals("org.nd4j.kryo.Nd4jRegistrator,org.ddep.stage.DdepKryoRegistrator", conf.get("spark.kryo.registrator"));
            assertJvmOptions((String) conf.get("spark.executor.extraJavaOptions"), true);
            assertTrue(((String) conf.get("spark.executor.extraJavaOptions")).contains("-XX:+UseTransparentHugePages"));
        }
        assertEquals(Set.copyOf(DdepConfig.STAGES), Set.copyOf(stageOf.values()), "stages of the DAG vs the CLI");
        for (String perFraction : List.of(DdepConfig.FINETUNE, DdepConfig.EVALUATE)) {
            assertEquals(Set.of("0.01", "0.1"), stageOf.entrySet().stream().filter(e -> e.getValue().equals(perFraction))
                    .map(e -> fractionOf.get(e.getKey())).collect(java.util.stream.Collectors.toSet()), perFraction);
        }
        assertEquals(1 + 1 + 1 + 2 + 2 + 1, tasks.size());
        // Dependencies: each task waits for the stage before it (finetune f before evaluate f), and for nothing later.
        List<List<String>> edges = castList(dag.get("edges"));
        Set<String> reached = new HashSet<>();
        for (List<String> e : edges) {
            String up = stageOf.get(e.get(0));
            String down = stageOf.get(e.get(1));
            assertEquals(DdepConfig.STAGES.indexOf(up) + 1, DdepConfig.STAGES.indexOf(down), "edge " + e);
            if (fractionOf.containsKey(e.get(0)) && fractionOf.containsKey(e.get(1))) {
                assertEquals(fractionOf.get(e.get(0)), fractionOf.get(e.get(1)), "edge across fractions " + e);
            }
            reached.add(e.get(1));
        }
        Set<String> notPrep = new HashSet<>(stageOf.keySet());
        notPrep.remove("prep");
        assertEquals(notPrep, reached, "every task but prep has an upstream task");
        assertNotEquals(0, edges.size());
    }

    @Test
    void gpuDiscoveryScriptListsTheGpusNvidiaSmiReports(@TempDir Path dir) throws Exception {
        // nvidia-smi's documented output for --query-gpu=index --format=csv,noheader: one index per line.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = Files.writeString(bin.resolve("nvidia-smi"), "#!/bin/sh\nprintf '0\\n1\\n'\n");
        smi.toFile().setExecutable(true);
        Result r = run(Map.of("PATH", bin + ":" + System.getenv("PATH")), "deploy/gpu/getGpusResources.sh");
        assertEquals(0, r.exit(), r.out());
        assertEquals(Map.of("name", "gpu", "addresses", List.of("0", "1")), JSON.readValue(r.out(), Map.class));
        Result none = run(Map.of("PATH", "/usr/bin:/bin"), "deploy/gpu/getGpusResources.sh");
        assertEquals(1, none.exit());
        assertTrue(none.out().contains("nvidia-smi not found"), none.out());
    }

    @Test
    void gpuSmokeDryRunBuildsWithTheGpuProfileAndChecksForCudaBeforeTheDemo(@TempDir Path dir) throws Exception {
        Result r = run(Map.of(), "deploy/gpu/smoke.sh", "--dry-run", "--run-dir", dir.resolve("smoke").toString(),
                "--", "--set", "finetune.epochs=2");
        assertEquals(0, r.exit(), r.out());
        List<String> lines = r.out().lines().toList();
        List<String> build = words(lines.get(lines.indexOf("# build") + 1));
        assertEquals("mvn", build.get(0));
        assertTrue(build.contains("-Pgpu") && build.contains("compile"), build.toString());
        List<String> backend = words(lines.get(lines.indexOf("# backend check") + 1));
        assertEquals(List.of(Main.class.getName(), "backend", "--expect", "cuda"), backend.subList(backend.size() - 4, backend.size()));
        List<String> demo = words(lines.get(lines.indexOf("# demo") + 1));
        int main = demo.indexOf(Main.class.getName());
        assertEquals(List.of("demo", "--run-dir", dir.resolve("smoke").toString(), "--set", "finetune.epochs=2"),
                demo.subList(main + 1, demo.size()));
        for (List<String> java : List.of(backend, demo)) {
            // the CUDA build of libnd4j, never the oneDNN CPU build; every other flag of conf/jvm-options
            assertFalse(java.stream().anyMatch(w -> w.contains("onednn")), java.toString());
            jvmOptions.stream().filter(o -> !o.contains("onednn")).forEach(o -> assertTrue(java.contains(o), o));
        }
        // the CPU figures it compares with are found in docs/benchmarks.md
        String ref = lines.get(lines.size() - 1);
        assertTrue(ref.startsWith("# CPU reference (docs/benchmarks.md)"), ref);
        assertFalse(ref.contains("n/a"), ref);
        assertTrue(ref.matches(".*decoder pretraining [0-9.]+ examples/s, DDeP mIoU at 10% 0\\.[0-9]+"), ref);
    }

    @Test
    void gpuSmokeRefusesUnknownOptionsAndOptionsWithoutValues() throws Exception {
        Result unknown = run(Map.of(), "deploy/gpu/smoke.sh", "--gpus", "2");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.out().contains("unknown option '--gpus'") && unknown.out().contains("usage:"), unknown.out());
        Result missing = run(Map.of(), "deploy/gpu/smoke.sh", "--run-dir");
        assertEquals(2, missing.exit());
        assertTrue(missing.out().contains("--run-dir needs a value"), missing.out());
    }

    @Test
    void gpuSmokeStopsBeforeTheDemoWhenNd4jLoadsTheCpuBackend(@TempDir Path dir) throws Exception {
        // This machine has no GPU and the test classpath has ND4J's CPU build: the check must fail, clearly.
        Path classpath = Files.writeString(dir.resolve("classpath.txt"), System.getProperty("java.class.path"));
        Path smoke = dir.resolve("smoke");
        Result r = run(Map.of("PATH", "/usr/bin:/bin:" + Path.of(System.getProperty("java.home"), "bin")),
                "deploy/gpu/smoke.sh", "--skip-build", "--classpath", classpath.toString(), "--run-dir", smoke.toString());
        assertEquals(3, r.exit(), r.out());
        assertTrue(r.out().contains("nd4j backend: CPU"), r.out());
        assertTrue(r.out().contains("ND4J's backend is CPU, not CUDA"), r.out());
        assertTrue(r.out().contains("nvidia-smi") && r.out().contains("CUDA 11.6"), r.out());
        assertTrue(r.out().contains("FAILED: ND4J did not load its CUDA backend"), r.out());
        assertFalse(Files.exists(smoke), "the demo ran without CUDA");
    }

    @Test
    void gpuSmokeReportPutsTheRunsFiguresNextToTheCpuOnes(@TempDir Path dir) throws Exception {
        Path metrics = Files.createDirectories(dir.resolve("pretrain-decoder")).resolve("metrics.jsonl");
        // metrics.jsonl as SparkTrainer writes it; epoch 1 (warm-up) is left out of the mean
        Files.writeString(metrics, String.join("\n",
                "{\"stage\":\"pretrain-decoder\",\"epoch\":1,\"round\":1,\"loss\":1.9,\"examples_per_s\":5.0,\"round_s\":0.6}",
                "{\"stage\":\"pretrain-decoder\",\"epoch\":2,\"round\":1,\"loss\":1.8,\"examples_per_s\":100.0,\"round_s\":0.6}",
                "{\"stage\":\"pretrain-decoder\",\"epoch\":10,\"round\":2,\"loss\":1.7,\"examples_per_s\":1.5E2,\"round_s\":0.6}") + "\n");
        Files.writeString(Files.createDirectories(dir.resolve("evaluate/ddep-f0.1")).resolve("metrics.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("variant", "ddep", "miou", 0.4321)));
        Result r = run(Map.of(), "deploy/gpu/smoke.sh", "--report", dir.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().matches("(?s).*decoder pretraining, examples/s +125\\.0 +[0-9.]+\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*DDeP mIoU at 10% of the labels +0\\.4321 +0\\.[0-9]+\n.*"), r.out());
    }

    private static String arg(String dockerfile, String name) {
        Matcher m = Pattern.compile("(?m)^ARG " + name + "=(\\S+)$").matcher(dockerfile);
        assertTrue(m.find(), "no ARG " + name);
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> castList(Object o) {
        return (List<T>) o;
    }
}
