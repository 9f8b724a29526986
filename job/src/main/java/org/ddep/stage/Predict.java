package org.ddep.stage;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.config.EvalSettings;
import org.ddep.data.Augment;
import org.ddep.data.HadoopFiles;
import org.ddep.data.ImageTensors;
import org.ddep.eval.Segmenter;
import org.ddep.model.ModelFiles;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.ddep.report.Palette;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ddep predict}: a folder of images (or shards) to PNG masks of train ids and colour overlays,
 * distributed over Spark with the evaluation's test-time augmentation ({@code ddep.evaluate.*}).
 * Writes {@code OUTPUT/masks/<name>.png}, {@code OUTPUT/overlays/<name>.png} and
 * {@code OUTPUT/predict.json} (counts, every unreadable input with its reason).
 */
public final class Predict {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    public static final String MASKS = "masks";
    public static final String OVERLAYS = "overlays";
    public static final String SUMMARY = "predict.json";
    private static final long PROGRESS_EVERY_S = 30;

    private Predict() {
    }

    /** One input: its name under the output folders, and its encoded bytes. */
    record Input(String name, byte[] bytes) implements Serializable {
    }

    /** What happened to one input: null reason = written. */
    record Outcome(String name, String reason) implements Serializable {
    }

    public static Map<String, Object> run(SparkSession spark, DdepConfig c, String model, String input, String output)
            throws IOException {
        long t0 = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        if (!files.exists(model)) {
            throw new ConfigError("predict --model " + model + ": no such file");
        }
        if (!files.exists(input)) {
            throw new ConfigError("predict --input " + input + ": no such file or folder");
        }
        ComputationGraph net = ModelFiles.load(files, model, false);
        if (!(net.getOutputLayer(0).conf().getLayer() instanceof CnnLossLayer head)
                || !(head.getActivationFn() instanceof ActivationSoftmax)) {
            throw new ConfigError("predict --model " + model + " is not a segmentation model: its output is not per-pixel "
                    + "class probabilities (softmax); use a fine-tuned model, finetune/<variant>-f<fraction>/model.zip");
        }
        boolean shards = containsParquet(files, input);
        Manifest manifest = shards ? manifestNear(files, input) : null;
        EvalSettings.Protocol tta = c.evaluate().forLayout(manifest == null ? "" : manifest.layout(),
                c.finetune().schedule().imageSize());
        JavaRDD<Input> inputs = shards ? fromShards(spark, input) : fromFolder(spark, input);
        int partitions = Math.max(inputs.getNumPartitions(), spark.sparkContext().defaultParallelism());
        inputs = inputs.repartition(partitions);
        LOG.info("predict: {} ({}) with {} -> {}; test-time augmentation: {}", input, shards ? "shards" : "image folder",
                model, output, tta.describe());
        Palette palette = manifest == null ? new Palette(List.of(), Map.of())
                : new Palette(manifest.classNames(), manifest.classColours());
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> weights = jsc.broadcast(ModelFiles.toBytes(net, false));
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        int divisor = c.model().inputDivisor();
        List<Outcome> outcomes;
        try {
            outcomes = inputs.mapPartitionsWithIndex((partition, it) -> {
                List<Outcome> out = new ArrayList<>();
                if (!it.hasNext()) {
                    return out.iterator();
                }
                HadoopFiles fs = new HadoopFiles(conf.value());
                Segmenter seg = new Segmenter(ModelFiles.fromBytes(weights.value(), false), divisor, tta);
                long start = System.nanoTime();
                long lastLog = start;
                while (it.hasNext()) {
                    Input in = it.next();
                    out.add(predictOne(fs, seg, palette, in, output));
                    long now = System.nanoTime();
                    if (now - lastLog > PROGRESS_EVERY_S * 1_000_000_000L) {
                        lastLog = now;
                        LOG.info("predict: partition {}: {} images, {} img/s", partition, out.size(),
                                String.format("%.2f", out.size() / ((now - start) / 1e9)));
                    }
                }
                return out.iterator();
            }, false).collect();
        } finally {
            weights.destroy();
        }
        List<String> skipped = new ArrayList<>();
        long written = 0;
        for (Outcome o : outcomes) {
            if (o.reason() == null) {
                written++;
            } else {
                skipped.add(o.name() + ": " + o.reason());
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", model);
        summary.put("input", input);
        summary.put("input_kind", shards ? "shards" : "images");
        summary.put("images", outcomes.size());
        summary.put("written", written);
        summary.put("skipped_images", skipped.size());
        summary.put("skipped", skipped);
        summary.put("tta", tta.describe());
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        files.writeString(HadoopFiles.join(output, SUMMARY), EvaluateStage.JSON.writeValueAsString(summary));
        if (!skipped.isEmpty()) {
            LOG.warn("predict: {} of {} inputs could not be read and were skipped, e.g. {}", skipped.size(),
                    outcomes.size(), skipped.subList(0, Math.min(5, skipped.size())));
        }
        return summary;
    }

    private static Outcome predictOne(HadoopFiles fs, Segmenter seg, Palette palette, Input in, String output)
            throws IOException {
        ImageTensors.Image img;
        try {
            img = ImageTensors.decode(in.bytes());
        } catch (IOException | RuntimeException e) {
            return new Outcome(in.name(), e.getMessage());
        }
        Augment.Sample s = new Augment.Sample(img.chw(), img.height(), img.width(), null);
        int[] ids = seg.predict(s);
        int h = img.height();
        int w = img.width();
        fs.writeBytes(HadoopFiles.join(output, MASKS, in.name() + ".png"),
                ImageCodec.encodeMask(new ImageCodec.Mask(h, w, ids)));
        fs.writeBytes(HadoopFiles.join(output, OVERLAYS, in.name() + ".png"),
                ImageCodec.encodePng(overlay(ImageTensors.toImage(img.chw(), h, w), palette.render(ids, h, w))));
        return new Outcome(in.name(), null);
    }

    /** The image and the mask's colours, half and half. */
    static BufferedImage overlay(BufferedImage image, BufferedImage mask) {
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = image.getRGB(x, y);
                int b = mask.getRGB(x, y);
                int r = (((a >> 16) & 0xff) + ((b >> 16) & 0xff)) / 2;
                int g = (((a >> 8) & 0xff) + ((b >> 8) & 0xff)) / 2;
                int bl = ((a & 0xff) + (b & 0xff)) / 2;
                out.setRGB(x, y, r << 16 | g << 8 | bl);
            }
        }
        return out;
    }

