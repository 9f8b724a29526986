package org.ddep.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-protocol server (S3Proxy, filesystem backend) in its own JVM on 127.0.0.1, for s3a
 * tests. Buckets are folders under {@code dir}. Stops with {@link #close()}.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "ddep-test-access";
    public static final String SECRET_KEY = "ddep-test-secret-9f3c1e";
    private final Process process;
    private final int port;

    private S3Server(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static S3Server start(Path dir, String... buckets) throws Exception {
        Path jar = Path.of(System.getProperty("ddep.test-tools", "target/test-tools"), "s3proxy.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": run through Maven (process-test-resources copies it)");
        }
        Path data = Files.createDirectories(dir.resolve("s3-data"));
        for (String b : buckets) {
            Files.createDirectories(data.resolve(b));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path props = dir.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n", List.of(
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data)) + "\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", jar.toString(), "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return new S3Server(p, port);
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited: " + Files.readString(dir.resolve("s3proxy.log")));
                }
                Thread.sleep(200);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("S3Proxy did not listen on port " + port + " within 60 s");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Hadoop s3a settings for one bucket on this server (per-bucket keys touch no other bucket). */
    public Map<String, String> hadoopSettings(String bucket) {
        String p = "fs.s3a.bucket." + bucket + ".";
        Map<String, String> m = new LinkedHashMap<>();
        m.put(p + "endpoint", endpoint());
        m.put(p + "access.key", ACCESS_KEY);
        m.put(p + "secret.key", SECRET_KEY);
        m.put(p + "path.style.access", "true");
        m.put(p + "connection.ssl.enabled", "false");
        m.put(p + "endpoint.region", "us-east-1");
        m.put(p + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        // S3Proxy answers bulk deletes slowly (5 s each, retried): keep directory markers instead of
        // deleting them after every write, and delete objects one by one. Many on-prem S3 stores need the same.
        m.put(p + "directory.marker.retention", "keep");
        m.put(p + "multiobjectdelete.enable", "false");
        return m;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
