package org.ddep.data;

import org.apache.spark.sql.Row;
import org.ddep.config.NoiseSpec;
import org.ddep.prep.Manifest;
import org.ddep.prep.PrepJob;
import org.ddep.testing.ClassFolderFixtures;
import org.ddep.testing.DatasetFixtures;
import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training loader reads every dataset's shards through the shared schema and manifest alone:
 * the same code turns Cityscapes, ADE20K, Pascal Context and ImageNet-21k shards into examples.
 */
class EveryDatasetLoadsTest {
    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void segmentationShardsBecomeFineTuningExamples(String layout, @TempDir Path dir) throws Exception {
        DatasetFixtures.Fixture f = DatasetFixtures.write(layout, dir.resolve("in"));
        String out = dir.resolve("shards").toUri().toString();
        PrepJob.run(LocalSpark.get(), new PrepJob.Spec(layout, layout, f.root().toUri().toString(), out,
                List.of("train", "val"), 128L << 20, 1.0));
        Shards shards = new Shards(LocalSpark.get(), out);
        Manifest m = shards.manifest(layout);
        var rows = shards.labelled(layout, "train", 1.0).javaRDD();
        List<MultiDataSet> examples = EpochData.of(rows, 1, 0, EpochData.segmentation(16, true, m.numClasses())).collect();
        assertEquals(rows.count(), examples.size());
        assertTrue(examples.size() > 0);
        for (MultiDataSet e : examples) {
            assertArrayEquals(new long[]{1, 3, 16, 16}, e.getFeatures(0).shape());
            assertArrayEquals(new long[]{1, 1, 16, 16}, e.getLabels(0).shape());
            assertArrayEquals(new long[]{1, 1, 16, 16}, e.getLabelsMaskArray(0).shape());
        }
    }

    @Test
    void imagenetShardsBecomeClassificationAndDenoisingExamples(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in21k");
        ClassFolderFixtures.write(in.resolve("n00000001/a.JPEG"), ClassFolderFixtures.jpeg(20, 28, 1));
        ClassFolderFixtures.tar(in.resolve("n00000002.tar"), "b.JPEG", ClassFolderFixtures.jpeg(30, 18, 2));
        String out = dir.resolve("shards").toUri().toString();
        PrepJob.run(LocalSpark.get(), new PrepJob.Spec("imagenet21k", "in21k", in.toUri().toString(), out,
                List.of("train"), 128L << 20, 0.0));
        Shards shards = new Shards(LocalSpark.get(), out);
        var labelled = shards.classified("in21k", "train").javaRDD();
        List<MultiDataSet> cls = EpochData.of(labelled, 1, 0, EpochData.classification(16, true, 2)).collect();
        assertEquals(2, cls.size());
        assertEquals(1.0, cls.get(0).getLabels(0).sumNumber().doubleValue(), 1e-9);
        List<Row> all = shards.split("in21k", "train").collectAsList();
        List<MultiDataSet> den = EpochData.of(shards.split("in21k", "train").javaRDD(), 1, 0,
                EpochData.denoising(16, false, NoiseSpec.paperDefault())).collect();
        assertEquals(all.size(), den.size());
        assertArrayEquals(new long[]{1, 3, 16, 16}, den.get(0).getLabels(0).shape());
    }
}
