package org.ddep.stage;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Spark's Kryo, as deployments configure it, serializes Java records (prep ships them in its tasks). */
class RecordKryoRegistratorTest {
    record Item(String id, String split, int index) implements Serializable {
    }

    private static SerializerInstance kryo(String registrators) {
        return new KryoSerializer(new SparkConf().set("spark.kryo.registrator", registrators)).newInstance();
    }

    @Test
    void recordsRoundTripThroughKryoWithTheDeploymentsRegistrators() {
        SerializerInstance k = kryo("org.nd4j.kryo.Nd4jRegistrator," + RecordKryoRegistrator.class.getName());
        List<Item> items = new ArrayList<>(List.of(new Item("a/b.png", "train", 3), new Item("c.png", "val", 0)));
        ByteBuffer bytes = k.serialize(items, ClassTag$.MODULE$.apply(List.class));
        assertEquals(items, k.deserialize(bytes, ClassTag$.MODULE$.apply(List.class)));
    }

    @Test
    void withoutItKryoCannotSerializeARecord() {
        SerializerInstance k = kryo("org.nd4j.kryo.Nd4jRegistrator");
        assertThrows(Exception.class, () -> k.serialize(new Item("a", "train", 1), ClassTag$.MODULE$.apply(Item.class)));
    }
}
