package org.ddep.stage;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyModels;
import org.ddep.train.ArrayKryoSerializer;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark's Kryo as ddep configures it: Java records, and ND4J arrays copied in bulk. */
class DdepKryoRegistratorTest {
    record Item(String id, String split, int index) implements Serializable {
    }

    private static SerializerInstance kryo(String registrators) {
        return new KryoSerializer(new SparkConf().set("spark.kryo.registrator", registrators)).newInstance();
    }

    private static <T> T roundTrip(SerializerInstance k, T value) {
        ByteBuffer bytes = k.serialize(value, ClassTag$.MODULE$.apply(Object.class));
        return k.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
    }

    @Test
    void recordsRoundTripThroughKryoWithTheDeploymentsRegistrators() {
        SerializerInstance k = kryo(DdepKryoRegistrator.REGISTRATORS);
        List<Item> items = new ArrayList<>(List.of(new Item("a/b.png", "train", 3), new Item("c.png", "val", 0)));
        assertEquals(items, roundTrip(k, items));
    }

    @Test
    void withoutItKryoCannotSerializeARecord() {
        SerializerInstance k = kryo("org.nd4j.kryo.Nd4jRegistrator");
        assertThrows(Exception.class, () -> k.serialize(new Item("a", "train", 1), ClassTag$.MODULE$.apply(Item.class)));
    }

    @Test
    void arraysOfEveryKindRoundTripBitForBit() {
        SerializerInstance k = kryo(DdepKryoRegistrator.REGISTRATORS);
        INDArray big = Nd4j.rand(DataType.FLOAT, 3, 1000, 123); // 1.5 MB: more than one 1 MiB chunk, not a multiple of it
        INDArray fOrder = Nd4j.rand(DataType.DOUBLE, new int[]{4, 5}, 'f');
        INDArray view = big.get(NDArrayIndex.point(1), NDArrayIndex.interval(10, 20), NDArrayIndex.all());
        // Arrays written straight from their buffer (a model's params(): a [1, n] array reshaped, which ND4J calls a
        // view; a transpose) and a view that needs a copy (strided, a part of its buffer).
        INDArray reshaped = Nd4j.rand(DataType.FLOAT, 1, 300_000).reshape(300_000);
        INDArray transposed = Nd4j.rand(DataType.FLOAT, 300, 1000).transpose();
        INDArray column = Nd4j.rand(DataType.FLOAT, 1000, 300).getColumn(0);
        assertTrue(reshaped.isView() && column.isView());
        List<INDArray> arrays = List.of(big, fOrder, view, reshaped, transposed, column,
                Nd4j.createFromArray(new int[][]{{1, -2}, {3, Integer.MIN_VALUE}}),
                Nd4j.createFromArray(Long.MAX_VALUE, -1L),
                Nd4j.createFromArray(new byte[]{-128, 0, 127}),
                Nd4j.createFromArray(true, false, true),
                Nd4j.rand(DataType.FLOAT, 2, 3).castTo(DataType.HALF),
                Nd4j.scalar(2.5f),
                Nd4j.create(DataType.FLOAT, 0, 3));
        for (INDArray a : arrays) {
            INDArray back = roundTrip(k, a);
            String what = a.dataType() + " " + a.shapeInfoToString();
            assertEquals(a.dataType(), back.dataType(), what);
            assertArrayEquals(a.shape(), back.shape(), what);
            assertEquals(a.ordering(), back.ordering(), what);
            assertFalse(back.isView(), what);
            assertFalse(back.isAttached(), what);
            assertEquals(a, back, what);
        }
        // Only what is not its buffer's whole content in order is copied first; a model's parameters and Adam state
        // (what every round broadcasts) are written in place.
        ComputationGraph net = ModelFactory.create(TinyModels.spec("unet"), Head.segment(3), new CosineDecay(1e-3, 1), 0);
        for (INDArray a : List.of(reshaped, transposed, big, net.params(), net.getUpdater().getStateViewArray())) {
            assertFalse(ArrayKryoSerializer.writesFromACopy(a), a.shapeInfoToString());
        }
        INDArray prefix = Nd4j.rand(DataType.FLOAT, 10, 10).get(NDArrayIndex.interval(0, 5), NDArrayIndex.all());
        for (INDArray a : List.of(view, column, prefix)) {
            assertTrue(ArrayKryoSerializer.writesFromACopy(a), a.shapeInfoToString());
        }
        // A view written from its buffer and from a copy: the same bytes.
        for (INDArray a : List.of(reshaped, transposed, column)) {
            assertEquals(k.serialize(a.dup(a.ordering()), ClassTag$.MODULE$.apply(Object.class)),
                    k.serialize(a, ClassTag$.MODULE$.apply(Object.class)), a.shapeInfoToString());
        }
        // Bit for bit: NaN payloads, negative zero and subnormals survive.
        float[] odd = {Float.NaN, Float.intBitsToFloat(0x7fc00123), -0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY};
        float[] back = ((INDArray) roundTrip(k, Nd4j.createFromArray(odd))).toFloatVector();
        for (int i = 0; i < odd.length; i++) {
            assertEquals(Float.floatToRawIntBits(odd[i]), Float.floatToRawIntBits(back[i]), "element " + i);
        }
    }

