package org.ddep.stage;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.ddep.train.ArrayKryoSerializer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ddep's Kryo set-up, listed after ND4J's registrator in {@code spark.kryo.registrator} wherever
 * Kryo is on (deploy/common.sh; Spark started by the CLI turns it on itself, {@link Sparks}):
 * <ul>
 *   <li>ND4J arrays are copied in bulk ({@link ArrayKryoSerializer}) instead of one element at a
 *       time, replacing ND4J's registration: every averaging round serializes the model and its
 *       Adam state for the broadcast and for each worker's result.</li>
 *   <li>Java records go through Java serialization: Spark's Kryo (4.x) builds a FieldSerializer,
 *       which cannot read a record's final fields ("can't get field offset on a record class"), so
 *       a task holding one (prep's {@code SourceItem}, an evaluation protocol) would fail. ddep's
 *       records are all {@code Serializable}.</li>
 * </ul>
 */
public final class DdepKryoRegistrator implements KryoRegistrator {
    /** {@code spark.kryo.registrator} for ddep: ND4J's registrator, then this one. */
    public static final String REGISTRATORS = "org.nd4j.kryo.Nd4jRegistrator," + DdepKryoRegistrator.class.getName();

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.addDefaultSerializer(Record.class, new JavaSerializer());
        kryo.register(Nd4j.getBackend().getNDArrayClass(), new ArrayKryoSerializer());
    }
}
