package org.ddep.cli;

import org.apache.hadoop.conf.Configuration;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.stage.RunDir;
import org.ddep.stage.RunPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ddep plan}: what {@code run} would do with a config, without starting Spark. Fails like
 * {@code run} on a bad config (exit 2), and on anything the plan finds that would stop the run later.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print what `run` would do (data, schedule, averaging traffic, worker memory estimate) without Spark.")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--run-dir", description = "Run directory (any Hadoop URI).", defaultValue = "runs/default")
    String runDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DdepConfig cfg = options.load();
        RunPlan.Result plan = RunPlan.of(cfg, new RunDir(Main.absolute(runDir), new HadoopFiles(hadoop(cfg))));
        PrintWriter out = spec.commandLine().getOut();
        out.print(plan.text());
        out.flush();
        if (plan.problems().isEmpty()) {
            return 0;
        }
        PrintWriter err = spec.commandLine().getErr();
        for (String p : plan.problems()) {
            err.println("ddep plan: " + p);
        }
        err.flush();
        return 2;
    }

    /** Hadoop settings as Spark would pass them: {@code spark.hadoop.*} from system properties and the config. */
    static Configuration hadoop(DdepConfig cfg) {
        Configuration conf = new Configuration();
        String prefix = "spark.hadoop.";
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> conf.set(k.substring(prefix.length()), System.getProperty(k)));
        for (Map.Entry<String, String> e : cfg.spark().conf().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                conf.set(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return conf;
    }
}
