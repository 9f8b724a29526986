package org.ddep.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** conf/demo.conf, shipped inside the jar so that {@code ddep demo} needs no file next to it. */
final class DemoConfig {
    private DemoConfig() {
    }

    static Path file() {
        try (InputStream in = DemoConfig.class.getClassLoader().getResourceAsStream("demo.conf")) {
            if (in == null) {
                throw new IllegalStateException("demo.conf is missing from the classpath");
            }
            Path tmp = Files.createTempFile("ddep-demo", ".conf");
            Files.write(tmp, in.readAllBytes());
            tmp.toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
