package org.ddep.prep;

import org.apache.spark.sql.Row;
import org.ddep.testing.ClassFolderFixtures;
import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.ddep.testing.ClassFolderFixtures.jpeg;
import static org.ddep.testing.ClassFolderFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ImageNet-21k in both distributed forms (synset folders and synset tars), with typical defects. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageNet21kPrepTest {
    Path input;
    Path output;
    Manifest manifest;
    Map<String, Row> rows = new TreeMap<>();

    @BeforeAll
    void prepare(@TempDir Path dir) throws IOException {
        input = dir.resolve("imagenet21k");
        output = dir.resolve("shards");
        write(input.resolve("n01440764/a.JPEG"), jpeg(20, 30, 1));
        write(input.resolve("n01440764/b.JPEG"), jpeg(24, 16, 2));
        write(input.resolve("n01440764/notes.txt"), "stray".getBytes());
        ClassFolderFixtures.tar(input.resolve("n01443537.tar"),
                "n01443537/c.JPEG", jpeg(18, 18, 3),
                "n01443537/d.JPEG", jpeg(32, 20, 4),
                "n01443537/bad.JPEG", ClassFolderFixtures.truncatedJpeg(64, 64, 5),
                "readme.txt", "not an image".getBytes());
        write(input.resolve("n01500000/e.JPEG"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        java.nio.file.Files.createDirectories(input.resolve("n02000000"));
        write(input.resolve("misc/x.JPEG"), jpeg(8, 8, 6));
        manifest = PrepJob.run(LocalSpark.get(), spec(1.0));
        for (Row r : LocalSpark.get().read().parquet(ShardSchema.splitPath(output.toUri().toString(), "in21k", "train"))
                .collectAsList()) {
            rows.put(r.getString(r.fieldIndex(ShardSchema.ID)), r);
        }
    }

    private PrepJob.Spec spec(double maxSkip) {
        return new PrepJob.Spec("imagenet21k", "in21k", input.toUri().toString(), output.toUri().toString(),
                List.of("train"), 128L << 20, maxSkip);
    }

    @Test
    void classIdsFollowTheSortedSynsetListOfFoldersAndTars() {
        assertEquals(List.of("n01440764", "n01443537", "n01500000", "n02000000"), manifest.classNames());
        assertEquals(0, rows.get("train/n01440764/a").getInt(rows.get("train/n01440764/a").fieldIndex(ShardSchema.LABEL)));
        assertEquals(1, rows.get("train/n01443537/c").getInt(rows.get("train/n01443537/c").fieldIndex(ShardSchema.LABEL)));
    }

    @Test
    void tarMembersAreStreamedIntoRowsLikeFolderImages() {
        assertEquals(List.of("train/n01440764/a", "train/n01440764/b", "train/n01443537/c", "train/n01443537/d"),
                List.copyOf(rows.keySet()));
        Row d = rows.get("train/n01443537/d");
        assertEquals(32, d.getInt(d.fieldIndex(ShardSchema.HEIGHT)));
        assertEquals(20, d.getInt(d.fieldIndex(ShardSchema.WIDTH)));
        assertTrue(d.getString(d.fieldIndex(ShardSchema.SOURCE)).startsWith("n01443537.tar!/"));
        assertEquals(LabelKey.of("train/n01443537/d"), d.getDouble(d.fieldIndex(ShardSchema.LABEL_KEY)));
        assertEquals(4L, manifest.count("train"));
    }

    @Test
    void everyBadInputIsCountedWithItsReasonAndPath() {
        Map<String, String> byPath = new TreeMap<>();
        manifest.skipped().forEach(s -> byPath.put(s.path().replace(input.toUri().toString(), "").replaceFirst("^file:/+.*imagenet21k/", ""), s.kind()));
        assertEquals(6, manifest.skipped().size(), manifest.skipped().toString());
        assertTrue(has(manifest, "n01440764/notes.txt", "not an image file"));
        assertTrue(has(manifest, "n01443537.tar!/readme.txt", "not an image file"));
        assertTrue(has(manifest, "n01443537.tar!/n01443537/bad.JPEG", "corrupt image"));
        assertTrue(has(manifest, "n01500000/e.JPEG", "corrupt image"));
        assertTrue(has(manifest, "n02000000", "empty class folder"));
        assertTrue(has(manifest, "misc", "not a imagenet21k class name"));
        assertEquals(2L, manifest.skippedByReason().get("corrupt image"));
    }

    @Test
    void skipsAboveTheAllowedFractionFailTheRunNamingTheWorstReasons() {
        IOException e = assertThrows(IOException.class, () -> PrepJob.run(LocalSpark.get(), spec(0.01)));
        assertTrue(e.getMessage().contains("skipped 6 of 10"), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt image") && e.getMessage().contains("not an image file"), e.getMessage());
    }

    private static boolean has(Manifest m, String pathSuffix, String kind) {
        return m.skipped().stream().anyMatch(s -> s.path().endsWith(pathSuffix) && s.kind().equals(kind));
    }
}
