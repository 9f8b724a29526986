package org.ddep.cli;

import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.ModelSummary;
import org.ddep.train.CosineDecay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ddep plan}: the figures of a run from the config and the shard manifests, without Spark. */
class PlanCommandTest {
    /** What one CLI invocation printed and returned. */
    record Outcome(int code, String out, String err) {
    }

    static Outcome ddep(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    private static final List<String> SMALL = List.of("model.unet.base-channels=4", "model.unet.depth=2",
            "train.workers=2", "train.averaging-frequency=4", "pretrain-decoder.epochs=10", "pretrain-decoder.batch-size=32",
            "pretrain-decoder.image-size=32", "pretrain-decoder.learning-rate=2e-3", "finetune.batch-size=16",
            "finetune.crop=32", "finetune.epochs=3", "finetune.label-fractions=[0.1]", "finetune.variants=[ddep]");

    private static String[] plan(Path config, Path run, List<String> more) {
        List<String> a = new ArrayList<>(List.of("plan", "--config", config.toString(), "--run-dir", run.toString()));
        for (String s : more) {
            a.add("--set");
            a.add(s);
        }
        return a.toArray(String[]::new);
    }

    private static Path demoConfig() {
        return Path.of(System.getProperty("ddep.sources", "."), "conf", "demo.conf");
    }

    static void manifest(Path shards, String name, String layout, int classes, String counts, String labelled)
            throws Exception {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < classes; i++) {
            names.append(i == 0 ? "" : ",").append("\"c").append(i).append('"');
        }
        Path dir = Files.createDirectories(shards.resolve(name));
        Files.writeString(dir.resolve("_manifest.json"), "{\"dataset\":\"" + name + "\",\"layout\":\"" + layout
                + "\",\"classNames\":[" + names + "],\"counts\":{" + counts + "},\"labelledCounts\":{" + labelled
                + "},\"imageSize\":{\"minHeight\":64,\"maxHeight\":64,\"meanHeight\":64.0,\"minWidth\":96,"
                + "\"maxWidth\":96,\"meanWidth\":96.0}}");
    }

    @Test
    void printsTheScheduleRoundsTrafficAndMemoryFromTheManifests(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        manifest(run.resolve("shards"), "demo-pretrain", "folder-classes", 4, "\"train\":1000", "\"train\":0");
        manifest(run.resolve("shards"), "demo-seg", "folder-pairs", 5, "\"train\":800,\"val\":200", "\"train\":800,\"val\":200");
        Outcome o = ddep(plan(demoConfig(), run, SMALL));
        assertEquals(0, o.code(), o.err() + o.out());
        String out = o.out();
        // pretrain-decoder: 1000 images, 2 workers x 16, every 4 minibatches: ceil(1000 / 128) = 8 rounds, the
        // last one of 104 examples (52 per worker: 4 minibatches), so 7 x 4 + 4 = 32 updates per epoch
        assertTrue(out.contains("data demo-pretrain split train: 1,000 examples per epoch"), out);
        assertTrue(out.contains("epochs 10, global batch 32 = 2 workers x 16, 4 minibatches per worker between averages"), out);
        assertTrue(out.contains("rounds per epoch 8, iterations 32 per epoch, 320 in all"), out);
        assertTrue(out.contains("learning rate (Adam, cosine decay): 0.00200 at iteration 0, 0.00100 at 159, 0 at 319 (the last update)"), out);
        assertTrue(out.contains("every example once per epoch; the last round holds 104 of 128 examples"), out);
        // finetune at 10%: 80 labelled images (80 >= a round of 64: not repeated), 2 rounds: 4 + 1 updates
        assertTrue(out.contains("fraction 0.1: about 80 labelled images\n"), out);
        assertTrue(out.contains("rounds per epoch 2, iterations 5 per epoch, 15 in all"), out);
        // traffic: the trainable parameters + their Adam moments, both ways; the frozen encoder once per stage
        DdepConfig c = ConfigLoader.load(demoConfig(), SMALL);
        ModelSummary denoise = ModelSummary.of(ModelFactory.create(c.model(), Head.denoise(), new CosineDecay(1e-4, 1), 1));
        long trainable = denoise.total() - denoise.parameters().get("enc");
        assertTrue(out.contains(String.format("parameters %,d (%,d trainable, encoder frozen", denoise.total(), trainable)), out);
        long perWorker = 4 * 3 * trainable;
        assertTrue(out.contains("moved per averaging round: " + org.ddep.stage.RunPlan.bytes(perWorker) + " to and"), out);
        assertTrue(out.contains("the frozen encoder (" + org.ddep.stage.RunPlan.bytes(4 * (denoise.total() - trainable))
                + ") is broadcast once per stage"), out);
        assertTrue(out.contains("worker memory at batch 16, 32x32: ESTIMATE"), out);
        assertTrue(out.contains("measure with ddep step-benchmark"), out);
        // a checkpoint is what a round moves to one worker: the trained model's parameters and Adam moments
        assertTrue(out.contains("checkpoints: " + org.ddep.stage.RunPlan.bytes(perWorker) + " each (parameters + Adam's "
                + "two moments, float32); after every epoch (10)"), out);
        Outcome bounded = ddep(plan(demoConfig(), run, java.util.stream.Stream.concat(SMALL.stream(),
                java.util.stream.Stream.of("train.checkpoint-minutes=7.5", "train.checkpoint-rounds=3")).toList()));
        assertEquals(0, bounded.code(), bounded.err() + bounded.out());
        assertTrue(bounded.out().contains("at epoch ends at most one per 7.5 min, the last epoch always, and every 3 "
                + "rounds inside an epoch"), bounded.out());
        // fine-tuning at 10%: epochs of 2 rounds, checkpointed every epoch, with more than 10 epochs: the hint
        Outcome tiny = ddep(plan(demoConfig(), run, java.util.stream.Stream.concat(SMALL.stream(),
                java.util.stream.Stream.of("finetune.epochs=40")).toList()));
        assertTrue(tiny.out().contains("epochs of 2 rounds: a checkpoint after each may take longer than the epoch"),
                tiny.out());
        assertFalse(out.contains("epochs of 2 rounds"), "3 fine-tuning epochs need no hint: " + out);
        // evaluate: 200 images, flip, one scale, a 64x96 image in 32-windows with stride 21: 3 x 5 windows x 2 flips
        assertTrue(out.contains("evaluate: demo-seg split val, 200 images, 1 fine-tuned model(s)"), out);
        assertTrue(out.contains("forward passes per image of the mean size 64x96: 30"), out);
        assertFalse(Files.exists(run.resolve("config.conf")), "plan wrote to the run directory");
    }

