package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.EvalSettings;
import org.ddep.config.PrepSettings;
import org.ddep.config.StageSchedule;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.ModelSummary;
import org.ddep.model.Parts;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardSchema;
import org.ddep.train.CosineDecay;
import org.ddep.train.SparkTrainer;
import org.ddep.train.WorkerMemory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code ddep run} would do with a config, worked out without Spark (`ddep plan`): per stage
 * the data and its size (from the shard manifests), the schedule DL4J's parameter averaging will
 * follow, the bytes each averaging round moves and an estimate of a worker's memory. Problems that
 * would stop the run later (a missing manifest no prep source makes, a missing checkpoint to
 * import) are collected, not thrown, so the whole plan still prints.
 */
public final class RunPlan {
    /** Class counts of the paper's datasets (PAPER.md "Dataset facts"), used when no manifest is there yet. */
    private static final Map<String, Integer> PAPER_CLASSES = Map.of("imagenet21k", 21_841, "cityscapes", 19,
            "ade20k", 150, "pascal-context", 59);

    private final DdepConfig c;
    private final RunDir run;
    private final String shardsRoot;
    private final StringBuilder out = new StringBuilder();
    private final List<String> problems = new ArrayList<>();
    private final Map<Head, ModelSummary> models = new HashMap<>();

    public record Result(String text, List<String> problems) {
    }

    private RunPlan(DdepConfig c, RunDir run) {
        this.c = c;
        this.run = run;
        this.shardsRoot = c.data().shards().isBlank() ? run.path("shards") : c.data().shards();
    }

    public static Result of(DdepConfig config, RunDir run) throws IOException {
        RunPlan p = new RunPlan(config, run);
        p.render();
        return new Result(p.out.toString(), List.copyOf(p.problems));
    }

    private void render() throws IOException {
        boolean started = Pipeline.checkPinned(c, run, Pipeline.RUN_FREE);
        line("run directory %s (%s)", run.uri(), started ? "started: finished stages are skipped" : "not started");
        line("shards %s", shardsRoot);
        line("model %s, decoder width %dx; %d workers, averaging every %d minibatches", c.model().arch(),
                c.model().decoderWidth(), c.train().workers(), c.train().averagingFrequency());
        for (String stage : c.stages()) {
            out.append('\n');
            String done = run.done(run.stage(stage)) ? " (finished earlier: skipped)" : "";
            switch (stage) {
                case DdepConfig.PREP -> prep(done);
                case DdepConfig.PRETRAIN_ENCODER -> encoder(done);
                case DdepConfig.PRETRAIN_DECODER -> {
                    Optional<Manifest> m = manifest(c.data().pretrainDataset());
                    line("%s%s: denoising, encoder frozen, noise %s sigma %s, predicting %s", stage, done,
                            lower(c.noise().kind()), c.noise().sigma(), lower(c.noise().target()));
                    training(stage, c.data().pretrainDataset(), c.data().trainSplit(),
                            m.map(x -> x.count(c.data().trainSplit())), c.decoder(), Head.denoise(), false);
                }
                case DdepConfig.FINETUNE -> finetune(done);
                case DdepConfig.EVALUATE -> evaluate(done);
                default -> line("%s%s: %s", stage, done, Pipeline.stage(stage).description());
            }
        }
    }

    private void prep(String done) {
        List<PrepSettings.Source> sources = c.prep().sources();
        line("prep%s: %s", done, sources.isEmpty() ? "nothing to shard (shards made elsewhere)" : sources.size() + " source(s)");
        for (PrepSettings.Source s : sources) {
            line("  %s (%s) from %s, splits %s", s.name(), s.layout(), s.input(), s.splits());
        }
    }

    private void encoder(String done) throws IOException {
        String from = c.encoderImport();
        if (!from.isEmpty()) {
            boolean there = run.files().exists(from);
            line("pretrain-encoder%s: imported from %s (%s)", done, from, there ? "found" : "NOT FOUND");
            if (!there && done.isEmpty()) {
                problems.add("ddep.pretrain-encoder.import-from = " + from + ": no such file; the pretrain-encoder "
                        + "stage would fail");
            }
            return;
        }
        String dataset = c.data().pretrainDataset();
        Optional<Manifest> m = manifest(dataset);
        line("pretrain-encoder%s: supervised classification", done);
        int classes = classes(dataset, m);
        training(DdepConfig.PRETRAIN_ENCODER, dataset, c.data().trainSplit(), m.map(x -> x.count(c.data().trainSplit())),
                c.encoder(), Head.classify(classes), true);
    }

