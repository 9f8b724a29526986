package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.model.Parts;
import org.ddep.model.Weights;
import org.ddep.testing.TinyRun;
import org.ddep.testing.WorkerRecorder;
import org.ddep.train.Checkpoints;
import org.ddep.train.CosineDecay;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline in Spark local mode with two parameter-averaging workers, on generated data. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineEndToEndTest {
    Path dir;
    Pipeline pipeline;
    DdepConfig config;

    @BeforeAll
    void runPipeline(@TempDir Path tmp) throws Exception {
        dir = tmp;
        WorkerRecorder.UPDATES.clear();
        // 36 pretraining scenes: 2 full rounds of 16 and one of 4; the labelled half of 42 scenes does not
        // fill whole fine-tuning rounds of 8 either (asserted below).
        config = TinyRun.config("demo.pretrain-images=36", "demo.train-images=42");
        pipeline = TinyRun.pipeline(dir, config, List.of(new WorkerRecorder()));
        pipeline.runAll();
    }

    @Test
    void everyStageSucceedsAndTheReportIsWritten() throws Exception {
        for (String s : DdepConfig.STAGES) {
            assertTrue(Files.exists(dir.resolve(s).resolve("_SUCCESS")), s);
        }
        Path report = dir.resolve("report");
        for (String f : List.of("index.md", "summary.json", "loss-pretrain-encoder.png", "loss-pretrain-decoder.png",
                "loss-finetune.png", "denoising.png", "predictions.png", DecoderPathsReport.CSV)) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
        // What the pretrained decoder uses: every pretraining image (36, fewer than the 256 asked for), the
        // depth-2 UNet's three features: none cut, each one, every skip, all.
        List<String> paths = Files.readAllLines(report.resolve(DecoderPathsReport.CSV));
        assertEquals(1 + 6, paths.size(), paths.toString());
        for (String line : paths.subList(1, paths.size())) {
            String[] f = line.split(",");
            assertEquals("36", f[2], line);
            assertTrue(Double.parseDouble(f[3]) > 0 && Double.isFinite(Double.parseDouble(f[3])), line);
        }
        assertTrue(paths.get(1).startsWith("none,,36,"), paths.get(1));
        assertTrue(paths.stream().anyMatch(l -> l.startsWith("deepest features,enc_2_bn2_relu,")), paths.toString());
        assertTrue(Files.readString(report.resolve("index.md")).contains("## What the pretrained decoder uses"));
        List<?> summary = new ObjectMapper().readValue(report.resolve("summary.json").toFile(), List.class);
        assertEquals(2, summary.size());
        for (Object o : summary) {
            Map<?, ?> row = (Map<?, ?>) o;
            double miou = ((Number) row.get("miou")).doubleValue();
            assertTrue(miou >= 0 && miou <= 1, row.toString());
            assertEquals(0.5, ((Number) row.get("label_fraction")).doubleValue());
        }
        assertTrue(Files.readString(dir.resolve("config.conf")).contains("demo-seg"));
        String metrics = Files.readString(dir.resolve("pretrain-decoder").resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"examples_per_s\"") && metrics.contains("\"lr\"") && metrics.contains("\"eta_s\""));
    }

    @Test
    void oneLabelFractionRunsAloneAndCompletesItsStage() throws Exception {
        // What an Airflow task per fraction does: evaluate only f=0.5, after its results were lost.
        Path evaluate = dir.resolve(DdepConfig.EVALUATE);
        Files.delete(evaluate.resolve("_SUCCESS"));
        Files.delete(evaluate.resolve("ddep-f0.5").resolve("metrics.json"));
        pipeline.runStage(DdepConfig.EVALUATE, 0.5, false);
        assertTrue(Files.exists(evaluate.resolve("ddep-f0.5").resolve("metrics.json")));
        assertTrue(Files.exists(evaluate.resolve("_SUCCESS")), "every fraction evaluated: the stage is done");
        // Fine-tuning of a finished fraction is skipped, not repeated.
        long before = Files.getLastModifiedTime(dir.resolve("finetune/ddep-f0.5/model.zip")).toMillis();
        pipeline.runStage(DdepConfig.FINETUNE, 0.5, false);
        assertEquals(before, Files.getLastModifiedTime(dir.resolve("finetune/ddep-f0.5/model.zip")).toMillis());
        assertThrows(ConfigError.class, () -> pipeline.runStage(DdepConfig.EVALUATE, 0.3, false));
        assertThrows(ConfigError.class, () -> pipeline.runStage(DdepConfig.PRETRAIN_DECODER, 0.5, false));
    }

    @Test
    void frozenEncoderIsBitIdenticalWhileTheDecoderLearns() throws Exception {
        HadoopFiles files = pipeline.context().files();
        ComputationGraph encoder = Models.load(files, pipeline.context().run().stage(DdepConfig.PRETRAIN_ENCODER), "test");
        Checkpoints cp = new Checkpoints(files, pipeline.context().run().path(DdepConfig.PRETRAIN_DECODER, "checkpoints"));
        ComputationGraph epoch1 = cp.load(new Checkpoints.State(1, 0, 0, "epoch-0001.zip"));
        ComputationGraph decoder = Models.load(files, pipeline.context().run().stage(DdepConfig.PRETRAIN_DECODER), "test");
        assertTrue(Weights.isFrozen(decoder, Parts.ENCODER));
        Map<String, INDArray> before = Weights.snapshot(encoder, Parts.ENCODER);
        Map<String, INDArray> after = Weights.snapshot(decoder, Parts.ENCODER);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertEquals(v, after.get(k), "frozen encoder parameter " + k + " changed"));
        Map<String, INDArray> dec1 = Weights.snapshot(epoch1, Parts.DECODER);
        Map<String, INDArray> dec2 = Weights.snapshot(decoder, Parts.DECODER);
        assertTrue(dec1.keySet().stream().anyMatch(k -> !dec1.get(k).equals(dec2.get(k))), "decoder did not change");
    }

    @Test
    void finetuningChangesEncoderAndDecoder() throws Exception {
        HadoopFiles files = pipeline.context().files();
        ComputationGraph pre = Models.load(files, pipeline.context().run().stage(DdepConfig.PRETRAIN_DECODER), "test");
        ComputationGraph tuned = Models.load(files, FinetuneRun.of(config, "ddep", 0.5).dir(pipeline.context().run(),
                DdepConfig.FINETUNE), "test");
        for (String part : List.of(Parts.ENCODER, Parts.DECODER)) {
            Map<String, INDArray> a = Weights.snapshot(pre, part);
            Map<String, INDArray> b = Weights.snapshot(tuned, part);
            assertTrue(a.keySet().stream().filter(k -> k.endsWith("_W")).allMatch(k -> !a.get(k).equals(b.get(k))),
                    part + " weights must all change in fine-tuning");
        }
    }

    /** Every stage: the updates its workers applied, the cosine rate they applied, and the driver's count. */
    @ParameterizedTest
    @ValueSource(strings = {WorkerRecorder.CLASSIFY, WorkerRecorder.DENOISE, WorkerRecorder.SEGMENT})
    void workersApplyTheCosineScheduleToZeroAtTheStagesLastUpdate(String head) throws Exception {
        HadoopFiles files = pipeline.context().files();
        var ctx = pipeline.context();
        String dir;
        SparkTrainer.Plan plan;
        if (head.equals(WorkerRecorder.CLASSIFY)) {
            dir = ctx.run().stage(DdepConfig.PRETRAIN_ENCODER);
            plan = Training.plan(ctx, DdepConfig.PRETRAIN_ENCODER, config.encoder(),
                    ctx.shards().classified("demo-pretrain", "train").count(), 1);
        } else if (head.equals(WorkerRecorder.DENOISE)) {
            dir = ctx.run().stage(DdepConfig.PRETRAIN_DECODER);
            plan = Training.plan(ctx, DdepConfig.PRETRAIN_DECODER, config.decoder(),
                    ctx.shards().split("demo-pretrain", "train").count(), 1);
        } else {
            dir = FinetuneRun.of(config, "ddep", 0.5).dir(ctx.run(), DdepConfig.FINETUNE);
            plan = Training.plan(ctx, DdepConfig.FINETUNE, config.finetune().schedule(),
                    ctx.shards().labelled("demo-seg", "train", 0.5).count(), 1);
        }
        // The sizes are chosen so that no stage's epoch divides into whole rounds.
        assertNotEquals(0, plan.examplesPerEpoch() % plan.rounds().roundRows(), head + ": epoch of " + plan.examplesPerEpoch()
                + " divides into rounds");
        int total = plan.totalIterations();
        assertEquals(plan.epochs() * (long) plan.rounds().iterationsPerEpoch(), total);
        assertEquals(total, Models.load(files, dir, "test").getIterationCount(), head + ": driver's iteration count");

        List<WorkerRecorder.Update> updates = WorkerRecorder.of(head);
        // Every update 0 .. total-1 was applied by some worker, and none beyond.
        assertEquals(IntStream.range(0, total).boxed().collect(Collectors.toSet()),
                updates.stream().map(WorkerRecorder.Update::iteration).collect(Collectors.toSet()), head);
        double peak = head.equals(WorkerRecorder.CLASSIFY) ? config.encoder().learningRate()
                : head.equals(WorkerRecorder.DENOISE) ? config.decoder().learningRate() : config.finetune().schedule().learningRate();
        for (WorkerRecorder.Update u : updates) {
            assertEquals(CosineDecay.at(peak, total - 1, u.iteration()), u.lr(), 1e-12,
                    head + ": worker learning rate off the cosine schedule at iteration " + u.iteration());
        }
        assertEquals(peak, updates.stream().filter(u -> u.iteration() == 0).findFirst().orElseThrow().lr(), 1e-12);
        assertEquals(0.0, updates.stream().filter(u -> u.iteration() == total - 1).findFirst().orElseThrow().lr(), 1e-12,
                head + ": the last update's learning rate");
        // Every example of every epoch, once: the examples fitted add up to epochs x rows (per fine-tune variant).
        int runs = head.equals(WorkerRecorder.SEGMENT) ? config.finetune().variants().size() : 1;
        assertEquals(runs * plan.epochs() * plan.examplesPerEpoch(),
                updates.stream().mapToLong(WorkerRecorder.Update::examples).sum(), head + ": examples fitted");
    }

    @Test
    void workersCarryCountersAcrossAveragingRoundsAndKeepAdamMoments() {
        List<WorkerRecorder.Update> dec = WorkerRecorder.of(WorkerRecorder.DENOISE);
        int maxIt = dec.stream().mapToInt(WorkerRecorder.Update::iteration).max().orElse(0);
        assertTrue(maxIt >= config.train().averagingFrequency(),
                "worker iteration counters restart every round: max seen " + maxIt);
        assertTrue(dec.stream().mapToInt(WorkerRecorder.Update::epoch).max().orElse(0) >= 1, "epoch counter not carried");
        // Adam's moments: the first update of every round after the first starts from non-zero state.
        List<WorkerRecorder.Update> roundStarts = dec.stream()
                .filter(u -> u.iteration() % config.train().averagingFrequency() == 0).collect(Collectors.toList());
        assertTrue(roundStarts.size() >= 2);
        for (WorkerRecorder.Update u : roundStarts) {
            if (u.iteration() > 0) {
                assertTrue(u.updaterNorm() > 0, "Adam state was reset at the round starting at iteration " + u.iteration());
            }
        }
    }
}