    @Test
    void withoutManifestsTheRowCountIsUnknownAndOnlyDataNoPrepMakesIsAProblem(@TempDir Path dir) {
        Path run = dir.resolve("run");
        Outcome withPrep = ddep(plan(demoConfig(), run, SMALL));
        assertEquals(0, withPrep.code(), withPrep.err());
        assertTrue(withPrep.out().contains("split train: unknown (no manifest at "), withPrep.out());
        assertTrue(withPrep.out().contains("rounds and iterations: unknown without the row count"), withPrep.out());

        Outcome noPrep = ddep(plan(demoConfig(), run, concat(SMALL, "stages=[pretrain-encoder, pretrain-decoder]")));
        assertEquals(2, noPrep.code(), noPrep.out());
        assertTrue(noPrep.err().contains("no shards of demo-pretrain") && noPrep.err().contains("./ddep prep"), noPrep.err());
    }

    @Test
    void failsLikeRunOnABadConfig(@TempDir Path dir) {
        String[] bad = plan(demoConfig(), dir.resolve("run"), concat(SMALL, "train.workers=3"));
        Outcome p = ddep(bad);
        bad[0] = "run";
        Outcome r = ddep(bad);
        assertEquals(2, p.code());
        assertEquals(r.code(), p.code());
        assertTrue(p.err().contains("ddep.pretrain-encoder.batch-size = 32 is invalid"), p.err());
        assertEquals(r.err(), p.err());
        assertEquals("", p.out());
    }

    @Test
    void refusesARunDirectoryStartedWithAnotherConfigAsRunWould(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        DdepConfig other = ConfigLoader.load(demoConfig(), concat(SMALL, "seed=7"));
        Files.writeString(run.resolve("config.conf"), other.render());
        Outcome o = ddep(plan(demoConfig(), run, SMALL));
        assertEquals(2, o.code());
        assertTrue(o.err().contains("was started with a different config"), o.err());
        Outcome same = ddep(plan(demoConfig(), run, concat(SMALL, "seed=7")));
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("(started: finished stages are skipped)"), same.out());
        // The report's settings are free: a finished run's report can be redrawn with others.
        Outcome report = ddep(plan(demoConfig(), run, concat(SMALL, "seed=7", "report.samples=3",
                "report.decoder-path-images=16")));
        assertEquals(0, report.code(), report.err());
    }

    @Test
    void aMissingEncoderCheckpointIsAProblem(@TempDir Path dir) {
        Path preset = Path.of(System.getProperty("ddep.sources", "."), "conf", "paper", "transunet-import.conf");
        Outcome o = ddep(plan(preset, dir.resolve("run"), List.of("pretrain-encoder.import-from=" + dir.resolve("none.npz"))));
        assertEquals(2, o.code(), o.out());
        assertTrue(o.out().contains("imported from " + dir.resolve("none.npz") + " (NOT FOUND)"), o.out());
        assertTrue(o.err().contains("ddep.pretrain-encoder.import-from"), o.err());
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }
}
