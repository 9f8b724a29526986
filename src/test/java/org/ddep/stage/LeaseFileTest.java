package org.ddep.stage;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.ddep.testing.S3Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A lease object that a holder's heartbeat replaces while another driver reads it, on a real
 * S3-protocol server: s3a notices the change (its ETag check) and the read starts again, where it
 * used to fail the second driver with "Change reported by S3 during open".
 */
class LeaseFileTest {
    @Test
    void aLeaseReplacedWhileItIsReadIsReadAgain(@TempDir java.nio.file.Path dir) throws Exception {
        try (S3Server s3 = S3Server.start(dir, "runs")) {
            Configuration conf = new Configuration();
            s3.hadoopSettings("runs").forEach(conf::set);
            conf.setBoolean("fs.s3a.impl.disable.cache", true);
            Path lock = new Path("s3a://runs/run/_LOCK");
            try (FileSystem s3a = FileSystem.get(URI.create("s3a://runs/"), conf)) {
                write(s3a, lock, "{\"beat\" : 1}");
                // The first open is followed at once by a heartbeat's rewrite, before any byte is read.
                FileSystem racing = new FilterFileSystem(s3a) {
                    private int opens;

                    @Override
                    public FSDataInputStream open(Path f) throws IOException {
                        FSDataInputStream in = super.open(f);
                        if (opens++ == 0) {
                            write(s3a, lock, "{\"beat\" : 2, \"longer\" : true}");
                        }
                        return in;
                    }
                };
                LeaseFile.Content c = new LeaseFile(racing, lock).read().orElseThrow();
                assertEquals("{\"beat\" : 2, \"longer\" : true}", new String(c.bytes(), StandardCharsets.UTF_8));
            }
        }
    }

    private static void write(FileSystem fs, Path p, String text) throws IOException {
        try (OutputStream out = fs.create(p, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
