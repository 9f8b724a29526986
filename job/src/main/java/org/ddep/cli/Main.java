package org.ddep.cli;

import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigError;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.prep.SyntheticScenes;
import org.ddep.stage.Pipeline;
import org.ddep.stage.Sparks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The ddep command line, one command per stage plus {@code run} and {@code demo}. The same class is
 * the {@code spark-submit --class} entry point.
 */
@Command(name = "ddep", mixinStandardHelpOptions = true, version = "ddep " + org.ddep.prep.Version.VALUE,
        description = "Decoder Denoising Pretraining for semantic segmentation on Spark.",
        subcommands = {Main.Run.class, Main.Demo.class, Main.StageCommand.Prep.class, Main.StageCommand.Encoder.class,
                Main.StageCommand.Decoder.class, Main.StageCommand.Finetune.class, Main.StageCommand.Evaluate.class,
                Main.StageCommand.Report.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigError) {
                cmd.getErr().println("ddep: " + e.getMessage());
                return 2;
            }
            cmd.getErr().println("ddep: " + cmd.getCommandName() + " failed: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    /** Options every command shares. */
    static final class Common {
        @Option(names = "--config", description = "HOCON config file (over conf/reference.conf).")
        Path config;

        @Option(names = "--set", description = "Override one key, e.g. --set train.workers=4 (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--run-dir", description = "Run directory (any Hadoop URI).", defaultValue = "runs/default")
        String runDir;

        DdepConfig load() {
            return ConfigLoader.load(config, overrides);
        }

        /** Validates the config, then starts Spark: a bad config fails before any Spark work. */
        int withPipeline(DdepConfig cfg, PipelineAction action) throws Exception {
            SparkSession spark = Sparks.session(cfg.spark());
            try {
                action.run(new Pipeline(cfg, absolute(runDir), spark, List.of()));
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    interface PipelineAction {
        void run(Pipeline p) throws Exception;
    }

    static String absolute(String uri) {
        return uri.contains(":") ? uri : Path.of(uri).toAbsolutePath().normalize().toUri().toString();
    }

    @Command(name = "run", description = "Run the configured stages in order, skipping finished ones.")
    static final class Run implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return common.withPipeline(common.load(), Pipeline::runAll);
        }
    }

    @Command(name = "demo", description = "Generate the built-in demo data and run the whole pipeline on it (local mode).")
    static final class Demo implements Callable<Integer> {
        @Option(names = "--run-dir", defaultValue = "runs/demo", description = "Run directory (default runs/demo).")
        String runDir;

        @Option(names = "--set", description = "Override one key of the demo config (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Common c = new Common();
            c.runDir = runDir;
            c.overrides = overrides;
            c.config = DemoConfig.file();
            DdepConfig cfg = c.load();
            return c.withPipeline(cfg, p -> {
                String data = p.context().run().path("data");
                if (!p.context().files().exists(data + "/seg/classes.txt")) {
                    var d = cfg.demo();
                    System.err.printf("ddep demo: generating %d pretraining + %d train + %d val scenes in %s%n",
                            d.pretrainImages(), d.trainImages(), d.valImages(), data);
                    SyntheticScenes.write(p.context().files().conf(), data, new SyntheticScenes.Spec(d.imageSize(),
                            d.pretrainImages(), d.trainImages(), d.valImages(), cfg.seed()));
                }
                p.runAll();
                System.out.println("ddep demo: report at " + p.context().run().path("report", "index.md"));
            });
        }
    }

    /** One command per stage; each runs that stage alone in the run directory. */
    abstract static class StageCommand implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--force", description = "Run even if the stage finished earlier.")
        boolean force;

        abstract String stage();

        @Override
        public Integer call() throws Exception {
            return common.withPipeline(common.load(), p -> {
                p.pinConfig();
                p.runStage(stage(), force);
            });
        }

        @Command(name = "prep", description = "Shard the configured source datasets into Parquet.")
        static final class Prep extends StageCommand {
            String stage() {
                return DdepConfig.PREP;
            }
        }

        @Command(name = "pretrain-encoder", description = "Supervised classification pretraining of the encoder.")
        static final class Encoder extends StageCommand {
            String stage() {
                return DdepConfig.PRETRAIN_ENCODER;
            }
        }

        @Command(name = "pretrain-decoder", description = "Decoder denoising pretraining (encoder frozen).")
        static final class Decoder extends StageCommand {
            String stage() {
                return DdepConfig.PRETRAIN_DECODER;
            }
        }

        @Command(name = "finetune", description = "Fine-tune encoder and decoder on a fraction of the labels.")
        static final class Finetune extends StageCommand {
            String stage() {
                return DdepConfig.FINETUNE;
            }
        }

        @Command(name = "evaluate", description = "mIoU, per-class IoU and pixel accuracy on the held-out split.")
        static final class Evaluate extends StageCommand {
            String stage() {
                return DdepConfig.EVALUATE;
            }
        }

        @Command(name = "report", description = "Write report/index.md, summary.json and the PNG plots.")
        static final class Report extends StageCommand {
            String stage() {
                return DdepConfig.REPORT;
            }
        }
    }
}
