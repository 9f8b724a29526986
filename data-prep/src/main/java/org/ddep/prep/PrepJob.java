package org.ddep.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The prep job: a dataset in its source layout to Parquet shards plus {@code _manifest.json}.
 * Listing runs on the driver; reading, validating and decoding run on executors. A bad input is a
 * {@link Skip} with its reason, never a failed job nor a silent drop. Output is deterministic and
 * replaces earlier (possibly partial) output of the same split.
 */
public final class PrepJob {
    private static final Logger LOG = LoggerFactory.getLogger(PrepJob.class);

    /**
     * @param layout  source layout ({@link Layouts#names()})
     * @param name    the shard dataset's name: {@code <output>/<name>/split=...}
     */
    public record Spec(String layout, String name, String input, String output, List<String> splits,
                       long targetFileBytes, double maxSkipFraction, Resize resize, PixelStorage pixels)
            implements Serializable {
        public Spec(String layout, String name, String input, String output, List<String> splits,
                    long targetFileBytes, double maxSkipFraction) {
            this(layout, name, input, output, splits, targetFileBytes, maxSkipFraction, Resize.NONE);
        }

        public Spec(String layout, String name, String input, String output, List<String> splits,
                    long targetFileBytes, double maxSkipFraction, Resize resize) {
            this(layout, name, input, output, splits, targetFileBytes, maxSkipFraction, resize, PixelStorage.ENCODED);
        }

        public Spec {
            if (targetFileBytes <= 0) {
                throw new IllegalArgumentException("target file size must be positive, got " + targetFileBytes);
            }
            if (maxSkipFraction < 0 || maxSkipFraction > 1) {
                throw new IllegalArgumentException("max skip fraction must be in [0, 1], got " + maxSkipFraction);
            }
        }
    }

    private PrepJob() {
    }

