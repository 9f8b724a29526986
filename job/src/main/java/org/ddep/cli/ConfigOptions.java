package org.ddep.cli;

import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config options of the commands that read a config but start no run: {@code --config}, {@code --set}. */
final class ConfigOptions {
    @Option(names = "--config", description = "HOCON config file (over conf/reference.conf).")
    Path config;

    @Option(names = "--set", description = "Override one key, e.g. --set train.workers=64 (repeatable).")
    List<String> overrides = new ArrayList<>();

    /** The validated config: a bad key fails here, before any work. */
    DdepConfig load() {
        return ConfigLoader.load(config, overrides);
    }
}
