package org.ddep.cli;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigError;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.config.ModelSpec;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.ModelSummary;
import org.ddep.prep.Layouts;
import org.ddep.prep.Manifest;
import org.ddep.prep.PixelStorage;
import org.ddep.prep.PrepJob;
import org.ddep.prep.Resize;
import org.ddep.prep.ShardSchema;
import org.ddep.stage.DemoData;
import org.ddep.stage.Pipeline;
import org.ddep.stage.RunLease;
import org.ddep.stage.Sparks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The ddep command line: {@code run}, {@code demo}, and one command per stage. The same class is
 * the {@code spark-submit --class} entry point.
 */
@Command(name = "ddep", mixinStandardHelpOptions = true, version = "ddep " + org.ddep.prep.Version.VALUE,
        description = "Decoder Denoising Pretraining for semantic segmentation on Spark.",
        subcommands = {Main.Run.class, Main.Demo.class, Main.Summary.class, Main.ImportEncoder.class,
                SweepCommand.class, PredictCommand.class, StepBenchmarkCommand.class, PlanCommand.class,
                BackendCommand.class})
public final class Main {
    /** Exit code of a driver that found its run directory held by another driver. */
    public static final int RUN_DIR_IN_USE = 3;

    public static void main(String[] args) {
        int code = execute(args);
        if (System.getProperty(YARN_APPLICATION) != null) {
            // The driver inside a YARN ApplicationMaster (cluster mode): System.exit, even exit(0), makes
            // the AM report FAILED ("Shutdown hook called before final status was reported"). Return
            // to report success; throw to report failure (and let YARN try another attempt).
            if (code != 0) {
                throw new IllegalStateException("ddep " + String.join(" ", args) + " failed with exit code " + code);
            }
            return;
        }
        System.exit(code);
    }

