package org.ddep.bench;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.ddep.config.ModelSpec;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.stage.DdepKryoRegistrator;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one averaging round's serialization costs: the broadcast tuple of a model (parameters +
 * Adam's two moments, as DL4J's master sends it and every worker's result carries it back),
 * serialized and read back by Spark's Java serializer, Kryo with ND4J's registrator, and Kryo with
 * ddep's (bulk array copy), through streams as Spark's broadcast and task results use them. The serializers alternate, repetition by repetition; one JSON line
 * each with the median CPU milliseconds of the calling thread (serialize, deserialize) and the
 * bytes. Usage: SerializationBenchmark [BASE=32] [DEPTH=4] [REPS=7]
 */
public final class SerializationBenchmark {
    private static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

    public static void main(String[] a) {
        int base = a.length > 0 ? Integer.parseInt(a[0]) : 32;
        int depth = a.length > 1 ? Integer.parseInt(a[1]) : 4;
        int reps = a.length > 2 ? Integer.parseInt(a[2]) : 7;
        ComputationGraph net = ModelFactory.create(new ModelSpec("unet", 1, base, depth), Head.segment(19),
                new CosineDecay(1e-4, 1), 0);
        INDArray updater = Nd4j.rand(DataType.FLOAT, net.getUpdater().getStateViewArray().shape());
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), net.params(), updater);
        long params = net.params().length();

        Map<String, SerializerInstance> serializers = new LinkedHashMap<>();
        serializers.put("java", new JavaSerializer(new SparkConf()).newInstance());
        serializers.put("kryo-nd4j", new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")).newInstance());
        serializers.put("kryo-ddep", new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", DdepKryoRegistrator.REGISTRATORS)).newInstance());
        Map<String, double[][]> ms = new LinkedHashMap<>();
        Map<String, Integer> size = new LinkedHashMap<>();
        serializers.keySet().forEach(k -> ms.put(k, new double[2][reps]));
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        for (int r = -1; r < reps; r++) { // r = -1: warm-up
            for (var e : serializers.entrySet()) {
                long c0 = t.getCurrentThreadCpuTime();
                // As Spark's broadcast and task results do: through a stream (no whole-object buffer, no size cap).
                ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
                e.getValue().serializeStream(out).writeObject(tuple, ANY).close();
                byte[] bytes = out.toByteArray();
                long c1 = t.getCurrentThreadCpuTime();
                NetBroadcastTuple back = (NetBroadcastTuple) e.getValue()
                        .deserializeStream(new ByteArrayInputStream(bytes)).readObject(ANY);
                long c2 = t.getCurrentThreadCpuTime();
                if (!back.getParameters().equals(tuple.getParameters()) || !back.getUpdaterState().equals(updater)) {
                    throw new IllegalStateException(e.getKey() + " did not round-trip the tuple");
                }
                size.put(e.getKey(), bytes.length);
                if (r >= 0) {
                    ms.get(e.getKey())[0][r] = (c1 - c0) / 1e6;
                    ms.get(e.getKey())[1][r] = (c2 - c1) / 1e6;
                }
            }
        }
        for (var e : ms.entrySet()) {
            System.out.printf("{\"serializer\":\"%s\",\"parameters\":%d,\"bytes\":%d,\"reps\":%d,"
                            + "\"serialize_cpu_ms\":%.1f,\"deserialize_cpu_ms\":%.1f,\"serialize_range\":\"%s\",\"deserialize_range\":\"%s\"}%n",
                    e.getKey(), params, size.get(e.getKey()), reps, median(e.getValue()[0]), median(e.getValue()[1]),
                    range(e.getValue()[0]), range(e.getValue()[1]));
        }
    }

    private static double median(double[] v) {
        return ConventionBenchmark.median(java.util.Arrays.stream(v).boxed().toList());
    }

    private static String range(double[] v) {
        return String.format("%.0f-%.0f", java.util.Arrays.stream(v).min().orElse(0), java.util.Arrays.stream(v).max().orElse(0));
    }
}
