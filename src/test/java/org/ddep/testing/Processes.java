package org.ddep.testing;

import java.util.concurrent.TimeUnit;

/** Child JVMs of tests: a process that overruns its time is killed, never left running after the test. */
public final class Processes {
    private Processes() {
    }

    /** True if {@code p} ended within {@code minutes}; otherwise kills it (and its children) and returns false. */
    public static boolean finishes(Process p, long minutes) throws InterruptedException {
        if (p.waitFor(minutes, TimeUnit.MINUTES)) {
            return true;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        return false;
    }
}