    private void finetune(String done) throws IOException {
        String dataset = c.data().segmentationDataset();
        Optional<Manifest> m = manifest(dataset);
        StageSchedule s = c.finetune().schedule();
        line("finetune%s: variants %s at label fractions %s, each a run of its own", done, c.finetune().variants(),
                c.finetune().labelFractions());
        Head head = Head.segment(classes(dataset, m));
        for (double f : c.finetune().labelFractions()) {
            // label_key is a hash in [0, 1): a fraction f selects about f of the labelled images.
            Optional<Long> rows = m.map(x -> Math.round(labelled(x, c.data().trainSplit()) * f));
            long round = (long) s.globalBatch() * c.train().averagingFrequency();
            Optional<Long> perEpoch = rows.map(n -> n == 0 ? 0 : n * Math.max(1, (round + n - 1) / n));
            line("  fraction %s: about %s labelled images%s", f, rows.map(RunPlan::count).orElse("an unknown number of"),
                    perEpoch.filter(n -> rows.get() > 0 && n > rows.get())
                            .map(n -> ", repeated to " + count(n) + " to fill an averaging round").orElse(""));
            training("finetune f" + f, dataset, c.data().trainSplit(), perEpoch, s, head, true);
        }
    }

    private void evaluate(String done) throws IOException {
        String dataset = c.data().segmentationDataset();
        Optional<Manifest> m = manifest(dataset);
        int crop = c.finetune().schedule().imageSize();
        EvalSettings.Protocol p = c.evaluate().forLayout(m.map(Manifest::layout).orElse(dataset), crop);
        line("evaluate%s: %s split %s, %s images, %d fine-tuned model(s)", done, dataset, c.data().evalSplit(),
                m.map(x -> count(x.count(c.data().evalSplit()))).orElse("unknown"),
                c.finetune().labelFractions().size() * c.finetune().variants().size());
        line("  test-time augmentation: %s", p.describe());
        m.map(Manifest::imageSize).ifPresent(size -> line("  forward passes per image of the mean size %.0fx%.0f: %d",
                size.meanHeight(), size.meanWidth(), passes(p, size.meanHeight(), size.meanWidth())));
    }

    private static long labelled(Manifest m, String split) {
        return m.labelledCounts() == null ? m.count(split) : m.labelledCounts().getOrDefault(split, m.count(split));
    }

    static int passes(EvalSettings.Protocol p, double height, double width) {
        int n = 0;
        for (double s : p.scales()) {
            n += windows(p, (int) Math.round(height * s)) * windows(p, (int) Math.round(width * s));
        }
        return n * (p.flip() ? 2 : 1);
    }

    private static int windows(EvalSettings.Protocol p, int side) {
        return !p.slidingWindow() || side <= p.window() ? 1 : (side - p.window() + p.stride() - 1) / p.stride() + 1;
    }

