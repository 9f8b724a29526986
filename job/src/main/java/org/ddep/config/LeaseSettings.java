package org.ddep.config;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * {@code ddep.lease}: one driver per run directory. The driver holding {@code <run>/_LOCK} rewrites
 * it every {@code heartbeat}; a lease whose last heartbeat is older than {@code staleAfter} belongs to
 * a dead driver and may be taken over by the next one.
 */
public record LeaseSettings(Duration heartbeat, Duration staleAfter) {
    /** A stale lease must have missed several heartbeats, not one slow write. */
    static final int MIN_MISSED_HEARTBEATS = 3;

    public LeaseSettings {
        if (staleAfter.compareTo(heartbeat.multipliedBy(MIN_MISSED_HEARTBEATS)) < 0) {
            throw ConfigError.of("ddep.lease.stale-after-seconds", staleAfter.toSeconds(), "at least "
                    + MIN_MISSED_HEARTBEATS + " x ddep.lease.heartbeat-seconds (" + heartbeat.toSeconds() + ")");
        }
    }

    static LeaseSettings from(Config root) {
        Section s = new Section(root, "ddep.lease");
        return new LeaseSettings(Duration.ofSeconds(s.intIn("heartbeat-seconds", 1, 3600)),
                Duration.ofSeconds(s.intIn("stale-after-seconds", 1, 7 * 24 * 3600)));
    }
}
