package org.ddep.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/** Parameter counts of a model by part (encoder, decoder, head), from its vertex-name prefixes. */
public record ModelSummary(Map<String, Long> parameters, long total) {

    public static ModelSummary of(ComputationGraph net) {
        Map<String, Long> byPart = new LinkedHashMap<>();
        for (String part : new String[]{Parts.ENCODER, Parts.DECODER, Parts.HEAD}) {
            byPart.put(part.substring(0, part.length() - 1), 0L);
        }
        long total = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String part = e.getKey().substring(0, e.getKey().indexOf('_'));
            byPart.merge(part, e.getValue().length(), Long::sum);
            total += e.getValue().length();
        }
        return new ModelSummary(Map.copyOf(byPart), total);
    }

    public String render(String name) {
        StringBuilder b = new StringBuilder(name).append('\n');
        for (String part : new String[]{"enc", "dec", "head"}) {
            b.append(String.format("  %-8s %,14d%n", part, parameters.getOrDefault(part, 0L)));
        }
        b.append(String.format("  %-8s %,14d  (BatchNorm running mean/var included: DL4J stores them as parameters)%n",
                "total", total));
        return b.toString();
    }
}
