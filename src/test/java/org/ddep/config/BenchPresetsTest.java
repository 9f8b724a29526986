package org.ddep.config;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conf/bench: the dead-leaves benchmark loads and is what docs/benchmarks.md says it is (issue 13: many
 * unlabelled dead-leaves images, label fractions down to 2%, at least 3 seeds, decoder widths 1x and
 * 2x), as does its second design (dead-leaves-v2: a base-32 UNet, longer denoising, longer fine-tuning), while the
 * quick demo keeps its own data and size.
 */
class BenchPresetsTest {
    private static final Path DIR = Path.of(System.getProperty("ddep.sources", "."), "conf", "bench");

    static DdepConfig preset(String name) {
        return ConfigLoader.load(DIR.resolve(name + ".conf"), List.of());
    }

    @Test
    void deadLeavesPresetAsksTheLowLabelQuestionWithSeeds() {
        asksTheLowLabelQuestionWithSeeds(preset("dead-leaves"));
    }

    @Test
    void theSecondDesignAsksTheSameQuestion() {
        asksTheLowLabelQuestionWithSeeds(preset("dead-leaves-v2"));
    }

    /** What docs/benchmarks.md says the second design changes, and nothing else. */
    @Test
    void theSecondDesignChangesOnlyTheModelTheDenoisingLengthAndTheFineTuning() {
        DdepConfig first = preset("dead-leaves");
        DdepConfig second = preset("dead-leaves-v2");
        assertEquals(32, second.model().baseChannels());
        assertEquals(2 * first.decoder().epochs(), second.decoder().epochs());
        assertEquals(List.of(0.02, 0.1, 1.0), second.sweep().fractions());
        assertEquals(4 * first.sweep().finetuneExamples(), second.sweep().finetuneExamples());
        assertSameBut(first, second, "model.unet.base-channels", "pretrain-decoder.epochs", "sweep.fractions",
                "sweep.finetune-examples");
        DdepConfig twoX = preset("dead-leaves-v2-2x");
        assertEquals(2, twoX.model().decoderWidth());
        assertSameBut(second, twoX, "model.decoder-width");
    }

    /** The two configs are equal once {@code keys} are taken out of both. */
    private static void assertSameBut(DdepConfig one, DdepConfig other, String... keys) {
        Config a = one.redacted();
        Config b = other.redacted();
        for (String key : keys) {
            a = a.withoutPath(key);
            b = b.withoutPath(key);
        }
        assertEquals(a.root().unwrapped(), b.root().unwrapped());
    }

    private static void asksTheLowLabelQuestionWithSeeds(DdepConfig c) {
        assertEquals(DemoSettings.DEAD_LEAVES, c.demo().style());
        assertEquals(1, c.model().decoderWidth());
        assertTrue(c.demo().pretrainImages() >= 5 * c.demo().trainImages(),
                "unlabelled images should far outnumber the labelled: " + c.demo());
        List<Double> f = c.sweep().fractions();
        assertTrue(f.stream().anyMatch(x -> x <= 0.02) && f.contains(1.0), "fractions " + f);
        // the smallest fraction still labels some scenes
        assertTrue(f.stream().mapToDouble(Double::doubleValue).min().orElseThrow() * c.demo().trainImages() >= 10);
        assertTrue(c.sweep().seeds() >= 3, "seeds " + c.sweep().seeds());
        assertTrue(c.sweep().finetuneExamples() > 0, "every fraction gets the same number of steps");
        assertEquals(List.of(FinetuneSettings.DDEP, FinetuneSettings.RANDOM_DECODER), c.finetune().variants());
        assertEquals(0.22, c.noise().sigma(), 1e-12);
        // The pretraining shards are sorted by class folder: one shuffle window must hold the whole
        // epoch, or encoder pretraining sees one class at a time.
        long window = (long) c.train().chunkRounds() * c.encoder().globalBatch() * c.train().averagingFrequency();
        assertTrue(window >= c.demo().pretrainImages(), "shuffle window of " + window + " images");
    }

    @Test
    void theTwoWidthPresetsDifferOnlyInDecoderWidth() {
        DdepConfig one = preset("dead-leaves");
        DdepConfig two = preset("dead-leaves-2x");
        assertEquals(2, two.model().decoderWidth());
        assertSameBut(one, two, "model.decoder-width");
    }

    @Test
    void theQuickDemoKeepsItsShapesAndSize() {
        DdepConfig demo = ConfigLoader.loadResource("demo.conf", List.of());
        assertEquals(DemoSettings.SHAPES, demo.demo().style());
        assertEquals(new DemoSettings(64, 1000, 800, 200, DemoSettings.SHAPES), demo.demo());
        assertEquals(1, demo.sweep().seeds());
        assertEquals(10, demo.decoder().epochs());
    }

    @Test
    void anUnknownDataStyleFailsNamingTheKeyAndTheStyles() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, List.of("demo.style=leaves")));
        assertTrue(e.getMessage().contains("ddep.demo.style") && e.getMessage().contains("dead-leaves")
                && e.getMessage().contains("shapes"), e.getMessage());
    }

    @Test
    void aBenchPresetCopiedAloneStillLoads(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(DIR.resolve("dead-leaves-2x.conf"), dir.resolve("mine.conf"));
        DdepConfig c = ConfigLoader.load(copy, List.of("sweep.seeds=5"));
        assertEquals(DemoSettings.DEAD_LEAVES, c.demo().style());
        assertEquals(2, c.model().decoderWidth());
        assertEquals(5, c.sweep().seeds());
    }
}
