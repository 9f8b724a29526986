package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.cli.Main;
import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.prep.ImageCodec;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The label-efficiency and noise-level sweeps and prediction, end to end in Spark local mode on the
 * tiny generated run: real shards, real training, real PNGs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SweepAndPredictTest {
    static final String[] SWEEP = {"sweep.fractions=[0.25, 1.0]", "sweep.finetune-examples=16",
            "sweep.sigmas=[0.1, 0.22, 0.4]", "sweep.sigma-fraction=0.25"};
    Path dir;
    Pipeline pipeline;
    List<Sweep.Point> points;

    @BeforeAll
    void sweep(@TempDir Path tmp) throws Exception {
        dir = tmp;
        pipeline = TinyRun.pipeline(dir, TinyRun.config(SWEEP), List.of());
        points = new Sweep(pipeline).fractions();
    }

    @Test
    void labelEfficiencyTableAndPlotHaveEveryFractionAndBothVariants() throws Exception {
        List<String> csv = Files.readAllLines(dir.resolve("report/label_efficiency.csv"));
        assertEquals("label_fraction,labelled_images,ddep_miou,random_decoder_miou,ddep_minus_baseline", csv.get(0));
        assertEquals(3, csv.size());
        String[] quarter = csv.get(1).split(",");
        String[] all = csv.get(2).split(",");
        assertEquals("0.25", quarter[0]);
        assertEquals("1", all[0]);
        assertEquals(40, Integer.parseInt(all[1]), "every demo train image is labelled");
        assertTrue(Integer.parseInt(quarter[1]) > 0 && Integer.parseInt(quarter[1]) < 40, csv.get(1));
        for (String[] row : List.of(quarter, all)) {
            for (int i = 2; i <= 3; i++) {
                double miou = Double.parseDouble(row[i]);
                assertTrue(miou > 0 && miou <= 1, String.join(",", row));
            }
            assertEquals(Double.parseDouble(row[2]) - Double.parseDouble(row[3]), Double.parseDouble(row[4]), 1e-3);
        }
        for (Sweep.Point p : points) {
            Map<?, ?> m = new ObjectMapper().readValue(dir.resolve("sweep/evaluate/ddep-f" + Sweep.plain(p.x())
                    + "/metrics.json").toFile(), Map.class);
            assertEquals(p.miou().get("ddep"), ((Number) m.get("miou")).doubleValue(), 1e-12);
            assertTrue(Files.readString(dir.resolve("sweep/evaluate/ddep-f" + Sweep.plain(p.x()) + "/per_class_iou.csv"))
                    .startsWith("class_id,class_name,iou,"));
        }
        BufferedImage plot = ImageIO.read(dir.resolve("report/label_efficiency.png").toFile());
        assertEquals(720, plot.getWidth());
        String index = Files.readString(dir.resolve("report/index.md"));
        assertTrue(index.contains("![label_efficiency](label_efficiency.png)"), index);
        assertTrue(index.contains("sweep-predictions.png") && Files.size(dir.resolve("report/sweep-predictions.png")) > 0);
    }

    @Test
    void aSecondSweepReusesEveryFinishedRun() throws Exception {
        Map<Path, FileTime> before = modelTimes();
        assertEquals(4, before.size());
        List<Sweep.Point> again = new Sweep(pipeline).fractions();
        assertEquals(points, again);
        assertEquals(before, modelTimes());
    }

    @Test
    void aSweepWithAnotherBudgetInTheSameRunIsRefused() throws Exception {
        Pipeline other = TinyRun.pipeline(dir, TinyRun.config(Stream.concat(Stream.of(SWEEP),
                Stream.of("sweep.finetune-examples=32")).toArray(String[]::new)), List.of());
        ConfigError e = assertThrows(ConfigError.class, () -> new Sweep(other).fractions());
        assertTrue(e.getMessage().contains("sweep.conf") && e.getMessage().contains("finetune-examples"), e.getMessage());
    }

    @Test
    void sigmaSweepPretrainsOnceAtEachNoiseLevelAndReusesTheBaseline() throws Exception {
        List<Sweep.Point> sigmas = new Sweep(pipeline).sigmas();
        assertEquals(List.of(0.1, 0.22, 0.4), sigmas.stream().map(Sweep.Point::x).toList());
        double baseline = points.get(0).miou().get("random-decoder");
        // The run's own sigma (0.22) is the run's pretraining and the fraction sweep's DDeP run at 0.25.
        assertEquals(points.get(0).miou().get("ddep"), sigmas.get(1).miou().get("ddep"), 1e-12);
        assertTrue(Files.notExists(dir.resolve("sweep-sigma/sigma-0.22")));
        for (Sweep.Point p : sigmas) {
            assertEquals(baseline, p.miou().get("random-decoder"), 1e-12, "the 0.25 baseline is the fraction sweep's");
            if (p.x() == 0.22) {
                continue;
            }
            String s = Sweep.plain(p.x());
            assertTrue(Files.exists(dir.resolve("sweep-sigma/sigma-" + s + "/pretrain-decoder/model.zip")));
            assertTrue(Files.exists(dir.resolve("sweep-sigma/sigma-" + s + "/evaluate/ddep-f0.25/metrics.json")));
        }
        List<String> csv = Files.readAllLines(dir.resolve("report/noise_level.csv"));
        assertEquals(List.of("sigma,label_fraction,ddep_miou,random_decoder_miou"), csv.subList(0, 1));
        assertEquals(4, csv.size());
        assertTrue(Files.readString(dir.resolve("report/index.md")).contains("noise_level.png"));
    }

    @Test
    void predictWritesAMaskAndAnOverlayPerImageAndCountsUnreadableOnes() throws Exception {
        Path input = dir.resolve("predict-in");
        Path nested = input.resolve("street");
        Files.createDirectories(nested);
        Path val = dir.resolve("data/seg/val/images");
        List<Path> images;
        try (Stream<Path> s = Files.list(val)) {
            // Hadoop's local file system keeps a hidden .crc file next to each image.
            images = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().limit(3).toList();
        }
        Files.copy(images.get(0), input.resolve("a.png"));
        Files.copy(images.get(1), input.resolve("b.png"));
        Files.copy(images.get(2), nested.resolve("c.png"));
        Files.write(input.resolve("broken.jpg"), new byte[]{(byte) 0xff, (byte) 0xd8, 1, 2, 3});
        Path out = dir.resolve("predict-out");
        String model = dir.resolve("sweep/finetune/ddep-f1/model.zip").toUri().toString();
        Map<String, Object> summary = Predict.run(LocalSpark.get(), pipeline.context().config(), model,
                input.toUri().toString(), out.toUri().toString());
        assertEquals(4, summary.get("images"));
        assertEquals(3L, ((Number) summary.get("written")).longValue(), summary.toString());
        assertEquals(1, summary.get("skipped_images"));
        assertTrue(summary.get("skipped").toString().contains("broken"), summary.toString());
        int classes = pipeline.context().shards().manifest("demo-seg").numClasses();
        for (String name : List.of("a", "b", "street/c")) {
            ImageCodec.Mask m = ImageCodec.decodeMask(Files.readAllBytes(out.resolve("masks/" + name + ".png")));
            BufferedImage source = ImageIO.read(input.resolve(name + ".png").toFile());
            assertEquals(source.getHeight(), m.height());
            assertEquals(source.getWidth(), m.width());
            assertTrue(java.util.Arrays.stream(m.values()).allMatch(v -> v >= 0 && v < classes));
            BufferedImage overlay = ImageIO.read(out.resolve("overlays/" + name + ".png").toFile());
            assertEquals(source.getWidth(), overlay.getWidth());
        }
        assertTrue(Files.exists(out.resolve("predict.json")));

        // Shards as input: one mask per row of the split.
        Path fromShards = dir.resolve("predict-shards");
        Map<String, Object> s2 = Predict.run(LocalSpark.get(), pipeline.context().config(), model,
                dir.resolve("shards/demo-seg/split=val").toUri().toString(), fromShards.toUri().toString());
        long rows = pipeline.context().shards().split("demo-seg", "val").count();
        assertEquals((int) rows, s2.get("images"));
        try (Stream<Path> s = Files.walk(fromShards.resolve("masks"))) {
            assertEquals(rows, s.filter(p -> p.toString().endsWith(".png")).count());
        }
    }

    @Test
    void predictRefusesAMissingInputAndAModelWithoutClassProbabilities() {
        String input = dir.resolve("data/seg/val/images").toUri().toString();
        ConfigError missing = assertThrows(ConfigError.class, () -> Predict.run(LocalSpark.get(),
                pipeline.context().config(), dir.resolve("sweep/finetune/ddep-f1/model.zip").toUri().toString(),
                dir.resolve("nowhere").toUri().toString(), dir.resolve("p").toUri().toString()));
        assertTrue(missing.getMessage().contains("nowhere"), missing.getMessage());
        ConfigError denoiser = assertThrows(ConfigError.class, () -> Predict.run(LocalSpark.get(),
                pipeline.context().config(), dir.resolve("pretrain-decoder/model.zip").toUri().toString(), input,
                dir.resolve("p").toUri().toString()));
        assertTrue(denoiser.getMessage().contains("not a segmentation model"), denoiser.getMessage());
    }

    @Test
    void theCliRejectsABadSweepBeforeAnyWork() {
        assertEquals(2, Main.execute("sweep", "--mode", "noise"));
        assertEquals(2, Main.execute("sweep", "--fractions", "0,0.5"));
        assertEquals(2, Main.execute("sweep", "--set", "sweep.finetune-examples=-1"));
    }

    private Map<Path, FileTime> modelTimes() throws Exception {
        Map<Path, FileTime> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(dir.resolve("sweep").resolve(DdepConfig.FINETUNE))) {
            for (Path p : s.filter(p -> p.getFileName().toString().equals("model.zip")).toList()) {
                out.put(p, Files.getLastModifiedTime(p));
            }
        }
        return out;
    }
}
