package org.ddep.eval;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.ddep.config.EvalSettings;
import org.ddep.data.Augment;
import org.ddep.data.EpochData;
import org.ddep.model.ModelFiles;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Distributed evaluation: the model is broadcast once, every partition predicts its images at the
 * label's resolution and builds a confusion matrix, the driver sums them (DESIGN.md "Evaluation").
 * An image or mask that cannot be decoded is counted and named, never fatal and never silent.
 */
public final class Evaluator {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    /** Skipped rows named in full per partition; the count is always exact. */
    static final int NAMED_SKIPS = 20;
    private static final long PROGRESS_EVERY_S = 30;

    private Evaluator() {
    }

    /** What an evaluation found: the summed confusion matrix and the rows that could not be read. */
    public record Tally(ConfusionMatrix matrix, long skipped, List<String> skippedRows) implements Serializable {
        Tally merge(Tally o) {
            List<String> rows = new ArrayList<>(skippedRows);
            o.skippedRows.stream().limit(Math.max(0, NAMED_SKIPS - rows.size())).forEach(rows::add);
            return new Tally(matrix.merge(o.matrix), skipped + o.skipped, rows);
        }
    }

    public static Tally evaluate(JavaSparkContext sc, ComputationGraph net, JavaRDD<Row> rows, int classes, int divisor,
                                 EvalSettings.Protocol tta, String label) throws IOException {
        Broadcast<byte[]> model = sc.broadcast(ModelFiles.toBytes(net, false));
        try {
            return rows.mapPartitionsWithIndex((partition, it) -> {
                ConfusionMatrix m = new ConfusionMatrix(classes);
                List<String> named = new ArrayList<>();
                long skipped = 0;
                if (it.hasNext()) {
                    Segmenter seg = new Segmenter(ModelFiles.fromBytes(model.value(), false), divisor, tta);
                    long t0 = System.nanoTime();
                    long lastLog = t0;
                    while (it.hasNext()) {
                        ShardRecord r = ShardSchema.fromRow(it.next());
                        Augment.Sample image;
                        ImageCodec.Mask mask;
                        try {
                            image = EpochData.sample(r, false);
                            mask = ImageCodec.decodeMask(r.mask());
                            checkLabels(mask, classes);
                        } catch (IOException | RuntimeException e) {
                            skipped++;
                            if (named.size() < NAMED_SKIPS) {
                                named.add(r.id() + " (" + r.source() + "): " + e.getMessage());
                            }
                            continue;
                        }
                        m.add(mask.values(), seg.predict(image, mask.height(), mask.width()));
                        long now = System.nanoTime();
                        if (now - lastLog > PROGRESS_EVERY_S * 1_000_000_000L) {
                            lastLog = now;
                            LOG.info("{}: partition {}: {} images, {} img/s", label, partition, m.images(),
                                    String.format("%.2f", m.images() / ((now - t0) / 1e9)));
                        }
                    }
                }
                return List.of(new Tally(m, skipped, named)).iterator();
            }, false).reduce(Tally::merge);
        } finally {
            model.destroy();
        }
    }

    /** A mask value that is neither a class nor ignore makes the image unusable (prep maps such values to ignore). */
    private static void checkLabels(ImageCodec.Mask mask, int classes) throws IOException {
        for (int v : mask.values()) {
            if (v >= classes && v != ShardSchema.IGNORE) {
                throw new IOException("mask value " + v + " is neither a class in [0, " + classes + ") nor ignore ("
                        + ShardSchema.IGNORE + ")");
            }
        }
    }
}
