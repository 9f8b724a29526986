package org.ddep.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @Test
    void referenceCarriesThePapersDefaults() {
        DdepConfig c = ConfigLoader.load(null, List.of());
        assertEquals(0.22, c.noise().sigma());
        assertEquals(NoiseSpec.Kind.SCALED_ADDITIVE, c.noise().kind());
        assertEquals(NoiseSpec.Target.NOISE, c.noise().target());
        assertEquals(NoiseSpec.Gamma.FIXED, c.noise().gamma());
        assertEquals(512, c.decoder().globalBatch());
        assertEquals(224, c.decoder().imageSize());
        assertEquals(512, c.finetune().schedule().globalBatch());
        assertEquals(100, c.finetune().schedule().epochs());
        assertEquals(6e-5, c.finetune().schedule().learningRate());
        assertEquals(List.of(0.1), c.finetune().labelFractions());
    }

    @Test
    void paperLearningRateFollowsDecoderWidth() {
        assertEquals(1e-4, ConfigLoader.load(null, List.of("model.decoder-width=2")).finetune().schedule().learningRate());
        assertEquals(6e-5, ConfigLoader.load(null, List.of("model.decoder-width=3")).finetune().schedule().learningRate());
    }

    @Test
    void unknownKeyFailsNamingTheKeyAndItsSiblings() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("train.workerz=4")));
        assertTrue(e.getMessage().contains("ddep.train.workerz"), e.getMessage());
        assertTrue(e.getMessage().contains("workers"), e.getMessage());
    }

    @Test
    void wrongTypeFailsNamingTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("train.workers=many")));
        assertTrue(e.getMessage().contains("ddep.train.workers") && e.getMessage().contains("many"), e.getMessage());
    }

    @Test
    void globalBatchThatWorkersCannotDivideFails() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> ConfigLoader.load(null, List.of("train.workers=3", "pretrain-decoder.batch-size=512")));
        assertTrue(e.getMessage().contains("ddep.pretrain-encoder.batch-size")
                || e.getMessage().contains("ddep.pretrain-decoder.batch-size"), e.getMessage());
        assertTrue(e.getMessage().contains("multiple of ddep.train.workers = 3"), e.getMessage());
    }

    @Test
    void invalidValuesFailWithWhatIsAllowed() {
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("pretrain-decoder.noise.kind=gaussian")))
                .getMessage().contains("scaled-additive"));
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("finetune.label-fractions=[0, 0.5]")))
                .getMessage().contains("ddep.finetune.label-fractions"));
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("model.decoder-width=4")))
                .getMessage().contains("ddep.model.decoder-width"));
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("finetune.crop=50")))
                .getMessage().contains("multiple of 16"));
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("stages=[finetune, prep]")))
                .getMessage().contains("pipeline order"));
    }

    @Test
    void fileAndOverridesLayerOverTheReference(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("my.conf");
        Files.writeString(f, "ddep { train.workers = 4, pretrain-decoder.noise.sigma = 0.1 }\n");
        DdepConfig c = ConfigLoader.load(f, List.of("pretrain-decoder.noise.sigma=0.3"));
        assertEquals(4, c.train().workers());
        assertEquals(0.3, c.noise().sigma());
        assertEquals(128, c.finetune().schedule().globalBatch() / c.train().workers());
    }

    @Test
    void renderedConfigParsesBackToTheSameValues() {
        DdepConfig c = ConfigLoader.load(null, List.of("train.workers=4", "spark.conf.\"spark.executor.memory\"=\"8g\""));
        DdepConfig back = ConfigLoader.parse(c.render(), "test");
        assertEquals(c.resolved().getConfig("ddep"), back.resolved().getConfig("ddep"));
        assertEquals("8g", back.spark().conf().get("spark.executor.memory"));
    }

    @Test
    void secretSparkSettingsNeverReachTheRenderedConfig() {
        DdepConfig c = ConfigLoader.load(null, List.of("spark.conf.\"spark.hadoop.fs.s3a.secret.key\"=\"s3cr3t-value\"",
                "spark.conf.\"spark.hadoop.fs.s3a.access.key\"=\"AKIAEXAMPLE\"", "spark.conf.\"spark.executor.cores\"=\"4\""));
        assertEquals("s3cr3t-value", c.spark().conf().get("spark.hadoop.fs.s3a.secret.key"), "Spark still gets the value");
        String rendered = c.render();
        assertTrue(!rendered.contains("s3cr3t-value") && !rendered.contains("AKIAEXAMPLE"), rendered);
        assertTrue(rendered.contains("spark.executor.cores"));
        assertEquals(c.redacted(), ConfigLoader.parse(rendered, "test").redacted());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "evaluate.window=100                    | ddep.evaluate.window = 100",
            "evaluate.window=64; evaluate.stride=65 | ddep.evaluate.stride = 65",
            "evaluate.scales=[1.0, 0]               | ddep.evaluate.scales",
            "evaluate.sliding-window=sometimes      | ddep.evaluate.sliding-window",
            "sweep.fractions=[0.1, 1.5]             | ddep.sweep.fractions",
            "sweep.sigmas=[]                        | ddep.sweep.sigmas",
            "sweep.finetune-examples=-5             | ddep.sweep.finetune-examples",
            "sweep.seeds=0                          | ddep.sweep.seeds",
            "sweep.seeds=1000                       | ddep.sweep.seeds",
            "sweep.workers=[3]                      | ddep.sweep.workers",
            "sweep.workers=[0, 2]                   | ddep.sweep.workers",
            "sweep.averaging-frequencies=[two]      | ddep.sweep.averaging-frequencies",
            "sweep.averaging-fraction=0             | ddep.sweep.averaging-fraction",
            "sweep.fraction=0.1                     | ddep.sweep.fraction",
            "train.chunk-rounds=0                   | ddep.train.chunk-rounds = 0",
            "train.checkpoint-rounds=-1             | ddep.train.checkpoint-rounds = -1",
            "train.checkpoint-rounds=often          | ddep.train.checkpoint-rounds",
            "train.checkpoint-minutes=-5            | ddep.train.checkpoint-minutes = -5",
            "train.checkpoint-minutes=hourly        | ddep.train.checkpoint-minutes",
            "train.workspaces=sometimes             | ddep.train.workspaces",
            "report.decoder-path-images=-1          | ddep.report.decoder-path-images = -1",
            "prep.sources=[{name=a, layout=folder-pairs, input=x, pixels=jpegxl}] | ddep.prep.sources[0].pixels"})
    void badEvaluationSweepAndTrainingKeysFailNamingTheKey(String overrides, String named) {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of(overrides.split("; "))));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void prepSourcesStoreEncodedPixelsUnlessToldRaw() {
        DdepConfig c = ConfigLoader.load(null, List.of("prep.sources=[{name=a, layout=folder-pairs, input=x}, "
                + "{name=b, layout=ade20k, input=y, pixels=raw}]"));
        assertEquals(org.ddep.prep.PixelStorage.ENCODED, c.prep().sources().get(0).pixels());
        assertEquals(org.ddep.prep.PixelStorage.RAW, c.prep().sources().get(1).pixels());
    }

    @Test
    void evaluationDefaultsToThePapersProtocolPerDataset() {
        DdepConfig c = ConfigLoader.load(null, List.of());
        assertTrue(c.evaluate().flip());
        assertEquals(List.of(), c.evaluate().scales());
        assertEquals(List.of(0.01, 0.02, 0.05, 0.1, 1.0), c.sweep().fractions());
        assertEquals(EvalSettings.PAPER_MULTI_SCALE, c.evaluate().forLayout("ade20k", 512).scales());
        assertEquals(List.of(1.0, 1.5), ConfigLoader.load(null, List.of("evaluate.scales=[1.0, 1.5]")).evaluate()
                .forLayout("ade20k", 512).scales());
    }
}
