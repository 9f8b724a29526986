package org.ddep.data;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.ddep.prep.ShardRecord;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.reflect.ClassTag$;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class EncodedRowTest {
    @Test
    void shuffledRowsSurviveTheClustersKryoSerializer() {
        SerializerInstance kryo = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")).newInstance();
        ShardRecord r = new ShardRecord("a/b.jpg", new byte[]{1, 2, 3}, 4, 5, null, 7, 0.25, "src");
        Tuple2<Long, EncodedRow> sent = new Tuple2<>(9L, new EncodedRow(r));
        ByteBuffer bytes = kryo.serialize(sent, ClassTag$.MODULE$.apply(Tuple2.class));
        Tuple2<Long, EncodedRow> back = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(Tuple2.class));
        ShardRecord got = back._2().record();
        assertEquals(9L, back._1());
        assertEquals(r.id(), got.id());
        assertArrayEquals(r.image(), got.image());
        assertNull(got.mask());
        assertEquals(r.label(), got.label());
        assertEquals(r.labelKey(), got.labelKey());
        assertEquals(r.source(), got.source());
        assertEquals(4, got.height());
        assertEquals(5, got.width());
    }
}
