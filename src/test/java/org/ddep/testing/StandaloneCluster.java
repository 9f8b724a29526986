package org.ddep.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on loopback: Spark's Master and {@code n} Worker JVMs (one core,
 * {@value #WORKER_MEMORY} each), started from a {@link SparkDistribution}. Executors are the JVMs
 * the workers launch for an application; {@link #executors()} finds them so a test can kill one.
 */
public final class StandaloneCluster implements AutoCloseable {
    public static final String WORKER_MEMORY = "1800m";
    /** Executor heap: the worker's memory minus room for ND4J's capped off-heap arrays is not checked by Spark. */
    public static final String EXECUTOR_MEMORY = "1g";
    private final SparkDistribution spark;
    private final Path dir;
    private final int port;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    private StandaloneCluster(SparkDistribution spark, Path dir, int port, Process master) {
        this.spark = spark;
        this.dir = dir;
        this.port = port;
        this.master = master;
    }

    public static StandaloneCluster start(Path dir, int workers) throws Exception {
        return start(dir, workers, 1);
    }

    public static StandaloneCluster start(Path dir, int workers, int coresPerWorker) throws Exception {
        SparkDistribution spark = SparkDistribution.create(dir);
        int port = freePort();
        Process master = spark.java(List.of("-Xmx256m"), "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())))
                .redirectOutput(dir.resolve("master.log").toFile()).start();
        StandaloneCluster c = new StandaloneCluster(spark, dir, port, master);
        try {
            c.awaitLog("master.log", "I have been elected leader", 1);
            for (int i = 0; i < workers; i++) {
                c.addWorker(coresPerWorker);
            }
            c.awaitLog("master.log", "Registering worker", workers);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void addWorker(int cores) throws IOException {
        int i = workers.size() + 1;
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        workers.add(spark.java(List.of("-Xmx256m"), "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--cores", String.valueOf(cores), "--memory", WORKER_MEMORY,
                                "--work-dir", work.toString(), "--webui-port", String.valueOf(freePort()), masterUrl()))
                .redirectOutput(dir.resolve("worker-" + i + ".log").toFile()).start());
    }

    public String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    public SparkDistribution spark() {
        return spark;
    }

    /** Where applications' event logs go ({@link #conf()} turns them on). */
    public Path eventLogs() throws IOException {
        return Files.createDirectories(dir.resolve("event-logs"));
    }

    /** Settings of an application on this cluster: one executor per worker, Kryo as deploy/ sets it, event logs on. */
    public Map<String, String> conf() throws IOException {
        return conf(1);
    }

    /** The same with {@code cores} per executor, and as many ND4J threads. */
    public Map<String, String> conf(int cores) throws IOException {
        return Map.of("spark.executor.memory", EXECUTOR_MEMORY, "spark.executor.cores", String.valueOf(cores),
                "spark.executorEnv.OMP_NUM_THREADS", String.valueOf(cores),
                "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
                "spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator,org.ddep.stage.DdepKryoRegistrator",
                "spark.eventLog.enabled", "true", "spark.eventLog.dir", eventLogs().toUri().toString());
    }

    /** The executor JVMs the workers run now. */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> out = new ArrayList<>();
        for (Process w : workers) {
            w.descendants().filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(out::add);
        }
        return out;
    }

    private void awaitLog(String log, String text, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Path f = dir.resolve(log);
        while (System.nanoTime() < deadline) {
            String s = Files.exists(f) ? Files.readString(f) : "";
            if (s.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= times) {
                return;
            }
            if (!master.isAlive()) {
                throw new IllegalStateException("Spark master exited: " + s);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no '" + text + "' x" + times + " in " + f + " within 90 s: " + Files.readString(f));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }


    @Override
    public void close() {
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroyForcibly);
            stop(w);
        }
        stop(master);
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
