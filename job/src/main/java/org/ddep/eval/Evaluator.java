package org.ddep.eval;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.ddep.data.EpochData;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.ddep.model.ModelFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;

/**
 * Distributed evaluation: the model is broadcast once, every partition predicts its images and
 * builds a confusion matrix, the driver sums them (DESIGN.md "Evaluation").
 */
public final class Evaluator {
    private Evaluator() {
    }

    public static ConfusionMatrix confusion(JavaSparkContext sc, ComputationGraph net, JavaRDD<Row> rows, int classes,
                                            int divisor, boolean flip) throws IOException {
        Broadcast<byte[]> model = sc.broadcast(ModelFiles.toBytes(net, false));
        try {
            return rows.mapPartitions(it -> {
                ConfusionMatrix m = new ConfusionMatrix(classes);
                if (!it.hasNext()) {
                    return java.util.List.of(m).iterator();
                }
                Segmenter seg = new Segmenter(ModelFiles.fromBytes(model.value(), false), divisor, flip);
                while (it.hasNext()) {
                    ShardRecord r = ShardSchema.fromRow(it.next());
                    var s = EpochData.sample(r, true);
                    m.add(s.mask(), seg.predict(s));
                }
                return java.util.List.of(m).iterator();
            }).reduce(ConfusionMatrix::merge);
        } finally {
            model.destroy();
        }
    }
}