    public static Manifest run(SparkSession spark, Spec spec) throws IOException {
        DatasetLayout layout = Layouts.byName(spec.layout());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path root = new Path(spec.input());
        FileSystem fs = root.getFileSystem(hadoop);
        if (!fs.exists(root)) {
            throw new IOException("prep input " + spec.input() + " does not exist");
        }
        DatasetLayout.Listing listing = layout.list(fs, root, spec.splits());
        LOG.info("prep {}: {} inputs found under {}, {} skipped while listing; pixels stored {}",
                layout.name(), listing.items().size(), spec.input(), listing.skips().size(), spec.pixels().configName());

        LabelMap labelMap = layout.labelMap(listing);
        String rootUri = fs.makeQualified(root).toString();
        InputReader reader = new InputReader(new HadoopConf(hadoop), labelMap, rootUri, spec.resize(), spec.pixels());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(listing.items().size(),
                Math.max(jsc.defaultParallelism() * 4, listing.items().size() / 256)));
        jsc.setJobGroup("prep", "prep " + layout.name() + " " + spec.input(), false);
        // The read outcomes (encoded images and masks) are reused by the passes below, so they are kept,
        // but on the executors' local disks only: as MEMORY_AND_DISK_SER they filled the heap with
        // cached blocks and a 50,000-image prep ran out of a 3 GB heap. Kept bytes are the encoded
        // dataset, spread over the executors (docs/scaling.md).
        JavaRDD<InputReader.Outcome> outcomes = jsc.parallelize(listing.items(), slices)
                .mapPartitions(reader::readAll)
                .persist(StorageLevel.DISK_ONLY());
        try {
            // One pass over the kept outcomes for everything the driver needs before writing (it was four
            // passes, each reading every kept image back from disk). Partials are merged in partition
            // order, so the floating-point channel sums, and the manifest, are the same on every run.
            Summary summary = new Summary();
            int keyCap = ShardPlacement.keysPerPartition(slices);
            outcomes.mapPartitions(it -> Summary.of(it, keyCap)).collect().forEach(summary::merge);
            List<Skip> skips = new ArrayList<>(listing.skips());
            skips.addAll(summary.skips);
            skips.sort(Comparator.comparing(Skip::path));
            Map<String, ImageStats> perSplit = summary.perSplit;
            Map<String, Long> outOfRange = summary.outOfRange;
            Map<String, Long> labelled = summary.labelled;

            long valid = perSplit.values().stream().mapToLong(s -> s.images).sum();
            Map<String, Long> byReason = skips.stream()
                    .collect(Collectors.groupingBy(Skip::kind, TreeMap::new, Collectors.counting()));
            checkSkips(spec, valid, skips, byReason);

            Map<String, Integer> files = new TreeMap<>();
            for (Map.Entry<String, ImageStats> e : perSplit.entrySet()) {
                String split = e.getKey();
                long count = e.getValue().images;
                int n = (int) Math.max(1, Math.min(count, Math.ceil(e.getValue().bytes / (double) spec.targetFileBytes())));
                ShardPlacement.Keys carried = summary.keys.get(split);
                long[] keys = carried == null ? null : carried.all();
                long[] bounds = ShardPlacement.bounds(keys, count, n);
                // Each file one range of id hashes, rows sorted by (hash, id) inside it (ShardPlacement):
                // every shard a uniform sample of the split, in the same place on every prep run, with the
                // ranges from the summary pass, so no job reads the kept images again to sample keys.
                JavaRDD<Row> rows = outcomes.filter(o -> o.record != null && o.split.equals(split))
                        .mapToPair(o -> new scala.Tuple2<>(new scala.Tuple2<>(ShardPlacement.key(o.record.id()), o.record.id()),
                                ShardSchema.toRow(o.record)))
                        .repartitionAndSortWithinPartitions(new ShardPlacement.ByBounds(bounds), new ShardPlacement.Order())
                        .values();
                String out = ShardSchema.splitPath(spec.output(), spec.name(), split);
                spark.createDataFrame(rows, ShardSchema.SCHEMA).write().mode(SaveMode.Overwrite).parquet(out);
                files.put(split, n);
                LOG.info("prep {}: split {} -> {} rows in {} file(s) at {} ({} ranges of id hashes)", spec.name(), split,
                        count, n, out, keys != null && keys.length == count ? "equal-count" : "equal-width");
            }

            // A requested split without valid rows must not keep an earlier run's shards.
            for (String split : spec.splits()) {
                Path stale = new Path(ShardSchema.splitPath(spec.output(), spec.name(), split));
                if (!perSplit.containsKey(split) && stale.getFileSystem(hadoop).exists(stale)) {
                    stale.getFileSystem(hadoop).delete(stale, true);
                    LOG.warn("prep {}: split {} has no valid rows now; removed its earlier shards at {}", spec.name(),
                            split, stale);
                }
            }
            Manifest m = manifest(spec, layout, listing, perSplit, labelled, skips, byReason, outOfRange, files, rootUri);
            m.write(hadoop, ShardSchema.manifestPath(spec.output(), spec.name()));
            summarise(spec.name(), m);
            return m;
        } finally {
            outcomes.unpersist(false);
            jsc.clearJobGroup();
        }
    }

    /**
     * What one pass over the read outcomes tells the driver: skips, statistics per split, masks with
     * out-of-range values, labelled images, and the rows' placement keys (up to a cap per partition).
     */
    static final class Summary implements Serializable {
        final List<Skip> skips = new ArrayList<>();
        final Map<String, ImageStats> perSplit = new TreeMap<>();
        final Map<String, Long> outOfRange = new TreeMap<>();
        final Map<String, Long> labelled = new TreeMap<>();
        final Map<String, ShardPlacement.Keys> keys = new TreeMap<>();

        static java.util.Iterator<Summary> of(java.util.Iterator<InputReader.Outcome> outcomes, int keyCap) {
            Summary s = new Summary();
            while (outcomes.hasNext()) {
                InputReader.Outcome o = outcomes.next();
                if (o.skip != null) {
                    s.skips.add(o.skip);
                }
                if (o.outOfRange > 0) {
                    s.outOfRange.merge(o.maskPath, (long) o.outOfRange, Long::sum);
                }
                if (o.record != null) {
                    s.perSplit.computeIfAbsent(o.split, k -> new ImageStats()).merge(o.stats);
                    s.keys.computeIfAbsent(o.split, k -> new ShardPlacement.Keys()).add(ShardPlacement.key(o.record.id()), keyCap);
                    if (o.record.hasMask()) {
                        s.labelled.merge(o.split, 1L, Long::sum);
                    }
                }
            }
            return List.of(s).iterator();
        }

        void merge(Summary o) {
            skips.addAll(o.skips);
            o.perSplit.forEach((k, v) -> perSplit.computeIfAbsent(k, x -> new ImageStats()).merge(v));
            o.outOfRange.forEach((k, v) -> outOfRange.merge(k, v, Long::sum));
            o.labelled.forEach((k, v) -> labelled.merge(k, v, Long::sum));
            o.keys.forEach((k, v) -> keys.computeIfAbsent(k, x -> new ShardPlacement.Keys()).merge(v));
        }
    }

    private static void checkSkips(Spec spec, long valid, List<Skip> skips, Map<String, Long> byReason)
            throws IOException {
        String worst = byReason.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(3).map(e -> e.getValue() + " x " + e.getKey()).collect(Collectors.joining(", "));
        if (valid == 0) {
            throw new IOException("prep found nothing valid under " + spec.input()
                    + (skips.isEmpty() ? "" : "; skipped: " + worst + "; first: " + skips.get(0)));
        }
        double fraction = skips.size() / (double) (valid + skips.size());
        if (fraction > spec.maxSkipFraction()) {
            throw new IOException(String.format("prep skipped %d of %d inputs (%.2f%%), more than the allowed %.2f%%"
                            + " (prep.max-skip-fraction); worst reasons: %s; first: %s", skips.size(),
                    valid + skips.size(), 100 * fraction, 100 * spec.maxSkipFraction(), worst, skips.get(0)));
        }
    }

    private static Manifest manifest(Spec spec, DatasetLayout layout, DatasetLayout.Listing listing,
                                     Map<String, ImageStats> perSplit, Map<String, Long> labelled, List<Skip> skips,
                                     Map<String, Long> byReason, Map<String, Long> outOfRange,
                                     Map<String, Integer> files, String rootUri) {
        ImageStats all = new ImageStats();
        perSplit.values().forEach(all::merge);
        List<String> names = new ArrayList<>(listing.classNames());
        if (names.isEmpty()) {
            for (int i = 0; i <= all.maxClassId(); i++) {
                names.add("class_" + i);
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        perSplit.forEach((k, v) -> counts.put(k, v.images));
        Map<String, Object> source = new LinkedHashMap<>(listing.layoutInfo());
        source.put("input", rootUri);
        source.put("resize", spec.resize().describe());
        source.put("resized_images", all.resized);
        source.put("channel_stats", "RGB 0..255, estimated from a strided sample of about "
                + ImageStats.SAMPLE_PIXELS + " pixels per image");
        List<Long> classPixels = new ArrayList<>();
        for (int c = 0; c < Math.min(names.size(), ShardSchema.IGNORE); c++) {
            classPixels.add(all.maskValues[c]);
        }
        return new Manifest(spec.name(), layout.name(), Version.VALUE, source, ShardSchema.IGNORE, names,
                listing.classColours(), counts, labelled,
                new Manifest.ImageSize(all.minHeight, all.maxHeight, all.sumHeight / (double) all.images,
                        all.minWidth, all.maxWidth, all.sumWidth / (double) all.images),
                java.util.Arrays.stream(all.mean()).boxed().toList(), java.util.Arrays.stream(all.std()).boxed().toList(),
                List.copyOf(classPixels), byReason, skips, outOfRange, files);
    }

    private static void summarise(String dataset, Manifest m) {
        LOG.info("prep {} done: {} rows per split {}, {} classes, {} skipped {}", dataset,
                m.counts().values().stream().mapToLong(Long::longValue).sum(), m.counts(), m.numClasses(),
                m.skipped().size(), m.skippedByReason());
        if (!m.outOfRangeLabels().isEmpty()) {
            LOG.warn("prep {}: {} mask(s) had label values outside the dataset's classes (mapped to ignore): {}",
                    dataset, m.outOfRangeLabels().size(), m.outOfRangeLabels());
        }
        m.skipped().stream().limit(20).forEach(s -> LOG.warn("prep {}: skipped {}: {}", dataset, s.path(), s.reason()));
    }
}
