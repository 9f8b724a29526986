package org.ddep.prep;

import org.apache.spark.sql.Row;
import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shards prepped with {@code pixels = raw} hold the pixels a decoder gives for the source files, and
 * every reader of shards gets the same pixels from them as from encoded shards, without decoding.
 */
class RawPixelsTest {
    @Test
    void rawBytesDecodeToThePixelsTheyWereMadeFromAndDamageIsNamed() throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        byte[] rgb = new byte[3 * 5 * 7];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) r.nextInt(256);
        }
        Pixels p = new Pixels(5, 7, rgb);
        byte[] raw = RawPixels.of(p);
        assertTrue(RawPixels.is(raw));
        assertFalse(RawPixels.is(ImageCodec.encodePng(p)), "a PNG is not raw");
        assertFalse(RawPixels.is(ImageCodec.encodeJpeg(p)), "a JPEG is not raw");
        Pixels back = ImageCodec.decodeRgb(raw);
        assertEquals(5, back.height());
        assertEquals(7, back.width());
        assertArrayEquals(rgb, back.rgb());
        assertArrayEquals(rgb, ImageCodec.decodeChecked(raw).rgb());

        int[] ids = new int[5 * 7];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 3 == 0 ? ShardSchema.IGNORE : r.nextInt(150);
        }
        ImageCodec.Mask m = ImageCodec.decodeMask(RawPixels.of(new ImageCodec.Mask(5, 7, ids)));
        assertArrayEquals(ids, m.values());
        assertEquals(7, m.width());

        byte[] truncated = Arrays.copyOf(raw, raw.length - 4);
        IOException e = assertThrows(IOException.class, () -> ImageCodec.decodeRgb(truncated));
        assertTrue(e.getMessage().contains("5x7x3") && e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(ImageCodec.NotAMaskException.class, () -> ImageCodec.decodeMask(raw), "an RGB image is no mask");
        assertThrows(IOException.class, () -> ImageCodec.decodeRgb(RawPixels.of(new ImageCodec.Mask(5, 7, ids))));
        assertThrows(IllegalArgumentException.class, () -> RawPixels.of(new ImageCodec.Mask(1, 1, new int[]{256})));
    }

    @Test
    void rawShardsHoldWhatEncodedShardsDecodeTo(@TempDir Path dir) throws Exception {
        SyntheticScenes.write(new org.apache.hadoop.conf.Configuration(), dir.toUri().toString(),
                new SyntheticScenes.Spec(24, 1, 12, 4, 5));
        String in = dir.resolve("seg").toUri().toString();
        String out = dir.resolve("shards").toUri().toString();
        for (PixelStorage p : PixelStorage.values()) {
            PrepJob.run(LocalSpark.get(), new PrepJob.Spec("folder-pairs", p.configName(), in, out, List.of("train"),
                    128L << 20, 0.0, new Resize(20, 0), p));
        }
        Map<String, ShardRecord> encoded = rows(out, "encoded");
        Map<String, ShardRecord> raw = rows(out, "raw");
        assertEquals(encoded.keySet(), raw.keySet());
        assertEquals(12, raw.size());
        for (String id : raw.keySet()) {
            ShardRecord e = encoded.get(id);
            ShardRecord w = raw.get(id);
            assertTrue(RawPixels.is(w.image()) && RawPixels.is(w.mask()), id + " is not stored raw");
            assertFalse(RawPixels.is(e.image()) || RawPixels.is(e.mask()), id + " is not stored encoded");
            assertEquals(e.height(), w.height());
            assertEquals(20, Math.max(w.height(), w.width()), "resized before storing");
            assertEquals(e.labelKey(), w.labelKey());
            // The encoded shards' images were re-encoded after the resize (lossless PNG here), so both hold the same pixels.
            assertArrayEquals(ImageCodec.decodeRgb(e.image()).rgb(), ImageCodec.decodeRgb(w.image()).rgb(), id);
            assertArrayEquals(ImageCodec.decodeMask(e.mask()).values(), ImageCodec.decodeMask(w.mask()).values(), id);
        }
    }

    private static Map<String, ShardRecord> rows(String out, String name) {
        Map<String, ShardRecord> m = new TreeMap<>();
        for (Row r : LocalSpark.get().read().parquet(ShardSchema.splitPath(out, name, "train")).collectAsList()) {
            ShardRecord s = ShardSchema.fromRow(r);
            m.put(s.id(), s);
        }
        return m;
    }
}
