package org.ddep.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the windows of sliding-window inference start along one side: every {@code stride} pixels,
 * plus a last window flush with the far edge, so that every pixel is covered and no window sticks out
 * (a side no longer than the window gets one window at 0).
 */
public final class SlidingWindow {
    private SlidingWindow() {
    }

    public static int[] starts(int side, int window, int stride) {
        if (window < 1 || stride < 1) {
            throw new IllegalArgumentException("window " + window + " and stride " + stride + " must be positive");
        }
        if (stride > window) {
            throw new IllegalArgumentException("stride " + stride + " > window " + window + " leaves gaps");
        }
        List<Integer> out = new ArrayList<>();
        if (side <= window) {
            return new int[]{0};
        }
        int last = side - window;
        for (int p = 0; p < last; p += stride) {
            out.add(p);
        }
        out.add(last);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
