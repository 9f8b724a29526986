package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.Path;
import org.ddep.config.LeaseSettings;
import org.ddep.data.HadoopFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One driver per run directory: {@code <run>/_LOCK} names the driver holding the run, which
 * rewrites it every heartbeat and deletes it when it ends. A second driver refuses to start
 * ({@link RunDirInUse}) unless the holder is dead: its heartbeat is older than
 * {@code ddep.lease.stale-after-seconds}, it is an earlier YARN attempt of the same application, or
 * the user says so ({@code --take-over}). A holder that finds another driver's lease at its
 * heartbeat has lost the run and is told so ({@link #ensureHeld()}, the {@code onLost} callback).
 */
public final class RunLease implements AutoCloseable {
    public static final String FILE = "_LOCK";
    /**
     * How long a writer waits before reading its lease back after a write that was not an atomic
     * create-if-absent (object stores, take-over): a competing write in the same instant lands
     * within it, and the last writer wins.
     */
    static final Duration SETTLE = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LeaseFile file;
    private final String run;
    private final Clock clock;
    private final Runnable onLost;
    private final ScheduledExecutorService heartbeat;
    private volatile Holder self;
    private volatile Holder lostTo;
    private volatile boolean released;

    /** Who holds a run directory. Times are ISO-8601 instants (UTC). */
    public record Holder(String token, String host, String boot, long pid, String application, String attempt,
                         String started, String heartbeat) {
        /** This process as the driver of Spark application {@code application} (attempt "" outside YARN). */
        public static Holder thisProcess(String application, String attempt, Instant now) {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown-host";
            }
            return new Holder(UUID.randomUUID().toString(), host, bootId(), ProcessHandle.current().pid(), application,
                    attempt == null ? "" : attempt, now.toString(), now.toString());
        }

        Holder beating(Instant now) {
            return new Holder(token, host, boot, pid, application, attempt, started, now.toString());
        }

        /**
         * A holder on this machine (same host name, same boot) whose process has ended: dead for sure,
         * e.g. a driver killed with SIGKILL. Anything less certain waits for the stale time.
         */
        boolean deadOnThisMachine(Holder self) {
            return boot != null && !boot.isEmpty() && boot.equals(self.boot) && host.equals(self.host)
                    && pid != self.pid && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }

        /** An earlier attempt of the same YARN application: YARN starts a new attempt only after the last one failed. */
        boolean earlierAttemptOf(Holder other) {
            return !application.isEmpty() && application.equals(other.application) && !attempt.equals(other.attempt);
        }

        String describe() {
            return "host " + host + ", pid " + pid + ", Spark application " + application
                    + (attempt.isEmpty() ? "" : " attempt " + attempt) + ", started " + started;
        }
    }

    /** A run directory another driver holds. */
    public static final class RunDirInUse extends RuntimeException {
        RunDirInUse(String message) {
            super(message);
        }
    }

    private RunLease(LeaseFile file, String run, Holder self, Clock clock, Runnable onLost) {
        this.file = file;
        this.run = run;
        this.self = self;
        this.clock = clock;
        this.onLost = onLost;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ddep-lease-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Takes the lease of {@code runUri} for {@code self}, or throws {@link RunDirInUse} naming the
     * driver that holds it. {@code takeOver}: take it from a live-looking holder (the user knows it
     * is dead). {@code onLost} runs once, on the heartbeat thread, if another driver takes the lease.
     */
    public static RunLease acquire(HadoopFiles files, String runUri, Holder self, LeaseSettings settings,
                                   boolean takeOver, Runnable onLost) throws IOException {
        return acquire(files, runUri, self, settings, takeOver, onLost, Clock.systemUTC());
    }

    static RunLease acquire(HadoopFiles files, String runUri, Holder self, LeaseSettings settings, boolean takeOver,
                            Runnable onLost, Clock clock) throws IOException {
        String uri = HadoopFiles.join(runUri, FILE);
        LeaseFile file = new LeaseFile(files.fs(uri), new Path(uri));
        RunLease lease = new RunLease(file, runUri, self, clock, onLost);
        lease.take(settings, takeOver);
        lease.heartbeat.scheduleWithFixedDelay(lease::beat, settings.heartbeat().toMillis(),
                settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        return lease;
    }

    private void take(LeaseSettings settings, boolean takeOver) throws IOException {
        // A holder that released between our create and our read: try again, a few times.
        for (int tries = 0; tries < 3; tries++) {
            if (file.createNew(bytes(self))) {
                if (!file.atomicCreate()) {
                    settle();
                }
                LOG.info("run directory {}: lease {} taken ({})", run, file.uri(), self.describe());
                return;
            }
            Optional<Holder> current = readHolder();
            if (current.isEmpty()) {
                continue;
            }
            Holder other = current.get();
            Duration age = Duration.between(Instant.parse(other.heartbeat()), clock.instant());
            String why = takeOver ? "--take-over"
                    : self.earlierAttemptOf(other) ? "it is attempt " + other.attempt() + " of this YARN application, "
                    + "which YARN replaced by attempt " + self.attempt()
                    : other.deadOnThisMachine(self) ? "its process " + other.pid() + " on this machine has ended"
                    : age.compareTo(settings.staleAfter()) > 0 ? "its last heartbeat is " + age.toSeconds()
                    + " s old (ddep.lease.stale-after-seconds = " + settings.staleAfter().toSeconds() + ")"
                    : null;
            if (why == null) {
                throw new RunDirInUse(inUse(other, age, settings));
            }
            LOG.warn("run directory {}: taking over the lease of the driver ({}) because {}", run, other.describe(), why);
            file.replace(bytes(self));
            settle();
            return;
        }
        throw new RunDirInUse("run directory " + run + ": the lease " + file.uri()
                + " kept appearing and disappearing; another driver is starting or stopping on it");
    }

    /** After a write that may race with another driver's: the last writer holds the lease. */
    private void settle() throws IOException {
        try {
            Thread.sleep(SETTLE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking the lease " + file.uri(), e);
        }
        Optional<Holder> now = readHolder();
        if (now.isEmpty() || !now.get().token().equals(self.token())) {
            throw new RunDirInUse("run directory " + run + ": another driver took the lease " + file.uri()
                    + " at the same moment" + now.map(h -> " (" + h.describe() + ")").orElse("")
                    + "; this driver stops without writing to the run directory");
        }
    }

    private String inUse(Holder other, Duration age, LeaseSettings settings) {
        return "run directory " + run + " is in use by another driver (" + other.describe() + ", last heartbeat "
                + Math.max(0, age.toSeconds()) + " s ago; lease file " + file.uri() + "). Two drivers on one run "
                + "directory overwrite each other's checkpoints and metrics, so this one does not start. "
                + "If that driver is still running, wait for it or stop it. If it is dead, re-run with --take-over, "
                + "or re-run once its heartbeat is older than ddep.lease.stale-after-seconds ("
                + settings.staleAfter().toSeconds() + " s).";
    }

    /** One heartbeat: still ours? then rewrite the time; another driver's (or gone)? then we lost the run. */
    private void beat() {
        if (released || lostTo != null) {
            return;
        }
        try {
            Optional<Holder> current = readHolder();
            if (current.isPresent() && current.get().token().equals(self.token())) {
                Holder next = self.beating(clock.instant());
                file.replace(bytes(next));
                self = next;
                return;
            }
            lostTo = current.orElse(new Holder("", "(none: the lease file was deleted)", "", 0, "", "", "", ""));
            LOG.error("run directory {}: this driver lost its lease to {}; stopping its Spark jobs", run, lostTo.describe());
            heartbeat.shutdown();
            onLost.run();
        } catch (IOException | RuntimeException e) {
            // A transient store error: the next heartbeat tries again; staleness allows several misses.
            LOG.warn("run directory {}: lease heartbeat failed: {}", run, e.toString());
        }
    }

    /** Throws {@link RunDirInUse} if another driver took this lease since it was acquired. */
    public void ensureHeld() {
        Holder other = lostTo;
        if (other != null) {
            throw new RunDirInUse("run directory " + run + ": this driver lost its lease to another driver ("
                    + other.describe() + ") and stopped; the run directory belongs to that driver now");
        }
    }

    public boolean lost() {
        return lostTo != null;
    }

    public Holder holder() {
        return self;
    }

    /** Stops the heartbeat and deletes the lease file if it is still this driver's. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(10, TimeUnit.SECONDS);
            Optional<Holder> current = readHolder();
            if (current.isPresent() && current.get().token().equals(self.token())) {
                file.delete();
                LOG.info("run directory {}: lease released", run);
            }
        } catch (IOException e) {
            LOG.warn("run directory {}: could not release the lease {} ({}); the next driver takes it over once it "
                    + "is stale", run, file.uri(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The holder named in the lease file; a file that stays unreadable is taken as written at its modification time. */
    private Optional<Holder> readHolder() throws IOException {
        for (int tries = 0; ; tries++) {
            Optional<LeaseFile.Content> c = file.read();
            if (c.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(JSON.readValue(c.get().bytes(), Holder.class));
            } catch (IOException partial) {
                if (tries >= 4) {
                    String at = Instant.ofEpochMilli(c.get().modifiedMillis()).toString();
                    return Optional.of(new Holder("unreadable", "(unreadable lease file)", "", 0, "", "", at, at));
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    /** This boot of this machine (Linux), so that a pid is compared only with pids of the same boot; "" elsewhere. */
    static String bootId() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static byte[] bytes(Holder h) {
        try {
            return JSON.writeValueAsBytes(h);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
