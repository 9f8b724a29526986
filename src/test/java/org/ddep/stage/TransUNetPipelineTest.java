package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.model.Parts;
import org.ddep.testing.ViTCheckpoints;
import org.ddep.model.Weights;
import org.ddep.testing.TinyRun;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small TransUNet through the real pipeline in Spark local mode with two parameter-averaging
 * workers: encoder imported from a generated R50+ViT checkpoint, decoder denoising pretraining with
 * the encoder frozen, fine-tuning and evaluation. The custom SameDiff layers travel to the workers
 * as JSON configuration and come back averaged.
 */
class TransUNetPipelineTest {

    @Test
    void importedEncoderStaysFrozenThroughSparkDenoisingAndTheRunFinishes(@TempDir Path dir) throws Exception {
        Path npz = dir.resolve("R50+ViT-B_16-small.npz");
        ViTCheckpoints.writeNpz(ViTCheckpoints.checkpoint(ViTCheckpoints.TINY, 2, 2, 7), npz);
        DdepConfig c = TinyRun.config("model.arch=transunet", "model.transunet.resnet-units=[1, 1, 1]",
                "model.transunet.resnet-width=32", "model.transunet.hidden=32", "model.transunet.layers=2",
                "model.transunet.heads=2", "model.transunet.mlp=64", "model.transunet.position-grid=2",
                "pretrain-encoder.import-from=\"" + npz.toUri() + "\"", "demo.pretrain-images=32",
                "pretrain-decoder.epochs=1", "finetune.epochs=1", "finetune.crop=32");
        Path run = dir.resolve("run");
        Pipeline p = TinyRun.pipeline(run, c, List.of());
        p.runAll();
        for (String s : DdepConfig.STAGES) {
            assertTrue(Files.exists(run.resolve(s).resolve("_SUCCESS")), s);
        }
        String importJson = Files.readString(run.resolve("pretrain-encoder").resolve("import.json"));
        assertTrue(importJson.contains("\"cls\""), importJson);
        assertTrue(importJson.matches("(?s).*\"convention\"\\s*:\\s*\"jax\".*"), importJson);

        HadoopFiles files = p.context().files();
        ComputationGraph imported = Models.load(files, run.resolve("pretrain-encoder").toUri().toString(), "test");
        ComputationGraph denoiser = Models.load(files, run.resolve("pretrain-decoder").toUri().toString(), "test");
        Map<String, INDArray> enc = Weights.snapshot(imported, Parts.ENCODER);
        assertTrue(enc.size() > 20);
        enc.forEach((k, v) -> assertEquals(v, denoiser.getParam(k), k + " changed while frozen"));
        assertTrue(denoiser.getConfiguration().toJson().matches("(?s).*\"convention\"\\s*:\\s*\"JAX\".*"),
                "the saved model keeps the checkpoint's convention");
        assertEquals(ViTCheckpoints.checkpoint(ViTCheckpoints.TINY, 2, 2, 7).get("conv_root/kernel"),
                denoiser.getParam("enc_root_conv"));
        ComputationGraph fresh = org.ddep.model.ModelFactory.create(c.model(), org.ddep.model.Head.denoise(),
                new org.ddep.train.CosineDecay(1e-4, 1), c.seed());
        assertNotEquals(fresh.getParam("dec_0_conv1_W"), denoiser.getParam("dec_0_conv1_W"), "decoder did not train");
        assertTrue(Files.size(run.resolve("report").resolve("index.md")) > 0);
    }
}