    @Test
    void theClisSparkUsesItAndArraysCrossARealSparkJob() {
        var sc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
        assertEquals("org.apache.spark.serializer.KryoSerializer", sc.getConf().get("spark.serializer"));
        assertEquals(DdepKryoRegistrator.REGISTRATORS, sc.getConf().get("spark.kryo.registrator"));
        INDArray a = Nd4j.rand(DataType.FLOAT, 64, 4100); // 1 MB, more than one chunk
        // A copy: destroying a broadcast closes an AutoCloseable value (Spark's MemoryStore), asynchronously.
        var broadcast = sc.broadcast(a.dup());
        // Through a task (elements), a shuffle (repartition) and task results back to the driver.
        List<INDArray> back = sc.parallelize(List.of(a, a.mul(2)), 2).repartition(1)
                .map(x -> x.add(broadcast.value())).collect();
        broadcast.destroy();
        assertEquals(2, back.size());
        assertTrue(back.contains(a.mul(2)) && back.contains(a.mul(3)), "arrays changed on their way through Spark");
    }

    @Test
    void aRoundsBroadcastAndResultRoundTripAndAreSmallerThanNd4jsOwn() {
        ComputationGraph net = ModelFactory.create(TinyModels.spec("unet"), Head.segment(3), new CosineDecay(1e-3, 1), 0);
        INDArray params = net.params();
        INDArray updater = Nd4j.rand(DataType.FLOAT, net.getUpdater().getStateViewArray().shape());
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), params, updater);
        SerializerInstance ours = kryo(DdepKryoRegistrator.REGISTRATORS);
        NetBroadcastTuple back = roundTrip(ours, tuple);
        assertEquals(params, back.getParameters());
        assertEquals(updater, back.getUpdaterState());
        assertEquals(net.getConfiguration().toJson(), back.getGraphConfiguration().toJson());

        ParameterAveragingTrainingResult result = new ParameterAveragingTrainingResult(params, updater, 0.5, null, null, null);
        ParameterAveragingTrainingResult r = roundTrip(ours, result);
        assertEquals(params, r.getParameters());
        assertEquals(updater, r.getUpdaterState());
        assertEquals(0.5, r.getScore());

        // The same bytes as ND4J's own registration would read, element by element: one header per array instead of
        // ND4J's shape buffer and type names, so never larger (and the same data bytes).
        long oursBytes = ours.serialize(tuple, ClassTag$.MODULE$.apply(Object.class)).remaining();
        long nd4jBytes = kryo("org.nd4j.kryo.Nd4jRegistrator").serialize(tuple, ClassTag$.MODULE$.apply(Object.class)).remaining();
        long data = 4 * (params.length() + updater.length());
        assertTrue(oursBytes >= data && oursBytes < nd4jBytes, oursBytes + " bytes against ND4J's " + nd4jBytes + ", data " + data);
    }
}
