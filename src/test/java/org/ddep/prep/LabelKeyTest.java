package org.ddep.prep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelKeyTest {
    @Test
    void keysAreStableUniformAndNest() {
        int n = 20_000;
        int in1 = 0;
        int in5 = 0;
        int in10 = 0;
        for (int i = 0; i < n; i++) {
            double k = LabelKey.of("train/img_" + i);
            assertTrue(k >= 0 && k < 1);
            assertEquals(k, LabelKey.of("train/img_" + i));
            boolean a = LabelKey.selected(k, 0.01);
            boolean b = LabelKey.selected(k, 0.05);
            boolean c = LabelKey.selected(k, 0.10);
            assertTrue(!a || b, "1% subset must lie inside 5%");
            assertTrue(!b || c, "5% subset must lie inside 10%");
            in1 += a ? 1 : 0;
            in5 += b ? 1 : 0;
            in10 += c ? 1 : 0;
        }
        assertEquals(0.01, in1 / (double) n, 0.003);
        assertEquals(0.05, in5 / (double) n, 0.006);
        assertEquals(0.10, in10 / (double) n, 0.008);
    }
}