    private void training(String label, String dataset, String split, Optional<Long> rows, StageSchedule s, Head head,
                          boolean encoderTrains) {
        int workers = c.train().workers();
        line("  data %s split %s: %s", dataset, split, rows.map(n -> count(n) + " examples per epoch")
                .orElse("unknown (no manifest at " + ShardSchema.manifestPath(shardsRoot, dataset) + ")"));
        line("  epochs %d, global batch %d = %d workers x %d, %d minibatches per worker between averages",
                s.epochs(), s.globalBatch(), workers, s.batchPerWorker(workers), c.train().averagingFrequency());
        int roundsPerEpoch = 0;
        if (rows.isPresent() && rows.get() > 0) {
            SparkTrainer.Plan plan = new SparkTrainer.Plan(label, s.epochs(), s.globalBatch(), workers,
                    c.train().averagingFrequency(), 0, s.learningRate(), c.seed(), true, rows.get(), 1,
                    c.train().chunkRounds(), c.train().checkpointRounds(), c.train().checkpointMinutes());
            int total = plan.totalIterations();
            roundsPerEpoch = plan.roundsPerEpoch();
            line("  rounds per epoch %s, iterations %s per epoch, %s in all", count(plan.roundsPerEpoch()),
                    count(plan.iterationsPerEpoch()), count(total));
            int last = total - 1;   // updates are numbered 0 .. total - 1; the rate reaches 0 at the last
            CosineDecay schedule = plan.schedule();
            line("  learning rate (Adam, cosine decay): %s at iteration 0, %s at %s, %s at %s (the last update)",
                    rate(schedule.valueAt(0, 0)), rate(schedule.valueAt(last / 2, 0)), count(last / 2),
                    rate(schedule.valueAt(last, 0)), count(last));
            long round = (long) workers * s.batchPerWorker(workers) * c.train().averagingFrequency();
            long lastRound = rows.get() - (plan.roundsPerEpoch() - 1L) * round;
            if (lastRound < round) {
                line("  every example once per epoch; the last round holds %s of %s examples", count(lastRound),
                        count(round));
            }
        } else {
            line("  rounds and iterations: unknown without the row count; learning rate (Adam, cosine decay) %s at "
                    + "iteration 0 to 0 at the last", rate(s.learningRate()));
        }
        ModelSummary m = summary(head);
        long encoder = m.parameters().getOrDefault(Parts.ENCODER.substring(0, Parts.ENCODER.length() - 1), 0L);
        long trainable = encoderTrains ? m.total() : m.total() - encoder;
        // A frozen encoder is broadcast once per stage and never averaged (EncoderSplit): a round moves
        // the trainable parameters and their two Adam moments only, which are also what a checkpoint holds.
        long perWorker = 4 * 3 * trainable;
        line("  parameters %s (%s trainable%s, %s head with %d outputs)", count(m.total()), count(trainable),
                encoderTrains ? "" : ", encoder frozen", head.kind().name().toLowerCase(), head.outputs());
        line("  moved per averaging round: %s to and %s from each worker (the trainable parameters + Adam's two "
                + "moments, float32), %s for all %d workers%s", bytes(perWorker), bytes(perWorker),
                bytes(2 * perWorker * workers), workers, encoderTrains ? "" : String.format(
                        "; the frozen encoder (%s) is broadcast once per stage", bytes(4 * (m.total() - trainable))));
        double minutes = c.train().checkpointMinutes();
        int everyRounds = c.train().checkpointRounds();
        line("  checkpoints: %s each (parameters + Adam's two moments, float32); %s%s", bytes(perWorker),
                minutes > 0 ? String.format("at epoch ends at most one per %s min, the last epoch always",
                        java.math.BigDecimal.valueOf(minutes).stripTrailingZeros().toPlainString())
                        : "after every epoch (" + s.epochs() + ")",
                everyRounds > 0 ? ", and every " + everyRounds + " rounds inside an epoch" : "");
        if (minutes == 0 && roundsPerEpoch > 0 && roundsPerEpoch <= 2 && s.epochs() > 10) {
            line("  epochs of %d round%s: a checkpoint after each may take longer than the epoch; "
                    + "train.checkpoint-minutes bounds how often they are written", roundsPerEpoch,
                    roundsPerEpoch == 1 ? "" : "s");
        }
        WorkerMemory.Reference ref = WorkerMemory.Reference.of(c.model().isTransUnet(), encoderTrains);
        WorkerMemory mem = WorkerMemory.estimate(m.total(), trainable, s.batchPerWorker(workers), s.imageSize(), ref);
        line("  worker memory at batch %d, %dx%d: ESTIMATE %s (model state %s + activations %s, scaled linearly in "
                        + "pixels from docs/benchmarks.md's CPU figure, %s; measure with ddep step-benchmark)",
                s.batchPerWorker(workers), s.imageSize(), s.imageSize(), bytes(mem.total()), bytes(mem.stateBytes()),
                bytes(mem.activationBytes()), ref.source());
    }

    private ModelSummary summary(Head head) {
        return models.computeIfAbsent(head, h -> ModelSummary.of(ModelFactory.create(c.model(), h, new CosineDecay(1e-4, 1),
                c.seed())));
    }

    private int classes(String dataset, Optional<Manifest> m) {
        if (m.isPresent()) {
            return m.get().numClasses();
        }
        Integer n = PAPER_CLASSES.get(dataset);
        line("  classes: %s", n == null ? "unknown without a manifest (planned with 2)" : n + " (PAPER.md; no manifest yet)");
        return n == null ? 2 : n;
    }

    private Optional<Manifest> manifest(String dataset) throws IOException {
        String uri = ShardSchema.manifestPath(shardsRoot, dataset);
        if (run.files().exists(uri)) {
            return Optional.of(Manifest.read(run.files().conf(), uri));
        }
        {
            boolean prepared = c.stages().contains(DdepConfig.PREP)
                    && c.prep().sources().stream().anyMatch(s -> s.name().equals(dataset));
            String problem = "no shards of " + dataset + " (" + uri + ")" + (prepared ? "" : " and no prep source "
                    + "makes them: the run would fail; make them with ./ddep prep --dataset ... --output " + shardsRoot);
            if (!prepared && !problems.contains(problem)) {
                problems.add(problem);
            }
            return Optional.empty();
        }
    }

    private void line(String format, Object... args) {
        out.append(String.format(format, args)).append('\n');
    }

    static String rate(double lr) {
        return lr == 0 ? "0" : String.format("%.3g", lr);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase().replace('_', '-');
    }

    static String count(long n) {
        return String.format("%,d", n);
    }

    public static String bytes(long b) {
        return b >= 1L << 30 ? String.format("%.1f GiB", b / (double) (1L << 30))
                : String.format("%.0f MiB", b / (double) (1L << 20));
    }
}
