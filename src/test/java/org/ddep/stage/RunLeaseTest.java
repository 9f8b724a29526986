package org.ddep.stage;

import org.apache.hadoop.conf.Configuration;
import org.ddep.config.ConfigError;
import org.ddep.config.ConfigLoader;
import org.ddep.config.LeaseSettings;
import org.ddep.data.HadoopFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run directory's lease in one JVM: refusal, release, stale and YARN-attempt take-over, heartbeat, loss. */
class RunLeaseTest {
    private static final LeaseSettings FAST = new LeaseSettings(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private static final Runnable NOTHING = () -> { };
    private final HadoopFiles files = new HadoopFiles(new Configuration());

    private static RunLease.Holder driver(String app, String attempt) {
        return RunLease.Holder.thisProcess(app, attempt, Instant.now());
    }

    private RunLease acquire(Path dir, RunLease.Holder h, boolean takeOver) throws Exception {
        return RunLease.acquire(files, dir.toUri().toString(), h, FAST, takeOver, NOTHING);
    }

    @Test
    void secondDriverIsRefusedWithAnErrorNamingTheHolderAndHowToTakeOver(@TempDir Path dir) throws Exception {
        RunLease.Holder first = driver("local-1", "");
        try (RunLease ignored = acquire(dir, first, false)) {
            assertTrue(Files.exists(dir.resolve(RunLease.FILE)));
            var e = assertThrows(RunLease.RunDirInUse.class, () -> acquire(dir, driver("local-2", ""), false));
            assertTrue(e.getMessage().contains("pid " + first.pid()), e.getMessage());
            assertTrue(e.getMessage().contains("Spark application local-1"), e.getMessage());
            assertTrue(e.getMessage().contains("host " + first.host()), e.getMessage());
            assertTrue(e.getMessage().contains("--take-over"), e.getMessage());
            assertTrue(e.getMessage().contains("ddep.lease.stale-after-seconds (30 s)"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.resolve(RunLease.FILE).toUri().getPath()), e.getMessage());
        }
    }

    @Test
    void releaseDeletesTheLeaseAndTheNextDriverStarts(@TempDir Path dir) throws Exception {
        acquire(dir, driver("local-1", ""), false).close();
        assertFalse(Files.exists(dir.resolve(RunLease.FILE)));
        try (RunLease next = acquire(dir, driver("local-2", ""), false)) {
            next.ensureHeld();
        }
    }

    @Test
    void aLeaseWhoseHeartbeatIsOlderThanStaleAfterIsTakenOver(@TempDir Path dir) throws Exception {
        RunLease dead = acquire(dir, driver("local-1", ""), false);
        dead.close();   // stop its heartbeat, then put its file back as a crashed driver leaves it
        RunLease.Holder crashed = driver("local-1", "");
        try (RunLease alive = acquire(dir, crashed, false)) {
            // a second driver 31 s later by its clock: the lease's heartbeat is older than stale-after
            Clock later = Clock.fixed(Instant.now().plusSeconds(31), ZoneOffset.UTC);
            try (RunLease taker = RunLease.acquire(files, dir.toUri().toString(), driver("local-2", ""), FAST, false,
                    NOTHING, later)) {
                assertNotEquals(crashed.token(), read(dir).token());
                assertEquals(taker.holder().token(), read(dir).token());
            }
            // 29 s later it would still have been refused (checked on a fresh lease)
        }
        try (RunLease fresh = acquire(dir, driver("local-3", ""), false)) {
            Clock soon = Clock.fixed(Instant.now().plusSeconds(20), ZoneOffset.UTC);
            assertThrows(RunLease.RunDirInUse.class, () -> RunLease.acquire(files, dir.toUri().toString(),
                    driver("local-4", ""), FAST, false, NOTHING, soon));
            fresh.ensureHeld();
        }
    }

    @Test
    void aLaterYarnAttemptOfTheSameApplicationTakesOverButAnotherApplicationDoesNot(@TempDir Path dir) throws Exception {
        try (RunLease firstAttempt = acquire(dir, driver("application_1700000000000_0001", "1"), false)) {
            assertThrows(RunLease.RunDirInUse.class,
                    () -> acquire(dir, driver("application_1700000000000_0002", "1"), false));
            try (RunLease second = acquire(dir, driver("application_1700000000000_0001", "2"), false)) {
                assertEquals("2", read(dir).attempt());
                second.ensureHeld();
            }
            firstAttempt.holder();
        }
    }

    @Test
    void takeOverTakesALiveLeaseAndTheFormerHolderLearnsItLostTheRun(@TempDir Path dir) throws Exception {
        CountDownLatch lost = new CountDownLatch(1);
        RunLease first = RunLease.acquire(files, dir.toUri().toString(), driver("local-1", ""), FAST, false, lost::countDown);
        try (RunLease second = acquire(dir, driver("local-2", ""), true)) {
            assertTrue(lost.await(10, TimeUnit.SECONDS), "the former holder's heartbeat did not notice");
            assertTrue(first.lost());
            var e = assertThrows(RunLease.RunDirInUse.class, first::ensureHeld);
            assertTrue(e.getMessage().contains("Spark application local-2"), e.getMessage());
            first.close();   // must not delete the new holder's lease
            assertEquals(second.holder().token(), read(dir).token());
            second.ensureHeld();
        }
        assertFalse(Files.exists(dir.resolve(RunLease.FILE)));
    }

    @Test
    void aLeaseOfAProcessThatEndedOnThisMachineIsTakenOverAtOnce(@TempDir Path dir) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        RunLease.Holder me = driver("local-2", "");
        RunLease.Holder killed = new RunLease.Holder("t-killed", me.host(), me.boot(), gone.pid(), "local-1", "",
                Instant.now().toString(), Instant.now().toString());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Files.write(dir.resolve(RunLease.FILE), json.writeValueAsBytes(killed));
        try (RunLease taken = acquire(dir, me, false)) {
            assertEquals(me.token(), read(dir).token());
        }
        // the same pid on another machine (or another boot) may be alive: wait for the stale time
        RunLease.Holder elsewhere = new RunLease.Holder("t-other", me.host(), "another-boot", gone.pid(), "local-1", "",
                Instant.now().toString(), Instant.now().toString());
        Files.write(dir.resolve(RunLease.FILE), json.writeValueAsBytes(elsewhere));
        assertThrows(RunLease.RunDirInUse.class, () -> acquire(dir, driver("local-3", ""), false));
        // and a live process on this machine holds its lease
        Process running = new ProcessBuilder("sleep", "60").start();
        try {
            RunLease.Holder alive = new RunLease.Holder("t-alive", me.host(), me.boot(), running.pid(),
                    "local-1", "", Instant.now().toString(), Instant.now().toString());
            Files.write(dir.resolve(RunLease.FILE), json.writeValueAsBytes(alive));
            assertThrows(RunLease.RunDirInUse.class, () -> acquire(dir, driver("local-4", ""), false));
        } finally {
            running.destroyForcibly();
        }
    }

    @Test
    void theHolderRewritesItsHeartbeat(@TempDir Path dir) throws Exception {
        try (RunLease lease = acquire(dir, driver("local-1", ""), false)) {
            Instant before = Instant.parse(read(dir).heartbeat());
            Thread.sleep(2500);
            RunLease.Holder after = read(dir);
            assertEquals(lease.holder().token(), after.token());
            assertTrue(Instant.parse(after.heartbeat()).isAfter(before), before + " -> " + after.heartbeat());
        }
    }

    @Test
    void staleAfterShorterThanThreeHeartbeatsIsRejectedNamingTheKey() {
        var e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null,
                List.of("lease.heartbeat-seconds=10", "lease.stale-after-seconds=20")));
        assertTrue(e.getMessage().contains("ddep.lease.stale-after-seconds = 20"), e.getMessage());
        assertEquals(Duration.ofSeconds(120), ConfigLoader.load(null, List.of()).lease().staleAfter());
    }

    private static RunLease.Holder read(Path dir) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(dir.resolve(RunLease.FILE).toFile(),
                RunLease.Holder.class);
    }
}