    /** Set by Spark's YARN ApplicationMaster when it runs this class as the driver (cluster mode). */
    static final String YARN_APPLICATION = "spark.yarn.app.id";

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The whole command line: {@code run}, {@code demo}, {@code model-summary} and one command per stage. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (String stage : DdepConfig.STAGES) {
            CommandLine sub = new CommandLine(stage.equals(DdepConfig.PREP) ? new PrepCommand() : new StageCommand(stage));
            sub.getCommandSpec().usageMessage().description(Pipeline.stage(stage).description());
            cl.addSubcommand(stage, sub);
        }
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigError) {
                cmd.getErr().println("ddep: " + e.getMessage());
                return 2;
            }
            if (e instanceof RunLease.RunDirInUse) {
                cmd.getErr().println("ddep: " + e.getMessage());
                return RUN_DIR_IN_USE;
            }
            if (ShutdownHookManager.get().isShutdownInProgress()) {
                // Mostly a SIGTERM (a scheduler, YARN preemption, kill) or Ctrl-C: what failed is then the fallout of
                // the stop (a stopped SparkContext, closed file systems). One line, since the lease hook said why.
                cmd.getErr().println("ddep: " + cmd.getCommandName() + " stopped while the JVM shut down: " + e);
                return 1;
            }
            cmd.getErr().println("ddep: " + cmd.getCommandName() + " failed: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }

    /** Options every command shares. */
    static final class Common {
        @Option(names = "--config", description = "HOCON config file (over conf/reference.conf).")
        Path config;

        @Option(names = "--set", description = "Override one key, e.g. --set train.workers=4 (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--run-dir", description = "Run directory (any Hadoop URI).", defaultValue = "runs/default")
        String runDir;

        @Option(names = "--take-over", description = "Take the run directory's lease from the driver named in "
                + "<run>/_LOCK, which you know is dead (otherwise a second driver refuses to start).")
        boolean takeOver;

        /**
         * Validates the config, then starts Spark: a bad config fails before any Spark work. Holds the
         * run directory's lease (one driver per run directory) while {@code action} runs.
         */
        int withPipeline(DdepConfig cfg, PipelineAction action) throws Exception {
            SparkSession spark = Sparks.session(cfg.spark());
            try {
                String run = absolute(runDir);
                Pipeline p = new Pipeline(cfg, run, spark, List.of());
                SparkContext sc = spark.sparkContext();
                RunLease.Holder self = RunLease.Holder.thisProcess(sc.applicationId(),
                        sc.applicationAttemptId().isDefined() ? sc.applicationAttemptId().get() : "", Instant.now());
                try (RunLease lease = RunLease.acquire(p.context().files(), run, self, cfg.lease(), takeOver,
                        sc::cancelAllJobs)) {
                    // Ctrl-C or a SIGTERM from a scheduler: release before Hadoop closes its file systems. The
                    // hook says why the run stops: the main thread's own message may not get out before the halt.
                    Runnable release = () -> {
                        System.err.println("ddep: the JVM is shutting down before the command finished (a signal such "
                                + "as SIGTERM or Ctrl-C, or an exit elsewhere: see the log above); releasing the run "
                                + "directory's lease. Finished stages and checkpoints are kept: run the same command "
                                + "again to resume.");
                        lease.close();
                    };
                    ShutdownHookManager.get().addShutdownHook(release, FileSystem.SHUTDOWN_HOOK_PRIORITY + 1);
                    try {
                        action.run(p.guardedBy(lease));
                    } catch (Exception e) {
                        lease.ensureHeld();   // a stage cancelled because another driver took the run: say that
                        throw e;
                    } finally {
                        // Once the JVM is shutting down, Hadoop refuses to remove a hook (IllegalStateException),
                        // which would hide why the action stopped; the hook has run or is running anyway.
                        if (!ShutdownHookManager.get().isShutdownInProgress()) {
                            ShutdownHookManager.get().removeShutdownHook(release);
                        }
                    }
                }
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
            return common.withPipeline(ConfigLoader.load(common.config, common.overrides), Pipeline::runAll);
        }
    }

    @Command(name = "demo", description = "Generate the built-in demo data and run the whole pipeline on it (local mode).")
    static final class Demo implements Callable<Integer> {
        @Option(names = "--run-dir", defaultValue = "runs/demo", description = "Run directory (default runs/demo).")
        String runDir;

        @Option(names = "--set", description = "Override one key of the demo config (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--seeds", description = "Fine-tuning seeds of the DDeP/baseline comparison (sweep.seeds; "
                + "demo default 1). Finished seeds are reused.")
        Integer seeds;

        @Option(names = "--take-over", description = "Take the run directory's lease from a driver you know is dead.")
        boolean takeOver;

        @Override
        public Integer call() throws Exception {
            Common c = new Common();
            c.runDir = runDir;
            c.takeOver = takeOver;
            List<String> keys = new ArrayList<>(overrides);
            if (seeds != null) {
                keys.add("sweep.seeds=" + seeds);
            }
            return c.withPipeline(ConfigLoader.loadResource("demo.conf", keys), p -> {
                DemoData.ensure(p.context());
                p.runAll();
                System.out.println("ddep demo: report at " + p.context().run().path("report", "index.md"));
            });
        }
    }

    /**
     * {@code prep}: with {@code --dataset}, shards one dataset from {@code --input} to {@code --output}
     * (no run directory); without it, runs the prep stage of the config's {@code prep.sources}.
     */
    @Command(mixinStandardHelpOptions = true)
    static final class PrepCommand implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--force", description = "Run even if the stage finished earlier (run-dir form).")
        boolean force;

        @Option(names = "--dataset", description = "Source layout: ${COMPLETION-CANDIDATES}.",
                completionCandidates = LayoutNames.class)
        String dataset;

        @Option(names = "--input", description = "Dataset root, any Hadoop URI.")
        String input;

        @Option(names = "--output", description = "Shards root, any Hadoop URI: writes OUTPUT/NAME/split=*/.")
        String output;

        @Option(names = "--name", description = "Shard dataset name (default: the layout name).")
        String name;

        @Option(names = "--splits", split = ",", defaultValue = "train,val", description = "Splits (default train,val).")
        List<String> splits;

        @Option(names = "--max-side", defaultValue = "0", description = "Downscale so the longer side is at most N (0 = off).")
        int maxSide;

        @Option(names = "--short-side", defaultValue = "0", description = "Downscale so the shorter side is at most N (0 = off).")
        int shortSide;

        @Option(names = "--pixels", defaultValue = "encoded", description = "encoded (JPEG/PNG as given) or raw "
                + "(decoded once here: no decoding in training, more bytes per row).")
        String pixels;

        @Override
        public Integer call() throws Exception {
            DdepConfig cfg = ConfigLoader.load(common.config, common.overrides);
            if (dataset == null) {
                return common.withPipeline(cfg, p -> {
                    p.pinConfig();
                    p.runStage(DdepConfig.PREP, force);
                });
            }
            if (input == null || output == null) {
                throw new ConfigError("prep --dataset needs --input and --output");
            }
            PrepJob.Spec spec;
            try {
                Layouts.byName(dataset);
                spec = new PrepJob.Spec(dataset, name == null ? dataset : name, absolute(input), absolute(output),
                        splits, cfg.prep().targetFileBytes(), cfg.prep().maxSkipFraction(), new Resize(maxSide, shortSide),
                        PixelStorage.of(pixels));
            } catch (IllegalArgumentException e) {
                throw new ConfigError("prep: " + e.getMessage());
            }
            SparkSession spark = Sparks.session(cfg.spark());
            try {
                Manifest m = PrepJob.run(spark, spec);
                System.out.printf("ddep prep: %s -> %s (%s rows, %d skipped)%n", input,
                        ShardSchema.datasetPath(spec.output(), spec.name()), m.counts(), m.skipped().size());
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    static final class LayoutNames extends ArrayList<String> {
        LayoutNames() {
            super(Layouts.names());
        }
    }

    @Command(name = "model-summary", mixinStandardHelpOptions = true,
            description = "Print a model's parameter count by part (encoder, decoder, head). No Spark.")
    static final class Summary implements Callable<Integer> {
        @Option(names = "--model", defaultValue = "unet", description = "unet or transunet (default unet).")
        String model;

        @Option(names = "--width", defaultValue = "1", description = "Decoder width multiplier 1, 2 or 3.")
        int width;

        @Option(names = "--base", defaultValue = "32", description = "UNet base channels.")
        int base;

        @Option(names = "--depth", defaultValue = "4", description = "UNet levels below the top.")
        int depth;

        @Option(names = "--head", defaultValue = "denoise", description = "denoise, or the number of classes.")
        String head;

        @Option(names = "--set", description = "Any other model key, e.g. --set model.transunet.layers=2.")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> keys = new ArrayList<>(List.of("model.arch=" + model, "model.decoder-width=" + width,
                    "model.unet.base-channels=" + base, "model.unet.depth=" + depth));
            keys.addAll(overrides);
            ModelSpec spec = ConfigLoader.load(null, keys).model();
            Head h = head.equals("denoise") ? Head.denoise() : Head.segment(Integer.parseInt(head));
            var net = ModelFactory.create(spec, h, new org.ddep.train.CosineDecay(1e-4, 1), 0);
            String shape = spec.isTransUnet()
                    ? String.format("R50 units %s + ViT %dx%d, %d heads, MLP %d", spec.transunet().resnetUnits(),
                    spec.transunet().hidden(), spec.transunet().layers(), spec.transunet().heads(), spec.transunet().mlp())
                    : String.format("base %d, depth %d", base, depth);
            System.out.print(ModelSummary.of(net).render(String.format("%s width %dx (%s), %s head",
                    spec.arch(), width, shape, head)));
            return 0;
        }
    }

    /** The pretrain-encoder stage from the public checkpoint instead of training. */
    @Command(name = "import-encoder", mixinStandardHelpOptions = true,
            description = "Import the TransUNet encoder from the ImageNet-21k R50+ViT-B/16 .npz as the "
                    + "pretrain-encoder stage (same as setting ddep.pretrain-encoder.import-from).")
    static final class ImportEncoder implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--from", required = true, description = "The .npz (any Hadoop URI).")
        String from;

        @Option(names = "--force", description = "Import again even if the stage finished earlier.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            List<String> keys = new ArrayList<>(common.overrides);
            keys.add("pretrain-encoder.import-from=\"" + absolute(from) + "\"");
            return common.withPipeline(ConfigLoader.load(common.config, keys), p -> {
                p.pinConfig();
                p.runStage(DdepConfig.PRETRAIN_ENCODER, force);
            });
        }
    }

    /** Runs one stage alone in the run directory. */
    @Command(mixinStandardHelpOptions = true)
    static final class StageCommand implements Callable<Integer> {
        private final String stage;

        @Mixin
        Common common;

        @Option(names = "--force", description = "Run even if the stage finished earlier.")
        boolean force;

        @Option(names = "--label-fraction", description = "finetune/evaluate: only this one of finetune.label-fractions.")
        Double labelFraction;

        StageCommand(String stage) {
            this.stage = stage;
        }

        @Override
        public Integer call() throws Exception {
            DdepConfig cfg = ConfigLoader.load(common.config, common.overrides);
            if (labelFraction != null) {
                if (!Pipeline.PER_FRACTION.contains(stage)) {
                    throw new ConfigError("--label-fraction applies to " + Pipeline.PER_FRACTION + ", not to " + stage);
                }
                cfg.withLabelFraction(labelFraction);   // a fraction the config does not list fails before Spark
            }
            return common.withPipeline(cfg, p -> {
                p.pinConfig();
                if (labelFraction == null) {
                    p.runStage(stage, force);
                } else {
                    p.runStage(stage, labelFraction, force);
                }
            });
        }
    }
}
