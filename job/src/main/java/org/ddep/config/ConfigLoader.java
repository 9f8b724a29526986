package org.ddep.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads {@code reference.conf} (every key with its default), then an optional user file, then
 * {@code --set key=value} overrides, and validates the result. Unknown keys, wrong types and invalid
 * values fail here, before any Spark work, naming the key.
 */
public final class ConfigLoader {
    /** Sections whose keys are the user's own (Spark settings), not ddep's. */
    private static final Set<String> FREE_FORM = Set.of("ddep.spark.conf");

    private ConfigLoader() {
    }

    public static DdepConfig load(Path file, List<String> overrides) {
        return DdepConfig.from(resolve(file == null ? ConfigFactory.empty() : parseFile(file), overrides));
    }

    /** Like {@link #load} with a config shipped on the classpath (e.g. demo.conf) instead of a file. */
    public static DdepConfig loadResource(String resource, List<String> overrides) {
        Config c = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), resource,
                ConfigParseOptions.defaults().setAllowMissing(false));
        return DdepConfig.from(resolve(c, overrides));
    }

    /** Parses a config previously written with {@link DdepConfig#render()} (a run dir's config.conf). */
    public static DdepConfig parse(String hocon, String origin) {
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(origin));
        } catch (ConfigException e) {
            throw new ConfigError("cannot parse " + origin + ": " + e.getMessage());
        }
        return DdepConfig.from(finish(user));
    }

    private static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError("config file " + file + " does not exist");
        }
        try {
            // include classpath("paper/...") (the presets) resolves against ddep's own jar.
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
                    .setClassLoader(ConfigLoader.class.getClassLoader()));
        } catch (ConfigException e) {
            throw new ConfigError("cannot parse config file " + file + ": " + e.getMessage());
        }
    }

    private static Config resolve(Config base, List<String> overrides) {
        Config user = base;
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError("--set expects key=value, got '" + o + "'");
            }
            String key = o.substring(0, eq).strip();
            if (!key.startsWith("ddep.")) {
                key = "ddep." + key;
            }
            String value = o.substring(eq + 1).strip();
            try {
                user = ConfigFactory.parseString(key + " = " + value).withFallback(user);
            } catch (ConfigException e) {
                // A bare string that HOCON cannot parse (e.g. a URI with ':'): take it verbatim.
                user = ConfigFactory.parseMap(Map.of(key, value)).withFallback(user);
            }
        }
        return finish(user);
    }

    private static Config finish(Config user) {
        Config reference = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf");
        if (reference.isEmpty()) {
            throw new IllegalStateException("reference.conf is missing from the classpath");
        }
        Config merged;
        try {
            merged = user.withFallback(reference).resolve(ConfigResolveOptions.defaults());
        } catch (ConfigException e) {
            throw new ConfigError("cannot resolve config: " + e.getMessage());
        }
        checkKnown(user.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true)), reference);
        checkTypes(merged, reference);
        return merged;
    }

    /** Every key the user set must exist in reference.conf (or sit in a free-form section). */
    private static void checkKnown(Config user, Config reference) {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (FREE_FORM.stream().anyMatch(f -> key.startsWith(f + "."))) {
                continue;
            }
            if (!reference.hasPathOrNull(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            String first = unknown.get(0);
            String parent = first.contains(".") ? first.substring(0, first.lastIndexOf('.')) : "";
            Set<String> siblings = new TreeSet<>();
            if (!parent.isEmpty() && reference.hasPath(parent) && reference.getValue(parent).valueType() == ConfigValueType.OBJECT) {
                siblings.addAll(reference.getConfig(parent).root().keySet());
            }
            throw new ConfigError("unknown config key" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + (siblings.isEmpty() ? "" : "; keys allowed under " + parent + ": " + siblings)
                    + " (conf/reference.conf documents every key)");
        }
    }

    /** A value must have its reference type (a number where a number is documented, and so on). */
    private static void checkTypes(Config merged, Config reference) {
        for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
            String key = e.getKey();
            ConfigValueType want = e.getValue().valueType();
            ConfigValue got = merged.getValue(key);
            if (got.valueType() == want || want == ConfigValueType.NULL) {
                continue;
            }
            boolean ok = switch (want) {
                // HOCON reads "2" from --set as a string; the typed getters convert it or fail with the key.
                case NUMBER, BOOLEAN -> got.valueType() == ConfigValueType.STRING;
                case STRING -> got.valueType() == ConfigValueType.NUMBER || got.valueType() == ConfigValueType.BOOLEAN;
                default -> false;
            };
            if (!ok) {
                throw ConfigError.of(key, got.unwrapped(), "a value of type " + want.name().toLowerCase()
                        + " (got " + got.valueType().name().toLowerCase() + ")");
            }
        }
    }
}
