package org.ddep.bench;

import org.ddep.config.NoiseSpec;
import org.ddep.data.Augment;
import org.ddep.data.EpochData;
import org.ddep.data.Examples;
import org.ddep.data.HostExample;
import org.ddep.data.ImageTensors;
import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.RawPixels;
import org.ddep.prep.ShardRecord;
import org.ddep.testing.ClassFolderFixtures;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Training input throughput (a benchmark, not a test): the exact code that turns shard rows into
 * training examples ({@link EpochData}'s example functions), with no training behind it, on 1 and 2
 * threads, for three cases on generated noise-textured images:
 * (a) denoising at 224 from 341x256 JPEGs (ImageNet prepped to short side 256);
 * (b) fine-tuning at 512 crops from 683x512 JPEG + PNG mask pairs (ADE20K-sized, 150 classes);
 * (c) fine-tuning at 1024 crops from 2048x1024 PNG pairs (Cityscapes-sized, 19 classes).
 * (b) and (c) run again from the same pairs stored as prep's {@code pixels = raw} stores them
 * ("b-raw", "c-raw"). Prints one JSON line per case and thread count (with the row's bytes), then
 * the per-stage costs on one thread.
 * The images are written once to DIR/CASE/ for bench/input_peer.py to read the same files.
 * <p>Usage: InputBenchmark DIR [PASSES=2] [CASES=a,b,c]
 */
public final class InputBenchmark {
    record Case(String name, int count, int height, int width, boolean jpeg, int crop, int classes) {
    }

    static final List<Case> CASES = List.of(
            new Case("a", 200, 256, 341, true, 224, 0),
            new Case("b", 40, 512, 683, true, 512, 150),
            new Case("c", 8, 1024, 2048, false, 1024, 19));

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        List<String> only = List.of((args.length > 2 ? args[2] : "a,b,c").split(","));
        for (Case c : CASES.stream().filter(c -> only.contains(c.name())).toList()) {
            List<ShardRecord> rows = rows(dir.resolve(c.name()), c);
            EpochData.ExampleFn fn = c.classes() == 0 ? EpochData.denoising(c.crop(), true, NoiseSpec.paperDefault())
                    : EpochData.segmentation(c.crop(), true, c.classes());
            measure(c.name(), c, fn, rows, passes);
            if (c.classes() > 0) {
                // The same pairs as prep stores them with pixels = raw: decoded once, no decoding per example.
                measure(c.name() + "-raw", c, fn, raw(rows), passes);
            }
        }
    }

    private static void measure(String name, Case c, EpochData.ExampleFn fn, List<ShardRecord> rows, int passes)
            throws Exception {
        // Warm-up (JIT, native libraries, the heap and the minibatch buffers) for at least 3 s on one
        // thread, then a pass on two: one pass of (b)'s 40 rows was still compiling, and its one-thread
        // figure came out below its two-thread one.
        long until = System.nanoTime() + 3_000_000_000L;
        do {
            run(fn, rows, 1, 1);
        } while (System.nanoTime() < until);
        run(fn, rows, 2, 1);
        long bytes = rows.stream().mapToLong(r -> r.image().length + (r.mask() == null ? 0 : r.mask().length)).sum();
        for (int threads = 1; threads <= 2; threads++) {
            double perCore = run(fn, rows, threads, passes) / threads;
            System.out.printf(Locale.ROOT, "{\"bench\":\"ddep\",\"case\":\"%s\",\"threads\":%d,\"per_core\":%.1f,"
                    + "\"row_bytes\":%d}%n", name, threads, perCore, bytes / rows.size());
        }
        System.out.println(stages(c, rows).replace("\"case\":\"" + c.name() + "\"", "\"case\":\"" + name + "\""));
    }

    /** The rows with image and mask stored as {@link RawPixels}, as {@code pixels = raw} prep writes them. */
    private static List<ShardRecord> raw(List<ShardRecord> rows) throws IOException {
        List<ShardRecord> out = new ArrayList<>();
        for (ShardRecord r : rows) {
            out.add(new ShardRecord(r.id(), RawPixels.of(ImageCodec.decodeRgb(r.image())), r.height(), r.width(),
                    RawPixels.of(ImageCodec.decodeMask(r.mask())), r.label(), r.labelKey(), r.source()));
        }
        return out;
    }

    /** Minibatch size the examples are stacked into, as the peer's {@code torch.stack} does. */
    static final int BATCH = 8;

    /** Examples in a stacked minibatch, whose off-heap arrays are then freed as a consumed minibatch's are. */
    private static long consume(org.nd4j.linalg.dataset.api.MultiDataSet m) {
        long n = m.getFeatures(0).size(0);
        org.ddep.data.RoundChunk.release(m);
        return n;
    }

    /** Examples per second (stacked into minibatches of {@link #BATCH}) over {@code passes} passes of every row on each of {@code threads} threads. */
    private static double run(EpochData.ExampleFn fn, List<ShardRecord> rows, int threads, int passes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t = System.nanoTime();
            List<Future<Long>> done = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                long seed = k;
                done.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    long n = 0;
                    List<HostExample> batch = new ArrayList<>(BATCH);
                    for (int p = 0; p < passes; p++) {
                        for (ShardRecord r : rows) {
                            batch.add(fn.apply(r, rnd));
                            if (batch.size() == BATCH) {
                                n += consume(HostExample.stack(batch));
                                batch.clear();
                            }
                        }
                    }
                    return n;
                }));
            }
            long n = 0;
            for (Future<Long> f : done) {
                n += f.get();
            }
            return n / ((System.nanoTime() - t) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Milliseconds per example for each stage of the example function, on one thread. Where the code
     * crops and flips decoded pixels before converting them, that one pass is reported as crop/flip
     * and conversion is "fused"; otherwise conversion is ImageTensors.decode minus the codec's decode.
     */
    private static String stages(Case c, List<ShardRecord> rows) throws Exception {
        Method decodeOnly = decoder();
        Method fusedView = fused("trainingView", int.class, boolean.class, SplittableRandom.class);
        Method fusedCrop = fused("randomCropFlip", int[].class, int.class, boolean.class, SplittableRandom.class);
        boolean isFused = fusedView != null && fusedCrop != null;
        DenoisingObjective objective = new DenoisingObjective(NoiseSpec.paperDefault());
        SplittableRandom rnd = new SplittableRandom(7);
        long decode = 0;
        long convert = 0;
        long crop = 0;
        long noise = 0;
        long minibatch = 0;
        List<HostExample> batch = new ArrayList<>(BATCH);
        for (ShardRecord r : rows) {
            long t0 = System.nanoTime();
            Object pixels = decodeOnly.invoke(null, (Object) r.image());
            long image = System.nanoTime() - t0;
            int[] mask = c.classes() == 0 ? null : ImageCodec.decodeMask(r.mask()).values();
            long t1 = System.nanoTime();
            decode += t1 - t0;
            Augment.Sample s;
            if (isFused) {
                s = (Augment.Sample) (c.classes() == 0 ? fusedView.invoke(null, pixels, c.crop(), true, rnd)
                        : fusedCrop.invoke(null, pixels, mask, c.crop(), true, rnd));
            } else {
                ImageTensors.Image img = ImageTensors.decode(r.image());
                long t2 = System.nanoTime();
                convert += Math.max(0, t2 - t1 - image);
                t1 = t2;
                s = new Augment.Sample(img.chw(), img.height(), img.width(), mask);
                s = c.classes() == 0 ? Augment.trainingView(s, c.crop(), true, rnd) : Augment.randomCrop(s, c.crop(), rnd);
                s = c.classes() != 0 && rnd.nextBoolean() ? Augment.flip(s) : s;
            }
            long t3 = System.nanoTime();
            DenoisingObjective.Example e = c.classes() == 0 ? objective.corrupt(s.chw(), rnd) : null;
            long t4 = System.nanoTime();
            batch.add(e != null ? Examples.denoising(e, c.crop(), c.crop()) : Examples.segmentation(s, c.classes()));
            if (batch.size() == BATCH) {
                consume(HostExample.stack(batch));
                batch.clear();
            }
            long t5 = System.nanoTime();
            crop += t3 - t1;
            noise += t4 - t3;
            minibatch += t5 - t4;
        }
        double n = rows.size() * 1e6;
        return String.format(Locale.ROOT, "{\"bench\":\"ddep-stages\",\"case\":\"%s\",\"decode_ms\":%.2f,\"conversion_ms\":%s,"
                        + "\"crop_flip_ms\":%.2f,\"noise_ms\":%.2f,\"minibatch_ms\":%.2f}", c.name(), decode / n,
                isFused ? "\"fused\"" : String.format(Locale.ROOT, "%.2f", convert / n), crop / n, noise / n, minibatch / n);
    }

    private static Method fused(String name, Class<?>... rest) {
        try {
            Class<?> pixels = Class.forName("org.ddep.prep.Pixels");
            Class<?>[] params = new Class<?>[rest.length + 1];
            params[0] = pixels;
            System.arraycopy(rest, 0, params, 1, rest.length);
            Method m = Augment.class.getDeclaredMethod(name, params);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** The codec's own decode call (RGB bytes where it has one, else the Java image), without the float conversion. */
    private static Method decoder() throws NoSuchMethodException {
        try {
            return ImageCodec.class.getMethod("decodeRgb", byte[].class);
        } catch (NoSuchMethodException e) {
            return ImageCodec.class.getMethod("decode", byte[].class);
        }
    }

    /** Shard rows of the case's generated files, writing the files first if they are not there. */
    private static List<ShardRecord> rows(Path dir, Case c) throws IOException {
        if (!Files.exists(dir.resolve("done"))) {
            for (int i = 0; i < c.count(); i++) {
                // a quarter portrait, as in ImageNet
                boolean portrait = c.jpeg() && c.classes() == 0 && i % 4 == 3;
                int h = portrait ? c.width() : c.height();
                int w = portrait ? c.height() : c.width();
                var picture = ClassFolderFixtures.picture(h, w, 1000L * c.name().charAt(0) + i);
                String stem = String.format("%04d", i);
                ClassFolderFixtures.write(dir.resolve(stem + (c.jpeg() ? ".jpg" : ".png")),
                        c.jpeg() ? ImageCodec.encodeJpeg(picture) : ImageCodec.encodePng(picture));
                if (c.classes() > 0) {
                    ClassFolderFixtures.write(dir.resolve(stem + "_mask.png"), ImageCodec.encodeMask(mask(h, w, c.classes(), i)));
                }
            }
            Files.writeString(dir.resolve("done"), "");
        }
        List<ShardRecord> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().contains("_mask") && !p.endsWith("done")).sorted().toList()) {
                String name = f.getFileName().toString();
                Path m = dir.resolve(name.substring(0, name.lastIndexOf('.')) + "_mask.png");
                byte[] image = Files.readAllBytes(f);
                var decoded = ImageCodec.decode(image);
                rows.add(new ShardRecord(name, image, decoded.getHeight(), decoded.getWidth(),
                        Files.exists(m) ? Files.readAllBytes(m) : null, null, 0.5, name));
            }
        }
        return rows;
    }

    /** Labels in blocks of 32 pixels, some ignore (255), as segmentation masks look to a PNG encoder. */
    private static ImageCodec.Mask mask(int h, int w, int classes, long seed) {
        Random r = new Random(seed);
        int bw = (w + 31) / 32;
        int[] block = r.ints((long) bw * ((h + 31) / 32), 0, classes + 1).map(v -> v == classes ? 255 : v).toArray();
        int[] v = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y * w + x] = block[(y / 32) * bw + x / 32];
            }
        }
        return new ImageCodec.Mask(h, w, v);
    }
}
