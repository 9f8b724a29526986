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

    /**
     * Starts the peak (VmHWM) again from the resident memory now, through Linux's
     * {@code /proc/self/clear_refs} ("5"); false where that is not possible.
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (Exception e) {
            return false;
        }
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