    /** Every file under the folder (recursively; names starting with '.' or '_' are Spark's and left out). */
    private static JavaRDD<Input> fromFolder(SparkSession spark, String input) {
        String root = new Path(input).toUri().getPath();
        String base = root.endsWith("/") ? root : root + "/";
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(input)
                .select("path", "content").javaRDD().map(r -> {
                    String path = new Path(r.getString(0)).toUri().getPath();
                    String rel = path.startsWith(base) ? path.substring(base.length()) : new Path(path).getName();
                    int dot = rel.lastIndexOf('.');
                    return new Input(dot > rel.lastIndexOf('/') ? rel.substring(0, dot) : rel, (byte[]) r.get(1));
                });
    }

    private static JavaRDD<Input> fromShards(SparkSession spark, String input) {
        return spark.read().schema(ShardSchema.SCHEMA).option("recursiveFileLookup", "true").parquet(input).javaRDD()
                .map((Row row) -> {
                    ShardRecord r = ShardSchema.fromRow(row);
                    return new Input(r.id().replaceAll("[^A-Za-z0-9._/-]", "_"), r.image());
                });
    }

    private static boolean containsParquet(HadoopFiles files, String input) throws IOException {
        var fs = files.fs(input);
        Path p = new Path(input);
        FileStatus st = fs.getFileStatus(p);
        if (st.isFile()) {
            return p.getName().endsWith(".parquet");
        }
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
        while (it.hasNext()) {
            if (it.next().getPath().getName().endsWith(".parquet")) {
                return true;
            }
        }
        return false;
    }

    /** The manifest of a shard dataset given as its folder or one of its split folders, if there is one. */
    private static Manifest manifestNear(HadoopFiles files, String input) throws IOException {
        Path p = new Path(input);
        for (Path dir : new Path[]{p, p.getParent()}) {
            if (dir != null && files.exists(new Path(dir, ShardSchema.MANIFEST).toString())) {
                return Manifest.read(files.conf(), new Path(dir, ShardSchema.MANIFEST).toString());
            }
        }
        return null;
    }
}
