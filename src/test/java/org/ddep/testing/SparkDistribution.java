package org.ddep.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Spark installation as a cluster has one: {@code SPARK_HOME/jars} holds Spark with its
 * dependencies and nothing of the job (links to the build's jars, the DL4J/ND4J stack left out, so
 * the job's classes and natives come only from the cluster jar). Used to start Spark's own
 * Master, Worker and SparkSubmit classes.
 */
public final class SparkDistribution {
    /** What the cluster jar brings and a Spark distribution does not. */
    private static final Pattern JOB_ONLY = Pattern.compile("/(org/deeplearning4j|org/nd4j|org/bytedeco|org/datavec)/");
    private final Path home;

    private SparkDistribution(Path home) {
        this.home = home;
    }

    public static SparkDistribution create(Path dir) throws IOException {
        Path classpath = build().resolve("classpath.txt");
        if (!Files.exists(classpath)) {
            throw new IllegalStateException("no " + classpath + ": run through Maven after package (mvn verify)");
        }
        Path jars = Files.createDirectories(dir.resolve("spark-home").resolve("jars"));
        for (String entry : Files.readString(classpath).trim().split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (entry.endsWith(".jar") && !JOB_ONLY.matcher(entry.replace('\\', '/')).find()) {
                Path link = jars.resolve(jar.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, jar);
                }
            }
        }
        return new SparkDistribution(dir.resolve("spark-home"));
    }

    public static Path build() {
        return Path.of(System.getProperty("ddep.build", "target"));
    }

    /** The shaded job jar that {@code mvn package} built. */
    public static Path clusterJar() {
        Path jar = Path.of(System.getProperty("ddep.cluster-jar", "target/ddep-cluster.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no cluster jar " + jar + ": these tests run after package (mvn verify)");
        }
        return jar;
    }

    public Path home() {
        return home;
    }

    /** Writes {@code SPARK_HOME/conf/spark-defaults.conf}, where spark-submit reads settings kept off the command line. */
    public void defaults(Map<String, String> settings) throws IOException {
        StringBuilder b = new StringBuilder();
        settings.forEach((k, v) -> b.append(k).append(' ').append(v).append('\n'));
        Files.writeString(Files.createDirectories(home.resolve("conf")).resolve("spark-defaults.conf"), b);
    }

    /** The environment Spark's scripts would set: where Spark is, loopback only. */
    public Map<String, String> environment() {
        return Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_SCALA_VERSION", "2.12");
    }

    /** {@code java -cp SPARK_HOME/jars/* mainClass args}, as {@code bin/spark-class} runs it. */
    public ProcessBuilder java(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(home.resolve("jars") + "/*");
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment());
        return pb;
    }

    /** The JVM flags every Spark JVM of the job needs on Java 17 (conf/jvm-options, one place). */
    public static String jvmOptionsFile() {
        return "@" + Path.of(System.getProperty("ddep.sources", "."), "conf", "jvm-options");
    }

    public static String jvmOptionsLine() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(Path.of(System.getProperty("ddep.sources", "."), "conf", "jvm-options"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                b.append(b.length() == 0 ? "" : " ").append(line.trim());
            }
        }
        return b.toString();
    }

    /**
     * {@code spark-submit --master MASTER --class org.ddep.cli.Main [--conf k=v ...] CLUSTER_JAR ARGS}
     * through Spark's own SparkSubmit class; the driver runs in this process (client mode).
     */
    public ProcessBuilder submit(String master, Map<String, String> conf, List<String> cliArgs) throws IOException {
        String jvm = jvmOptionsLine();
        List<String> args = new ArrayList<>(List.of("--master", master, "--class", "org.ddep.cli.Main",
                "--conf", "spark.driver.extraJavaOptions=" + jvm,
                // ND4J's off-heap arrays count against the executor's memory overhead: cap them.
                "--conf", "spark.executor.extraJavaOptions=" + jvm
                        + " -Dorg.bytedeco.javacpp.maxbytes=1G -Dorg.bytedeco.javacpp.maxphysicalbytes=2500M",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false"));
        conf.forEach((k, v) -> {
            args.add("--conf");
            args.add(k + "=" + v);
        });
        // local: every node has the jar at this path (as in the executor image), so none copies 500 MB per app.
        args.add("local:" + clusterJar().toAbsolutePath());
        args.addAll(cliArgs);
        return java(List.of("-Xmx1g", jvmOptionsFile(), "-Dorg.bytedeco.javacpp.maxbytes=1G"),
                "org.apache.spark.deploy.SparkSubmit", args);
    }

    /** Adds the jars of this test's classpath whose file name starts with {@code prefix} (e.g. Spark's YARN client). */
    public void addTestJars(String prefix) throws IOException {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (entry.endsWith(".jar") && jar.getFileName().toString().startsWith(prefix)) {
                Path link = home.resolve("jars").resolve(jar.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, jar);
                }
            }
        }
    }

    /**
     * {@code SPARK_HOME/bin/spark-submit} as Spark's own script runs it: SparkSubmit on
     * {@code SPARK_HOME/conf}, {@code HADOOP_CONF_DIR} and {@code SPARK_HOME/jars}, so that wrappers
     * calling {@code $SPARK_HOME/bin/spark-submit} (deploy/) run for real.
     */
    public void installSubmitScript() throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
        Files.writeString(bin, "#!/usr/bin/env bash\n"
                + "exec \"${JAVA_HOME:?}/bin/java\" -Xmx1g -cp \"$SPARK_HOME/conf:${HADOOP_CONF_DIR:+$HADOOP_CONF_DIR:}"
                + "$SPARK_HOME/jars/*\" org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        if (!bin.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + bin + " executable");
        }
    }
}
