package org.ddep.model.layers;

import java.io.PrintStream;

/**
 * ND4J 1.0.0-M2.1's SameDiff prints one "Added differentiated op ..." line to standard output for
 * every op whenever it builds a gradient function, unconditionally: thousands of lines per model on
 * every Spark worker. This drops exactly those lines from {@code System.out} and passes everything
 * else through; installed once, the first time a custom layer is used.
 */
final class SameDiffChatter {
    private static final String PREFIX = "Added differentiated op ";
    private static volatile boolean installed;

    private SameDiffChatter() {
    }

    static void silence() {
        if (installed) {
            return;
        }
        synchronized (SameDiffChatter.class) {
            if (!installed) {
                PrintStream out = System.out;
                System.setOut(new PrintStream(out, true) {
                    @Override
                    public void println(String line) {
                        if (line == null || !line.startsWith(PREFIX)) {
                            super.println(line);
                        }
                    }
                });
                installed = true;
            }
        }
    }
}
