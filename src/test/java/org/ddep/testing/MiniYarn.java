package org.ddep.testing;

import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hadoop's own MiniYARNCluster (a ResourceManager and one NodeManager on loopback) in a JVM of its
 * own, so that its containers inherit a known environment ({@code JAVA_HOME}) and it ends with the
 * test: {@link #start} launches it, {@code DIR/conf/yarn-site.xml} tells clients where it is, and
 * {@link #close} stops it.
 */
public final class MiniYarn implements AutoCloseable {
    private final Process process;
    private final Path dir;

    private MiniYarn(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** Starts the cluster with its work directories under {@code dir}; returns once the ResourceManager listens. */
    public static MiniYarn start(Path dir) throws Exception {
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", SparkDistribution.jvmOptionsFile(), "-cp", System.getProperty("java.class.path"),
                MiniYarn.class.getName(), dir.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("yarn.log").toFile());
        // Containers run {{JAVA_HOME}}/bin/java; the NodeManager passes its own JAVA_HOME on.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        Path ready = dir.resolve("ready");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(ready)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("MiniYARNCluster did not start: " + Files.readString(dir.resolve("yarn.log")));
            }
            Thread.sleep(200);
        }
        return new MiniYarn(p, dir);
    }

    /** The Hadoop configuration directory (HADOOP_CONF_DIR) with this cluster's yarn-site.xml. */
    public Path confDir() {
        return dir.resolve("conf");
    }

    /** Where the NodeManager keeps its containers' logs (one folder per application, then per container). */
    public Path containerLogs() {
        return dir.resolve("target").resolve("ddep-yarn");
    }

    /** Stops the cluster; container JVMs still running (they outlive a NodeManager) are killed with it. */
    @Override
    public void close() {
        List<ProcessHandle> containers = process.descendants().toList();
        try {
            process.getOutputStream().close();   // stdin closed: the cluster stops itself
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (Exception e) {
            process.destroyForcibly();
        }
        containers.forEach(ProcessHandle::destroyForcibly);
    }

    /** The cluster's JVM: {@code MiniYarn DIR}; runs until its standard input closes. */
    public static void main(String[] args) {
        try {
            run(Path.of(args[0]));
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);   // Hadoop's non-daemon threads would keep a failed cluster's JVM alive
        }
    }

    private static void run(Path dir) throws Exception {
        YarnConfiguration conf = new YarnConfiguration();
        conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        conf.set(YarnConfiguration.NM_ADDRESS, "127.0.0.1:0");
        conf.set("yarn.nodemanager.hostname", "127.0.0.1");
        // room for a driver and two executors whatever their requested overhead; nothing enforces it
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 16384);
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 16384);
        conf.setInt(YarnConfiguration.NM_VCORES, 8);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 16384);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // a developer's disk may be fuller than YARN's 90% health limit
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100f);
        conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 2);
        // one queue, "default", without a capacity-scheduler.xml
        conf.set(YarnConfiguration.RM_SCHEDULER, "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
        conf.setBoolean(YarnConfiguration.TIMELINE_SERVICE_ENABLED, false);
        MiniYARNCluster yarn = new MiniYARNCluster("ddep-yarn", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() can return before the ResourceManager's address holds its real port
        YarnConfiguration started = new YarnConfiguration(yarn.getConfig());
        while (started.get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0")) {
            Thread.sleep(100);
            started = new YarnConfiguration(yarn.getConfig());
        }
        Path conf2 = Files.createDirectories(dir.resolve("conf"));
        try (OutputStream out = Files.newOutputStream(conf2.resolve("yarn-site.xml"))) {
            started.writeXml(out);
        }
        Files.writeString(dir.resolve("ready"), started.get(YarnConfiguration.RM_ADDRESS));
        System.out.println("MiniYARNCluster up: ResourceManager at " + started.get(YarnConfiguration.RM_ADDRESS));
        while (System.in.read() >= 0) {
            // until the test closes our stdin
        }
        yarn.stop();
    }
}
