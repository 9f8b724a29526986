package org.ddep.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conf/paper: every preset loads and validates, and holds the paper's values (PAPER.md). */
class PaperPresetsTest {
    private static final Path DIR = Path.of(System.getProperty("ddep.sources", "."), "conf", "paper");

    static DdepConfig preset(String name) {
        return ConfigLoader.load(DIR.resolve(name + ".conf"), List.of());
    }

    @Test
    void everyPresetLoadsAndIsAFewLinesOverReferenceConf() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
        }
        assertEquals(16, files.size(), files.toString());
        for (Path f : files) {
            DdepConfig c = ConfigLoader.load(f, List.of());
            assertTrue(c.model().isTransUnet(), f + ": not TransUNet");
            long lines = Files.readAllLines(f).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
            assertTrue(lines <= 25, f + " has " + lines + " lines of settings");
        }
    }

    @ParameterizedTest(name = "{0}-{1}x")
    @CsvSource({
            "cityscapes, 1, 6e-5, 1024", "cityscapes, 2, 1e-4, 1024", "cityscapes, 3, 6e-5, 1024",
            "ade20k, 1, 6e-5, 512", "ade20k, 2, 1e-4, 512", "ade20k, 3, 6e-5, 512",
            "pascal-context, 1, 6e-5, 512", "pascal-context, 2, 1e-4, 512", "pascal-context, 3, 6e-5, 512"})
    void fineTuningPresetHoldsThePapersSettings(String dataset, int width, double lr, int crop) {
        DdepConfig c = preset(dataset + "-" + width + "x");
        assertEquals(DdepConfig.STAGES.subList(1, DdepConfig.STAGES.size()), c.stages());
        assertEquals(dataset, c.data().segmentationDataset());
        assertEquals(width, c.model().decoderWidth());
        assertEquals(lr, c.finetune().schedule().learningRate(), 1e-12);
        assertEquals(FinetuneSettings.paperLearningRate(width), c.finetune().schedule().learningRate(), 1e-12);
        assertEquals(crop, c.finetune().schedule().imageSize());
        assertEquals(512, c.finetune().schedule().globalBatch());
        assertEquals(100, c.finetune().schedule().epochs());
        assertTrue(c.finetune().schedule().flip());
        // epochs of a round or two at low fractions: epoch ends checkpoint at most every 10 minutes
        assertEquals(10, c.train().checkpointMinutes(), 1e-12);
        // decoder denoising on ImageNet-21k at 224, sigma 0.22, scaled additive noise, predicting the noise
        assertEquals("imagenet21k", c.data().pretrainDataset());
        assertEquals(224, c.decoder().imageSize());
        assertEquals(512, c.decoder().globalBatch());
        assertEquals(0.22, c.noise().sigma(), 1e-12);
        assertEquals(NoiseSpec.Kind.SCALED_ADDITIVE, c.noise().kind());
        assertEquals(NoiseSpec.Gamma.FIXED, c.noise().gamma());
        assertEquals("R50+ViT-B_16.npz", c.encoderImport());
        // test-time augmentation as the paper's for the dataset, stated in the preset
        EvalSettings.Protocol tta = c.evaluate().forLayout(dataset, crop);
        assertEquals(tta, c.evaluate().forLayout("folder-pairs", crop), "the preset leaves TTA to the manifest");
        assertTrue(tta.flip());
        assertEquals(dataset.equals("cityscapes") ? List.of(1.0) : EvalSettings.PAPER_MULTI_SCALE, tta.scales());
        assertEquals(crop, tta.window());
        assertEquals(dataset.equals("cityscapes") ? 1024 : 341, tta.stride());
    }

    @Test
    void pretrainingPresetsRunTheirStagesOnImageNet21k() {
        DdepConfig enc = preset("pretrain-encoder-imagenet21k");
        assertEquals(List.of(DdepConfig.PRETRAIN_ENCODER), enc.stages());
        assertEquals("", enc.encoderImport());
        assertEquals(224, enc.encoder().imageSize());
        assertEquals(512, enc.encoder().globalBatch());

        DdepConfig imp = preset("transunet-import");
        assertEquals(List.of(DdepConfig.PRETRAIN_ENCODER), imp.stages());
        assertEquals("R50+ViT-B_16.npz", imp.encoderImport());
        assertEquals(List.of(3, 4, 9), imp.model().transunet().resnetUnits());

        DdepConfig dec = preset("pretrain-decoder-imagenet21k");
        assertEquals(List.of(DdepConfig.PRETRAIN_ENCODER, DdepConfig.PRETRAIN_DECODER), dec.stages());
        assertEquals(100, dec.decoder().epochs());
        assertEquals(224, dec.decoder().imageSize());
        assertEquals("imagenet21k", dec.data().pretrainDataset());
    }

    @Test
    void aPresetCopiedAloneStillLoadsBecauseItIncludesFromTheClasspath(@TempDir Path dir) throws Exception {
        // spark-submit --files and a Kubernetes config map ship the one file, without its neighbours.
        Path copy = Files.copy(DIR.resolve("ade20k-2x.conf"), dir.resolve("my-exp.conf"));
        DdepConfig c = ConfigLoader.load(copy, List.of("train.workers=8"));
        assertEquals("ade20k", c.data().segmentationDataset());
        assertEquals(2, c.model().decoderWidth());
        assertEquals(8, c.train().workers());
    }
}
