package org.ddep.data;

import org.apache.spark.sql.Row;
import org.ddep.prep.PrepJob;
import org.ddep.prep.ShardSchema;
import org.ddep.testing.ClassFolderFixtures;
import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report's sample images come from the first shard files of a split, not from an ordering of the
 * whole split (which would read every image of ImageNet-21k to keep a few), and are the same on every call.
 */
class ShardSampleTest {
    @Test
    void aSampleReadsTheFirstShardsOnlyAndSpansFilesWhenOneIsTooSmall(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in21k");
        for (int i = 0; i < 24; i++) {
            ClassFolderFixtures.write(in.resolve("n0000000" + (i % 3) + "/img" + i + ".JPEG"),
                    ClassFolderFixtures.jpeg(24, 24, i));
        }
        String out = dir.resolve("shards").toUri().toString();
        // Shards of about 4 KB: several files, each a hash-placed share of the split.
        PrepJob.run(LocalSpark.get(), new PrepJob.Spec("imagenet21k", "in21k", in.toUri().toString(), out,
                List.of("train"), 4096L, 0.0));
        Path split = Path.of(URI.create(ShardSchema.splitPath(out, "in21k", "train")));
        List<Path> files;
        try (Stream<Path> s = Files.list(split)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
        assertTrue(files.size() > 2, "too few shard files to test: " + files);
        Shards shards = new Shards(LocalSpark.get(), out);
        Set<String> first = ids(LocalSpark.get().read().schema(ShardSchema.SCHEMA).parquet(files.get(0).toUri()
                .toString()).collectAsList());
        assertTrue(first.size() > 1 && first.size() < 24, first.toString());

        // Half the first file: its rows of lowest label key (a uniform hash of the id), not its first ids.
        List<Row> firstRows = byLabelKey(files.get(0));
        int half = first.size() / 2;
        List<Row> few = shards.sample("in21k", "train", half, false);
        assertEquals(ids(firstRows.subList(0, half)), ids(few));
        assertEquals(ids(few), ids(shards.sample("in21k", "train", half, false)), "not repeatable");

        // One more row than the first file holds: all of it, then the second file's row of lowest label key.
        List<Row> more = shards.sample("in21k", "train", first.size() + 1, false);
        assertEquals(first.size() + 1, more.size());
        assertTrue(ids(more).containsAll(first), "the first shard's rows come first");
        assertEquals(byLabelKey(files.get(1)).get(0).<String>getAs(ShardSchema.ID),
                more.get(first.size()).<String>getAs(ShardSchema.ID));

        List<Row> all = shards.sample("in21k", "train", 100, false);
        assertEquals(24, all.size());
        assertEquals(24, ids(all).size());
    }

    private static List<Row> byLabelKey(Path file) {
        List<Row> rows = new ArrayList<>(LocalSpark.get().read().schema(ShardSchema.SCHEMA).parquet(file.toUri().toString())
                .collectAsList());
        rows.sort(Comparator.comparingDouble(r -> r.<Double>getAs(ShardSchema.LABEL_KEY)));
        return rows;
    }

    private static Set<String> ids(List<Row> rows) {
        Set<String> out = new HashSet<>();
        for (Row r : rows) {
            out.add(r.getAs(ShardSchema.ID));
        }
        return out;
    }
}
