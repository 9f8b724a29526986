package org.ddep.stage;

import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigError;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.deeplearning4j.spark.api.TrainingHook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The driver: runs stages in order in one run directory, skipping those with _SUCCESS; a stage
 * that was interrupted resumes from its last checkpoint. The resolved config is written at the
 * first start; a later start with a different config is refused rather than mixing two runs.
 */
public final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    private static final Map<String, Supplier<Stage>> STAGES = Map.of(
            DdepConfig.PREP, PrepStage::new,
            DdepConfig.PRETRAIN_ENCODER, PretrainEncoderStage::new,
            DdepConfig.PRETRAIN_DECODER, PretrainDecoderStage::new,
            DdepConfig.FINETUNE, FinetuneStage::new,
            DdepConfig.EVALUATE, EvaluateStage::new,
            DdepConfig.REPORT, ReportStage::new);

    private final StageContext ctx;
    private RunLease lease;

    public Pipeline(DdepConfig config, String runDir, SparkSession spark, List<TrainingHook> extraHooks) {
        this.ctx = new StageContext(config, new RunDir(runDir, new HadoopFiles(spark.sparkContext().hadoopConfiguration())),
                spark, extraHooks);
    }

    /** A stage by name, for the CLI. */
    public static Stage stage(String name) {
        Supplier<Stage> s = STAGES.get(name);
        if (s == null) {
            throw new ConfigError("unknown stage " + name + "; known: " + DdepConfig.STAGES);
        }
        return s.get();
    }

    public StageContext context() {
        return ctx;
    }

    /** This pipeline checking, before every stage, that its driver still holds the run directory's lease. */
    public Pipeline guardedBy(RunLease l) {
        this.lease = l;
        return this;
    }

    private void checkLease() {
        if (lease != null) {
            lease.ensureHeld();
        }
    }

    /**
     * Keys that do not change what {@code run} trains: a sweep pins its own settings ({@link Sweep}); the
     * report's samples and measurements can be redrawn over a finished run ({@code ./ddep report --force}); how
     * often epochs checkpoint changes what a crash loses, not what is trained (a run pinned before the key existed
     * resumes under a preset that sets it).
     */
    public static final Set<String> RUN_FREE = Set.of("sweep", "lease", "report", "train.checkpoint-minutes");

    /** Writes config.conf at the first start; refuses a run dir that was started with another config. */
    public void pinConfig() throws IOException {
        pinConfig(RUN_FREE);
    }

    /** Like {@link #pinConfig()}, comparing all keys but those under {@code free}. */
    void pinConfig(Set<String> free) throws IOException {
        RunDir run = ctx.run();
        if (!checkPinned(ctx.config(), run, free)) {
            run.files().writeString(run.configFile(), ctx.config().render());
        }
    }

    /**
     * Whether {@code run} was started (has config.conf); throws {@link ConfigError} if it was started
     * with a config that differs from {@code config} in any key but those under {@code free}.
     */
    public static boolean checkPinned(DdepConfig config, RunDir run, Set<String> free) throws IOException {
        if (!run.files().exists(run.configFile())) {
            return false;
        }
        DdepConfig earlier = ConfigLoader.parse(run.files().readString(run.configFile()), run.configFile());
        if (!without(earlier.redacted(), free).equals(without(config.redacted(), free))) {
            throw new ConfigError("run directory " + run.uri() + " was started with a different config ("
                    + run.configFile() + "); resume it with the same config, or choose another --run-dir");
        }
        return true;
    }

    private static com.typesafe.config.Config without(com.typesafe.config.Config c, Set<String> paths) {
        for (String p : paths) {
            c = c.withoutPath(p);
        }
        return c;
    }

    public void runAll() throws Exception {
        pinConfig();
        boolean ran = false;
        for (String s : ctx.config().stages()) {
            // A report older than a stage that just ran (more seeds, say) is written again.
            ran |= runStage(s, ran && s.equals(DdepConfig.REPORT));
        }
        LOG.info("run finished: report at {}", ctx.run().path("report", "index.md"));
    }

    /**
     * Runs one stage unless it finished earlier (or {@code force}); writes its _SUCCESS last. A finished
     * {@code finetune} or {@code evaluate} whose runs are not all there (seeds added since) runs again for them.
     *
     * @return whether the stage ran
     */
    public boolean runStage(String name, boolean force) throws Exception {
        checkLease();
        Stage stage = stage(name);
        String dir = ctx.run().stage(name);
        if (!force && ctx.run().done(dir)) {
            if (!PER_FRACTION.contains(name) || complete(name)) {
                LOG.info("stage {}: finished earlier (_SUCCESS), skipped", name);
                return false;
            }
            LOG.info("stage {}: finished earlier, but not for every seed of sweep.seeds: running the new ones", name);
        }
        run(stage, name, ctx);
        ctx.run().markDone(dir);
        return true;
    }

    /** The stages that run once per label fraction ({@code --label-fraction}). */
    public static final List<String> PER_FRACTION = List.of(DdepConfig.FINETUNE, DdepConfig.EVALUATE);

    /**
     * Runs {@code finetune} or {@code evaluate} for one label fraction of the config. The stage's
     * _SUCCESS is written once every fraction's part is there, whichever task finished last.
     */
    public void runStage(String name, double labelFraction, boolean force) throws Exception {
        if (!PER_FRACTION.contains(name)) {
            throw new ConfigError("--label-fraction applies to " + PER_FRACTION + ", not to " + name);
        }
        checkLease();
        DdepConfig one = ctx.config().withLabelFraction(labelFraction);
        String dir = ctx.run().stage(name);
        if (!force && ctx.run().done(dir)) {
            LOG.info("stage {}: finished earlier (_SUCCESS), skipped", name);
            return;
        }
        run(stage(name), name + " (label fraction " + labelFraction + ")", ctx.with(one));
        if (complete(name)) {
            ctx.run().markDone(dir);
        }
    }

    private boolean complete(String name) throws IOException {
        for (FinetuneRun r : FinetuneRun.all(ctx.config())) {
            String part = name.equals(DdepConfig.FINETUNE) ? HadoopFiles.join(r.dir(ctx.run(), name), RunDir.SUCCESS)
                    : HadoopFiles.join(r.dir(ctx.run(), name), EvaluateStage.METRICS);
            if (!ctx.files().exists(part)) {
                return false;
            }
        }
        return true;
    }

    private static void run(Stage stage, String label, StageContext c) throws Exception {
        long t0 = System.nanoTime();
        LOG.info("stage {}: starting", label);
        c.sc().setJobGroup(stage.name(), "ddep stage " + label, false);
        try {
            stage.run(c);
        } finally {
            c.sc().clearJobGroup();
        }
        LOG.info("stage {}: done in {} s", label, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }
}
