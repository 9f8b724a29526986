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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            "sweep.sigmas=[0.1, 0.22, 0.4]", "sweep.sigma-fraction=0.25", "sweep.seeds=1"};
    static final String[] SWEEP2 = Stream.concat(Stream.of(SWEEP), Stream.of("sweep.seeds=2")).toArray(String[]::new);
    static final List<String> VERDICTS = List.of("ahead", "behind", "not distinguishable");
    Path dir;
    Pipeline pipeline;
    List<Sweep.Point> points;
    Map<Path, FileTime> oneSeed;
    String oneSeedIndex;
    String oneSeedCsv;
    String twoSeedIndex;

    @BeforeAll
    void sweep(@TempDir Path tmp) throws Exception {
        dir = tmp;
        // One seed first, then a second: the second sweep must train only the new seed's runs.
        new Sweep(TinyRun.pipeline(dir, TinyRun.config(SWEEP), List.of())).fractions();
        oneSeed = modelTimes();
        oneSeedIndex = Files.readString(dir.resolve("report/index.md"));
        oneSeedCsv = Files.readString(dir.resolve("report/label_efficiency.csv"));
        pipeline = TinyRun.pipeline(dir, TinyRun.config(SWEEP2), List.of());
        points = new Sweep(pipeline).fractions();
        twoSeedIndex = Files.readString(dir.resolve("report/index.md"));
    }

    @Test
    void aSweepAcceptsOtherReportSettingsAndRefusesOtherTraining() throws Exception {
        RunDir run = pipeline.context().run();
        String[] report = Stream.concat(Stream.of(SWEEP2), Stream.of("report.samples=3", "report.decoder-path-images=8",
                        "train.checkpoint-minutes=10"))
                .toArray(String[]::new);
        assertTrue(Pipeline.checkPinned(TinyRun.config(report), run, Sweep.SWEEP_FREE));
        String[] seed = Stream.concat(Stream.of(SWEEP2), Stream.of("seed=7")).toArray(String[]::new);
        assertThrows(ConfigError.class, () -> Pipeline.checkPinned(TinyRun.config(seed), run, Sweep.SWEEP_FREE));
    }

    @Test
    void labelEfficiencyTableHasStatisticsOverSeedsForEveryFractionAndVariant() throws Exception {
        List<String> csv = Files.readAllLines(dir.resolve("report/label_efficiency.csv"));
        assertEquals("label_fraction,labelled_images,variant,seeds,mean,sd,ci95_low,ci95_high,ddep_vs_baseline", csv.get(0));
        assertEquals(1 + 2 * 3, csv.size(), String.join("\n", csv));
        for (int i = 0; i < 2; i++) {
            Sweep.Point p = points.get(i);
            String f = Sweep.plain(p.x());
            assertEquals(List.of(42L, 1042L), p.seeds());
            Map<String, Double> mean = new HashMap<>();
            for (String v : List.of("ddep", "random-decoder")) {
                // The mean over the two seeds' own metrics.json: the run's seed keeps its folder, 1042 gets -s1042.
                double a = miou(dir.resolve("sweep/evaluate/" + v + "-f" + f + "/metrics.json"));
                double b = miou(dir.resolve("sweep/evaluate/" + v + "-f" + f + "-s1042/metrics.json"));
                assertEquals(List.of(a, b), p.miou().get(v));
                String[] row = csv.get(1 + 3 * i + (v.equals("ddep") ? 0 : 1)).split(",", -1);
                assertEquals(List.of(f, v, "2"), List.of(row[0], row[2], row[3]));
                assertEquals((a + b) / 2, Double.parseDouble(row[4]), 1e-4);
                assertEquals(Math.abs(a - b) / Math.sqrt(2), Double.parseDouble(row[5]), 1e-4);
                // Two seeds: t(0.975, 1) = 12.706 times the standard error sd / sqrt(2) = |a - b| / 2.
                assertEquals((a + b) / 2 - 12.7062 * Math.abs(a - b) / 2, Double.parseDouble(row[6]), 1e-3);
                assertEquals("", row[8]);
                mean.put(v, (a + b) / 2);
            }
            String[] diff = csv.get(3 + 3 * i).split(",", -1);
            assertEquals(List.of(f, "ddep-minus-baseline", "2"), List.of(diff[0], diff[2], diff[3]));
            assertEquals(mean.get("ddep") - mean.get("random-decoder"), Double.parseDouble(diff[4]), 1e-3);
            assertTrue(VERDICTS.contains(diff[8]), diff[8]);
            assertTrue(Double.parseDouble(diff[6]) <= Double.parseDouble(diff[4])
                    && Double.parseDouble(diff[4]) <= Double.parseDouble(diff[7]), csv.get(3 + 3 * i));
        }
        assertEquals("1", csv.get(4).split(",")[0]);
        assertEquals(40, Integer.parseInt(csv.get(4).split(",")[1]), "every demo train image is labelled");
        List<String> seeds = Files.readAllLines(dir.resolve("report/label_efficiency_seeds.csv"));
        assertEquals("label_fraction,seed,ddep_miou,random_decoder_miou,ddep_minus_baseline", seeds.get(0));
        assertEquals(5, seeds.size());
        assertTrue(Files.readString(dir.resolve("sweep/evaluate/ddep-f0.25/per_class_iou.csv")).startsWith("class_id,"));
        BufferedImage plot = ImageIO.read(dir.resolve("report/label_efficiency.png").toFile());
        assertEquals(720, plot.getWidth());
        String index = Files.readString(dir.resolve("report/index.md"));
        assertTrue(index.contains("![label_efficiency](label_efficiency.png)"), index);
        assertTrue(index.contains("sweep-predictions.png") && Files.size(dir.resolve("report/sweep-predictions.png")) > 0);
    }

    @Test
    void theReportSaysPerFractionWhereDdepStandsAndNeverCallsOneSeedAResult() {
        String index = twoSeedIndex;
        for (String f : List.of("label fraction 0.25", "label fraction 1 (40 images)")) {
            String line = index.lines().filter(l -> l.startsWith("- At " + f)).findFirst().orElseThrow(() ->
                    new AssertionError("no sentence for " + f + " in\n" + index));
            assertTrue(VERDICTS.stream().anyMatch(v -> line.contains("**" + v)) && line.contains("over 2 paired seeds"), line);
        }
        assertTrue(!index.contains("one seed only"), index);
        // With one seed the same table has no interval and the report says the difference is no result.
        assertTrue(oneSeedCsv.lines().filter(l -> l.contains("ddep-minus-baseline")).allMatch(l -> l.endsWith(",1,"
                + l.split(",")[4] + ",,,,single seed")), oneSeedCsv);
        long single = oneSeedIndex.lines().filter(l -> l.startsWith("- At ") && l.contains("**one seed only**")
                && l.contains("is not a result")).count();
        assertEquals(2, single, oneSeedIndex);
        assertTrue(VERDICTS.stream().noneMatch(v -> oneSeedIndex.contains("**" + v + "**")), oneSeedIndex);
    }

    @Test
    void addingASeedTrainsOnlyTheNewSeedsRuns() throws Exception {
        assertEquals(4, oneSeed.size());
        Map<Path, FileTime> now = modelTimes();
        assertEquals(8, now.size());
        for (Map.Entry<Path, FileTime> e : oneSeed.entrySet()) {
            assertEquals(e.getValue(), now.get(e.getKey()), e.getKey() + " was trained again");
        }
        assertTrue(now.keySet().stream().filter(p -> !oneSeed.containsKey(p))
                .allMatch(p -> p.getParent().getFileName().toString().endsWith("-s1042")), now.keySet().toString());
    }

    @Test
    void anotherSeedTrainsAnotherModel() throws Exception {
        Path a = dir.resolve("sweep/finetune/random-decoder-f0.25/model.zip");
        Path b = dir.resolve("sweep/finetune/random-decoder-f0.25-s1042/model.zip");
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)), "seed 1042 repeats seed 42");
    }

    @Test
    void aSecondSweepReusesEveryFinishedRun() throws Exception {
        Map<Path, FileTime> before = modelTimes();
        assertEquals(8, before.size());
        List<Sweep.Point> again = new Sweep(pipeline).fractions();
        assertEquals(points, again);
        assertEquals(before, modelTimes());
    }

    @Test
    void thePipelineComparesOverItsSeedsAndAddsSeedsToAFinishedRun() throws Exception {
        // What ./ddep demo does, then ./ddep demo --seeds 2 in the same run directory.
        TinyRun.pipeline(dir, TinyRun.config(SWEEP), List.of()).runAll();
        Path tuned = dir.resolve("finetune");
        FileTime first = Files.getLastModifiedTime(tuned.resolve("ddep-f0.5/model.zip"));
        assertTrue(Files.readString(dir.resolve("report/index.md")).contains("- At label fraction 0.5, **one seed only**"));
        TinyRun.pipeline(dir, TinyRun.config(SWEEP2), List.of()).runAll();
        assertEquals(first, Files.getLastModifiedTime(tuned.resolve("ddep-f0.5/model.zip")), "seed 42 trained again");
        for (String v : List.of("ddep", "random-decoder")) {
            assertTrue(Files.exists(tuned.resolve(v + "-f0.5-s1042/model.zip")));
            assertTrue(Files.exists(dir.resolve("evaluate/" + v + "-f0.5-s1042/metrics.json")));
        }
        List<?> summary = new ObjectMapper().readValue(dir.resolve("report/summary.json").toFile(), List.class);
        assertEquals(4, summary.size());
        String index = Files.readString(dir.resolve("report/index.md"));
        assertTrue(index.contains("| DDeP - baseline (paired) | 0.5 | 2 |"), index);
        String line = index.lines().filter(l -> l.startsWith("- At label fraction 0.5")).findFirst().orElseThrow();
        assertTrue(VERDICTS.stream().anyMatch(v -> line.contains("**" + v)) && line.contains("over 2 paired seeds"), line);
    }

    @Test
    void averagingSweepRunsEverySettingAndPairsItWithSynchronousTraining() throws Exception {
        Pipeline p = TinyRun.pipeline(dir, TinyRun.config(Stream.concat(Stream.of(SWEEP2), Stream.of("sweep.workers=[2, 1]",
                "sweep.averaging-frequencies=[2, 1]", "sweep.averaging-fraction=0.25")).toArray(String[]::new)), List.of());
        Map<Sweep.Averaging, Sweep.Point> settings = new Sweep(p).averaging();
        Sweep.Averaging one = new Sweep.Averaging(1, 1);
        Sweep.Averaging every1 = new Sweep.Averaging(2, 1);
        Sweep.Averaging own = new Sweep.Averaging(2, 2);
        assertEquals(List.of(one, every1, own), List.copyOf(settings.keySet()), "one worker once, then by frequency");
        // The run's own setting (train.workers = 2, averaging-frequency = 2) is the fraction sweep's 0.25 runs.
        assertEquals(points.get(0).miou(), settings.get(own).miou());
        assertTrue(Files.notExists(dir.resolve("sweep-averaging/" + own.id())));
        for (Sweep.Averaging a : List.of(one, every1)) {
            for (String run : List.of("ddep-f0.25", "random-decoder-f0.25", "ddep-f0.25-s1042", "random-decoder-f0.25-s1042")) {
                assertTrue(Files.exists(dir.resolve("sweep-averaging/" + a.id() + "/evaluate/" + run + "/metrics.json")), run);
            }
        }
        List<String> csv = Files.readAllLines(dir.resolve("report/averaging.csv"));
        assertEquals("workers,averaging_frequency,label_fraction,variant,seeds,mean,sd,ci95_low,ci95_high,verdict", csv.get(0));
        assertEquals(1 + 3 + 5 + 5, csv.size(), String.join("\n", csv));
        String[] cost = csv.stream().filter(l -> l.startsWith("2,1,0.25,ddep-minus-1-worker,")).findFirst().orElseThrow()
                .split(",", -1);
        List<Double> sync = settings.get(one).miou().get("ddep");
        List<Double> avg = settings.get(every1).miou().get("ddep");
        assertEquals("2", cost[4]);
        assertEquals((avg.get(0) - sync.get(0) + avg.get(1) - sync.get(1)) / 2, Double.parseDouble(cost[5]), 1e-3);
        assertTrue(VERDICTS.contains(cost[9]), cost[9]);
        String index = Files.readString(dir.resolve("report/index.md"));
        assertTrue(index.contains("![averaging](averaging.png)") && index.contains("- At 2 workers averaging every 1 "
                + "minibatch (label fraction 0.25), DDeP") && index.contains("the same on 1 worker (synchronous)"), index);
        assertEquals(720, ImageIO.read(dir.resolve("report/averaging.png").toFile()).getWidth());
    }

    @Test
    void aSweepWithAnotherBudgetInTheSameRunIsRefused() throws Exception {
        Pipeline other = TinyRun.pipeline(dir, TinyRun.config(Stream.concat(Stream.of(SWEEP),
                Stream.of("sweep.finetune-examples=32")).toArray(String[]::new)), List.of());
        ConfigError e = assertThrows(ConfigError.class, () -> new Sweep(other).fractions());
        assertTrue(e.getMessage().contains("sweep.conf") && e.getMessage().contains("finetune-examples"), e.getMessage());
    }

    @Test
    void sigmaSweepPretrainsOnceAtEachNoiseLevelAndPairsEachSeedWithItsBaseline() throws Exception {
        List<Sweep.Point> sigmas = new Sweep(pipeline).sigmas();
        assertEquals(List.of(0.1, 0.22, 0.4), sigmas.stream().map(Sweep.Point::x).toList());
        List<Double> baseline = points.get(0).miou().get("random-decoder");
        // The run's own sigma (0.22) is the run's pretraining and the fraction sweep's DDeP runs at 0.25.
        assertEquals(points.get(0).miou().get("ddep"), sigmas.get(1).miou().get("ddep"));
        assertTrue(Files.notExists(dir.resolve("sweep-sigma/sigma-0.22")));
        for (Sweep.Point p : sigmas) {
            assertEquals(baseline, p.miou().get("random-decoder"), "each seed's 0.25 baseline is the fraction sweep's");
            assertEquals(2, p.difference().n());
            if (p.x() == 0.22) {
                continue;
            }
            String s = Sweep.plain(p.x());
            assertTrue(Files.exists(dir.resolve("sweep-sigma/sigma-" + s + "/pretrain-decoder/model.zip")));
            for (String run : List.of("ddep-f0.25", "ddep-f0.25-s1042")) {
                assertTrue(Files.exists(dir.resolve("sweep-sigma/sigma-" + s + "/evaluate/" + run + "/metrics.json")));
            }
        }
        List<String> csv = Files.readAllLines(dir.resolve("report/noise_level.csv"));
        assertEquals("sigma,label_fraction,variant,seeds,mean,sd,ci95_low,ci95_high,ddep_vs_baseline", csv.get(0));
        assertEquals(1 + 3 * 3, csv.size());
        String index = Files.readString(dir.resolve("report/index.md"));
        assertTrue(index.contains("noise_level.png") && index.contains("- At sigma 0.4 (label fraction 0.25)"), index);

        // Each noise level's decoder measured on the same images and noise draws: 6 cuts per sigma (depth-2 UNet).
        List<String> paths = Files.readAllLines(dir.resolve("report/noise_level_decoder_paths.csv"));
        assertEquals("sigma," + DecoderPathsReport.HEADER, paths.get(0));
        assertEquals(1 + 3 * 6, paths.size(), paths.toString());
        Set<String> zeroLoss = new HashSet<>();
        Map<String, String> none = new HashMap<>();
        for (String line : paths.subList(1, paths.size())) {
            String[] f = line.split(",");
            zeroLoss.add(f[5]);
            if (f[1].equals("none")) {
                none.put(f[0], f[4]);
            }
        }
        assertEquals(1, zeroLoss.size(), "the noise targets differ between sigmas: " + paths);
        assertEquals(Set.of("0.1", "0.22", "0.4"), none.keySet());
        assertEquals(3, new HashSet<>(none.values()).size(), "three decoders, one loss: " + none);
        assertTrue(index.contains("`noise_level_decoder_paths.csv`"), index);
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
        assertEquals(2, Main.execute("sweep", "--mode", "averaging", "--workers", "3"));
        assertEquals(2, Main.execute("sweep", "--seeds", "0"));
        assertEquals(2, Main.execute("sweep", "--fractions", "0,0.5"));
        assertEquals(2, Main.execute("sweep", "--set", "sweep.finetune-examples=-1"));
    }

    private static double miou(Path metrics) throws Exception {
        return ((Number) new ObjectMapper().readValue(metrics.toFile(), Map.class).get("miou")).doubleValue();
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
