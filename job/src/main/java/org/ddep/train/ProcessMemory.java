package org.ddep.train;

import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as Linux reports it in /proc/self/status (-1 elsewhere). */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** The peak resident memory so far (VmHWM), in MB. */
    public static long peakRssMb() {
        return statusMb("VmHWM:");
    }

    /** The resident memory now (VmRSS), in MB. */
    public static long rssMb() {
        return statusMb("VmRSS:");
    }

    private static long statusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // not Linux: no figure
        }
        return -1;
    }
}
