package org.ddep.prep;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.testing.DatasetFixtures;
import org.ddep.testing.DatasetFixtures.Fixture;
import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prep end to end in Spark local mode on generated Cityscapes, ADE20K and Pascal Context copies in
 * their real layouts, defects included: shards and manifest read back as training would read them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SegmentationLayoutsPrepTest {
    private static final String SHARDS = "shards";
    private final Map<String, Prepped> runs = new HashMap<>();
    private java.nio.file.Path dir;
    private SparkSession spark;

    /** One dataset's fixture, the manifest prep wrote, and its shard rows by split. */
    private record Prepped(Fixture fixture, Manifest manifest, Map<String, List<ShardRecord>> rows) {
        ShardRecord row(String id) {
            return rows.values().stream().flatMap(List::stream).filter(r -> r.id().equals(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no shard row " + id));
        }
    }

    @BeforeAll
    void prepEveryDatasetOnce(@TempDir java.nio.file.Path tmp) throws IOException {
        dir = tmp;
        spark = LocalSpark.get();
        for (String layout : List.of("cityscapes", "ade20k", "pascal-context")) {
            Fixture f = DatasetFixtures.write(layout, tmp.resolve("in-" + layout));
            String out = tmp.resolve(SHARDS).toString();
            // Skips allowed: the fixture is mostly defects, and this run checks how each is reported.
            PrepJob.run(spark, new PrepJob.Spec(layout, layout, f.root().toString(), out, f.splits(), 128L << 20, 1.0));
            // Checked as training sees it: the manifest file, not the object prep returned.
            Manifest m = Manifest.read(spark.sparkContext().hadoopConfiguration(), ShardSchema.manifestPath(out, layout));
            Map<String, List<ShardRecord>> rows = new TreeMap<>();
            for (String split : m.counts().keySet()) {
                List<ShardRecord> records = new ArrayList<>();
                for (Row r : spark.read().parquet(ShardSchema.splitPath(out, layout, split)).collectAsList()) {
                    records.add(ShardSchema.fromRow(r));
                }
                rows.put(split, records);
            }
            runs.put(layout, new Prepped(f, m, rows));
        }
    }

    private static String local(String uri) {
        return new Path(uri).toUri().getPath();
    }

    private static int[] maskValues(ShardRecord r) throws IOException {
        ImageCodec.Mask m = ImageCodec.decodeMask(r.mask());
        assertEquals(DatasetFixtures.HEIGHT, m.height());
        assertEquals(DatasetFixtures.WIDTH, m.width());
        return m.values();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void shardsHoldExactlyTheValidInputsOfEachSplitUnderStableIds(String layout) {
        Prepped p = runs.get(layout);
        Map<String, List<String>> ids = new TreeMap<>();
        p.rows().forEach((split, rs) -> ids.put(split, rs.stream().map(ShardRecord::id).sorted().toList()));
        assertEquals(p.fixture().idsBySplit(), ids);
        Map<String, Long> counts = new TreeMap<>();
        p.fixture().idsBySplit().forEach((split, l) -> counts.put(split, (long) l.size()));
        assertEquals(counts, p.manifest().counts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void rawLabelsBecomeTrainIdsAsThePaperMapsThem(String layout) throws IOException {
        Prepped p = runs.get(layout);
        Fixture f = p.fixture();
        int checked = 0;
        for (ShardRecord r : p.rows().values().stream().flatMap(List::stream).toList()) {
            if (f.unlabelledSplits().contains(r.id().substring(0, r.id().indexOf('/')))) {
                continue;
            }
            int[] v = maskValues(r);
            int x = 0;
            for (Map.Entry<Integer, Integer> probe : f.probes().entrySet()) {
                assertEquals(probe.getValue(), v[x++], r.id() + ": raw " + probe.getKey());
            }
            boolean outOfRangeRow = r.id().equals(f.outOfRangeId());
            for (int i = f.probes().size(); i < v.length; i++) {
                boolean planted = outOfRangeRow && i >= DatasetFixtures.WIDTH
                        && i < DatasetFixtures.WIDTH + f.outOfRangePixels();
                assertEquals(planted ? ShardSchema.IGNORE : f.fillTrainId(), v[i], r.id() + " pixel " + i);
            }
            checked++;
        }
        int labelled = f.idsBySplit().entrySet().stream().filter(e -> !f.unlabelledSplits().contains(e.getKey()))
                .mapToInt(e -> e.getValue().size()).sum();
        assertEquals(labelled, checked);
        assertEquals(labelled, p.manifest().labelledCounts().values().stream().mapToLong(Long::longValue).sum());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void everyPlantedDefectIsSkippedWithItsPathAndReasonKind(String layout) {
        Prepped p = runs.get(layout);
        Set<String> expected = p.fixture().defects().stream()
                .map(d -> d.file().toString() + " -> " + d.kind()).collect(Collectors.toSet());
        Set<String> reported = p.manifest().skipped().stream()
                .map(s -> local(s.path()) + " -> " + s.kind()).collect(Collectors.toSet());
        assertEquals(expected, reported);
        assertEquals(expected.size(), p.manifest().skipped().size(), "each defect is reported once");
        Map<String, Long> byKind = p.fixture().defects().stream()
                .collect(Collectors.groupingBy(DatasetFixtures.Defect::kind, TreeMap::new, Collectors.counting()));
        assertEquals(byKind, p.manifest().skippedByReason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void missingFilesAreReportedWithThePathThatWasExpected(String layout) {
        Fixture f = runs.get(layout).fixture();
        int checked = 0;
        for (Skip s : runs.get(layout).manifest().skipped()) {
            if (s.kind().equals("missing mask") || s.kind().equals("missing image")) {
                String stem = new Path(s.path()).getName().replaceAll("(_leftImg8bit)?\\.(png|jpg)$", "");
                assertTrue(s.reason().contains(f.root().toString()) && s.reason().contains(stem), s.reason());
                checked++;
            }
        }
        assertEquals(layout.equals("pascal-context") ? 2 : 1, checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void outOfRangeLabelsAreCountedForTheirMaskFileAndBecomeIgnore(String layout) throws IOException {
        Prepped p = runs.get(layout);
        Fixture f = p.fixture();
        Map<String, Long> byFile = new TreeMap<>();
        p.manifest().outOfRangeLabels().forEach((k, v) -> byFile.put(local(k), v));
        assertEquals(Map.of(f.outOfRangeMask().toString(), (long) f.outOfRangePixels()), byFile);
        int[] v = maskValues(p.row(f.outOfRangeId()));
        for (int i = 0; i < f.outOfRangePixels(); i++) {
            assertEquals(ShardSchema.IGNORE, v[DatasetFixtures.WIDTH + i]);
        }
    }

    @ParameterizedTest
    @CsvSource({"cityscapes, 19, road, bicycle", "ade20k, 150, wall, flag", "pascal-context, 59, aeroplane, wood"})
    void manifestCarriesTheDatasetsClassNamesInTrainIdOrder(String layout, int count, String first, String last) {
        Manifest m = runs.get(layout).manifest();
        assertEquals(count, m.numClasses());
        assertEquals(first, m.classNames().get(0));
        assertEquals(last, m.classNames().get(count - 1));
        assertEquals(count, m.classPixels().size());
        assertEquals(ShardSchema.IGNORE, m.ignoreIndex());
        assertEquals(layout, m.layout());
    }

    @ParameterizedTest
    @CsvSource({"cityscapes, leftImg8bit/SPLIT/CITY", "ade20k, ADEChallengeData2016",
            "pascal-context, SegmentationClassContext"})
    void manifestSaysWhichSourceLayoutWasRead(String layout, String phrase) {
        Map<String, Object> source = runs.get(layout).manifest().source();
        assertTrue(String.valueOf(source.get("layout")).contains(phrase), source.toString());
        assertTrue(String.valueOf(source.get("input")).endsWith(runs.get(layout).fixture().root().toString()));
    }

    @Test
    void cityscapesManifestCarriesTheOfficialColours() {
        Map<String, String> colours = runs.get("cityscapes").manifest().classColours();
        assertEquals(19, colours.size());
        assertEquals("#804080", colours.get("road"));
        assertEquals("#f423e8", colours.get("sidewalk"));
        assertEquals("#00008e", colours.get("car"));
        assertEquals("#770b20", colours.get("bicycle"));
        assertEquals(Set.copyOf(runs.get("cityscapes").manifest().classNames()), colours.keySet());
    }

    @Test
    void cityscapesTestSplitKeepsItsImagesWithNullMasks() {
        Prepped p = runs.get("cityscapes");
        List<ShardRecord> test = p.rows().get("test");
        assertNotNull(test, "the test split is sharded");
        assertEquals(2, test.size());
        test.forEach(r -> assertNull(r.mask(), r.id()));
        assertEquals(2L, p.manifest().count("test"));
        assertFalse(p.manifest().labelledCounts().containsKey("test"));
        p.rows().get("val").forEach(r -> assertNotNull(r.mask(), r.id()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void defaultSkipThresholdFailsTheRunNamingTheWorstReasons(String layout) throws IOException {
        Fixture f = runs.get(layout).fixture();
        String out = dir.resolve("strict-" + layout).toString();
        // 0.01 is prep.max-skip-fraction in conf/reference.conf.
        IOException e = assertThrows(IOException.class, () -> PrepJob.run(spark,
                new PrepJob.Spec(layout, layout, f.root().toString(), out, f.splits(), 128L << 20, 0.01)));
        String msg = e.getMessage();
        int skipped = f.defects().size();
        assertTrue(msg.contains("skipped " + skipped + " of " + (skipped + f.rows())), msg);
        assertTrue(msg.contains("worst reasons: 2 x " + DatasetFixtures.NOT_AN_IMAGE), msg);
        assertTrue(msg.contains("1 x corrupt image"), msg);
        assertFalse(Files.exists(java.nio.file.Path.of(ShardSchema.manifestPath(out, layout))),
                "a failed prep writes no manifest");
    }
}
