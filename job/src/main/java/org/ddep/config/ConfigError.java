package org.ddep.config;

/** A configuration problem, raised before any Spark work starts. Names the key, the value and what is allowed. */
public final class ConfigError extends IllegalArgumentException {
    public ConfigError(String message) {
        super(message);
    }

    public static ConfigError of(String key, Object value, String allowed) {
        return new ConfigError("config key " + key + " = " + value + " is invalid: " + allowed);
    }
}
