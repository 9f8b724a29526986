package org.ddep.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

import java.util.List;
import java.util.Set;

/**
 * Typed reads of one config section with validation. Every read names the full key in its error,
 * so that {@code --set ddep.train.workers=x} fails with the key, the value and what is allowed.
 */
final class Section {
    private final Config config;
    private final String prefix;

    /** The section at {@code path} (full, e.g. "ddep.train") of the resolved root config. */
    Section(Config root, String path) {
        this.config = root.getConfig(path);
        this.prefix = path + ".";
    }

    Config raw() {
        return config;
    }

    String key(String k) {
        return prefix + k;
    }

    int intIn(String k, int min, int max) {
        int v;
        try {
            v = config.getInt(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "an integer in [" + min + ", " + max + "]");
        }
        if (v < min || v > max) {
            throw ConfigError.of(key(k), v, "an integer in [" + min + ", " + max + "]");
        }
        return v;
    }

    long longValue(String k) {
        try {
            return config.getLong(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "an integer");
        }
    }

    double doubleIn(String k, double min, double max, boolean minInclusive) {
        double v;
        try {
            v = config.getDouble(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "a number in " + range(min, max, minInclusive));
        }
        if (Double.isNaN(v) || (minInclusive ? v < min : v <= min) || v > max) {
            throw ConfigError.of(key(k), v, "a number in " + range(min, max, minInclusive));
        }
        return v;
    }

    boolean bool(String k) {
        try {
            return config.getBoolean(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "true or false");
        }
    }

    String string(String k) {
        try {
            return config.getString(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "a string");
        }
    }

    String oneOf(String k, Set<String> allowed) {
        String v = string(k);
        if (!allowed.contains(v)) {
            throw ConfigError.of(key(k), v, "one of " + allowed);
        }
        return v;
    }

    List<String> stringList(String k, Set<String> allowed) {
        List<String> v;
        try {
            v = config.getStringList(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "a list of " + allowed);
        }
        for (String s : v) {
            if (!allowed.contains(s)) {
                throw ConfigError.of(key(k), v, "every element one of " + allowed + " ('" + s + "' is not)");
            }
        }
        return List.copyOf(v);
    }

    List<Double> doubleList(String k, double min, double max) {
        List<Double> v;
        try {
            v = config.getDoubleList(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "a list of numbers in (" + min + ", " + max + "]");
        }
        if (v.isEmpty()) {
            throw ConfigError.of(key(k), v, "a non-empty list of numbers in (" + min + ", " + max + "]");
        }
        for (double d : v) {
            if (!(d > min && d <= max)) {
                throw ConfigError.of(key(k), v, "every element in (" + min + ", " + max + "] (" + d + " is not)");
            }
        }
        return List.copyOf(v);
    }

    List<Integer> intList(String k, int min, int max) {
        List<Integer> v;
        try {
            v = config.getIntList(k);
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(key(k), config.getValue(k).unwrapped(), "a list of whole numbers in [" + min + ", "
                    + max + "]");
        }
        if (v.isEmpty() || v.stream().anyMatch(i -> i < min || i > max)) {
            throw ConfigError.of(key(k), v, "a non-empty list of whole numbers in [" + min + ", " + max + "]");
        }
        return List.copyOf(v);
    }

    private static String range(double min, double max, boolean minInclusive) {
        return (minInclusive ? "[" : "(") + min + ", " + max + "]";
    }
}
