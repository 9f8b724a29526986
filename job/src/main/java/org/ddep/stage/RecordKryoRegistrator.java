package org.ddep.stage;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Kryo for Java records: Spark's Kryo (4.x) builds a FieldSerializer, which cannot read a record's
 * final fields ("can't get field offset on a record class"), so a task holding one (prep's
 * {@code SourceItem}, an evaluation protocol) fails to serialize. Records, all {@code Serializable}
 * here, go through Java serialization instead. Listed after ND4J's registrator in
 * {@code spark.kryo.registrator} wherever a deployment turns Kryo on (deploy/common.sh).
 */
public final class RecordKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.addDefaultSerializer(Record.class, new JavaSerializer());
    }
}
