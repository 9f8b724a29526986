package org.ddep.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;

import java.util.Map;
import java.util.TreeMap;

/** {@code ddep.spark}: how the CLI starts Spark when it is not under spark-submit. */
public record SparkSettings(String master, String appName, Map<String, String> conf) {
    static SparkSettings from(Config root) {
        Section s = new Section(root, "ddep.spark");
        Map<String, String> conf = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : s.raw().getConfig("conf").entrySet()) {
            // Spark keys contain dots; HOCON quoted keys come back quoted in entrySet paths.
            conf.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped()));
        }
        return new SparkSettings(s.string("master"), s.string("app-name"), Map.copyOf(conf));
    }
}
