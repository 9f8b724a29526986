package org.ddep.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Released minibatch arrays are filled again for the next minibatch of their shape, and never handed out twice. */
class MinibatchBuffersTest {
    @BeforeEach
    @AfterEach
    void empty() {
        MinibatchBuffers.maxBytes = MinibatchBuffers.MAX_BYTES;
        MinibatchBuffers.clear();
    }

    private static HostExample example(float v, int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return new HostExample(new HostExample.Part[] {HostExample.Part.of(f, 1, n)},
                new HostExample.Part[] {HostExample.Part.of(b, n)}, null);
    }

    @Test
    void aReleasedMinibatchsArraysCarryTheNextMinibatchOfTheirShape() {
        MultiDataSet first = HostExample.stack(List.of(example(1, 6), example(2, 6)));
        INDArray features = first.getFeatures(0);
        INDArray labels = first.getLabels(0);
        RoundChunk.release(first);
        assertEquals(2 * 6 * 4 + 2 * 6, MinibatchBuffers.keptBytes());

        MultiDataSet second = HostExample.stack(List.of(example(3, 6), example(4, 6)));
        assertSame(features, second.getFeatures(0), "the released FLOAT array is reused");
        assertSame(labels, second.getLabels(0), "the released UINT8 array is reused");
        assertEquals(0, MinibatchBuffers.keptBytes());
        // every element written anew: nothing of the first minibatch shows through
        assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4}, second.getFeatures(0).data().asFloat());
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4}, second.getLabels(0).data().asInt());

        // a different shape (a partition's short last minibatch) gets arrays of its own
        MultiDataSet tail = HostExample.stack(List.of(example(5, 6)));
        assertNotSame(features, tail.getFeatures(0));
        assertArrayEquals(new long[] {1, 1, 6}, tail.getFeatures(0).shape());
    }

    @Test
    void anArrayGivenTwiceIsHandedOutOnce() {
        INDArray a = MinibatchBuffers.take(DataType.FLOAT, new long[] {2, 3});
        MinibatchBuffers.give(a);
        MinibatchBuffers.give(a);
        assertEquals(24, MinibatchBuffers.keptBytes());
        assertSame(a, MinibatchBuffers.take(DataType.FLOAT, new long[] {2, 3}));
        assertNotSame(a, MinibatchBuffers.take(DataType.FLOAT, new long[] {2, 3}));
    }

    @Test
    void anArrayOfAShapeNoMinibatchHasIsFreedNotKept() {
        MinibatchBuffers.take(DataType.FLOAT, new long[] {2, 3});
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, new long[] {2, 4}, 'c');  // e.g. an encoder's output
        MinibatchBuffers.give(features);
        assertEquals(0, MinibatchBuffers.keptBytes());
        assertTrue(features.wasClosed());
        INDArray same = Nd4j.createUninitialized(DataType.FLOAT, new long[] {2, 3}, 'c');
        MinibatchBuffers.give(same);
        assertEquals(24, MinibatchBuffers.keptBytes(), "a shape minibatches are asked for is kept");
    }

    @Test
    void viewsAreNeitherKeptNorFreed() {
        INDArray base = Nd4j.createUninitialized(DataType.FLOAT, new long[] {4, 3}, 'c').assign(7);
        INDArray view = base.getRow(1);
        MinibatchBuffers.give(view);
        assertEquals(0, MinibatchBuffers.keptBytes());
        assertFalse(base.wasClosed());
        assertEquals(7f, base.getFloat(1, 2));
    }

    @Test
    void keptBytesStayUnderTheCapOldestShapeFirst() {
        long cap = 3000;
        MinibatchBuffers.maxBytes = cap;
        int floats = 260;  // about 1,040 bytes each: three exceed the cap, two do not
        List<INDArray> given = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            INDArray a = MinibatchBuffers.take(DataType.FLOAT, new long[] {i + 1, floats / (i + 1)});
            given.add(a);
            MinibatchBuffers.give(a);
            assertTrue(MinibatchBuffers.keptBytes() <= cap, "kept " + MinibatchBuffers.keptBytes() + " > cap " + cap);
        }
        assertTrue(given.get(0).wasClosed(), "the oldest shape is freed to make room");
        assertFalse(given.get(2).wasClosed(), "the array just given is kept");
        assertSame(given.get(2), MinibatchBuffers.take(DataType.FLOAT, given.get(2).shape()));
    }
}
