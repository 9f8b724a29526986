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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
        config = TinyRun.config();
        pipeline = TinyRun.pipeline(dir, config, List.of(new WorkerRecorder("dec_0_conv1")));
        pipeline.runAll();
    }

    @Test
    void everyStageSucceedsAndTheReportIsWritten() throws Exception {
        for (String s : DdepConfig.STAGES) {
            assertTrue(Files.exists(dir.resolve(s).resolve("_SUCCESS")), s);
        }
        Path report = dir.resolve("report");
        for (String f : List.of("index.md", "summary.json", "loss-pretrain-encoder.png", "loss-pretrain-decoder.png",
                "loss-finetune.png", "denoising.png", "predictions.png")) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
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
        ComputationGraph epoch1 = cp.load(new Checkpoints.State(1, 0, "epoch-0001.zip"));
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

    @Test
    void workersApplyTheCosineScheduleAcrossAveragingRoundsAndKeepAdamMoments() {
        // Decoder pretraining: 2 epochs of rounds; the hook recorded what each worker applied.
        var plan = Training.plan(pipeline.context(), "pretrain-decoder", config.decoder(),
                pipeline.context().shards().split("demo-pretrain", "train").count(), 1);
        // Updates of decoder pretraining (the 3-channel denoising head).
        List<WorkerRecorder.Update> dec = WorkerRecorder.UPDATES.stream().filter(u -> u.headOutputs() == 3)
                .collect(Collectors.toList());
        int maxIt = dec.stream().mapToInt(WorkerRecorder.Update::iteration).max().orElse(0);
        assertTrue(maxIt >= config.train().averagingFrequency(),
                "worker iteration counters restart every round: max seen " + maxIt);
        // Every update a worker made in decoder pretraining used lr(t) of the stage's cosine schedule.
        for (WorkerRecorder.Update u : dec) {
            assertEquals(CosineDecay.at(config.decoder().learningRate(), plan.totalIterations(), u.iteration()), u.lr(), 1e-12,
                    "worker learning rate off the cosine schedule at iteration " + u.iteration());
        }
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
        assertNotEquals(0, dec.size());
    }
}
