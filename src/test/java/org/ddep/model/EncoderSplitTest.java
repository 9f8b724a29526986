package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.testing.TinyModels;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder trained on the frozen encoder's features is the decoder trained inside the whole model
 * with its encoder frozen: same features, same update, and the joined model is the whole model again.
 */
class EncoderSplitTest {
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group", "transunet-batch"})
    void oneStepOnTheFeaturesIsOneStepOfTheFrozenWholeModel(String arch) {
        ModelSpec spec = TinyModels.spec(arch);
        int side = spec.inputDivisor() * 2;
        ComputationGraph whole = ModelFactory.create(spec, Head.denoise(), new CosineDecay(1e-3, 10), 7);
        EncoderSplit split = new EncoderSplit(whole.getConfiguration());
        ComputationGraph encoder = split.encoder(whole);
        ComputationGraph decoder = split.decoder(whole);
        ComputationGraph frozen = Weights.freezeUpTo(whole.clone(), ModelFactory.encoderBoundary(spec));

        assertTrue(split.features().contains(ModelFactory.encoderBoundary(spec)), split.features().toString());
        assertTrue(split.features().size() > 1, "the skips are features too: " + split.features());
        assertTrue(decoder.paramTable().keySet().stream().noneMatch(k -> k.startsWith(Parts.ENCODER)));
        assertTrue(encoder.paramTable().keySet().stream().allMatch(k -> k.startsWith(Parts.ENCODER)));
        assertEquals(whole.numParams(), encoder.numParams() + decoder.numParams());

        Nd4j.getRandom().setSeed(3);
        INDArray image = Nd4j.rand(DataType.FLOAT, 2, 3, side, side).subi(0.5);
        INDArray noise = Nd4j.randn(DataType.FLOAT, 2, 3, side, side);

        // The features are the whole model's activations at those vertices (inference mode).
        INDArray[] features = encoder.output(false, image.dup());
        Map<String, INDArray> reference = whole.feedForward(image.dup(), false);
        for (int i = 0; i < features.length; i++) {
            assertTrue(reference.get(split.features().get(i)).equalsWithEps(features[i], 1e-6), split.features().get(i));
        }

        frozen.fit(new MultiDataSet(image.dup(), noise.dup()));
        decoder.fit(EncoderSplit.features(encoder, new MultiDataSet(image.dup(), noise.dup())));
        assertEquals(frozen.score(), decoder.score(), 1e-5 * Math.abs(frozen.score()));
        Map<String, INDArray> trained = frozen.paramTable();
        int compared = 0;
        for (Map.Entry<String, INDArray> e : decoder.paramTable().entrySet()) {
            INDArray want = trained.get(e.getKey());
            INDArray before = whole.getParam(e.getKey());
            double moved = want.sub(before).norm2Number().doubleValue();
            double diff = want.sub(e.getValue()).norm2Number().doubleValue();
            assertTrue(diff <= 1e-4 * Math.max(moved, 1e-6) + 1e-6,
                    e.getKey() + ": update differs by " + diff + " (the step moved it by " + moved + ")");
            compared++;
        }
        assertEquals(decoder.paramTable().size(), compared);

        ComputationGraph joined = split.join(encoder, decoder);
        assertEquals(whole.getConfiguration().getVertices().keySet(), joined.getConfiguration().getVertices().keySet());
        for (Map.Entry<String, INDArray> e : joined.paramTable().entrySet()) {
            INDArray want = e.getKey().startsWith(Parts.ENCODER) ? whole.getParam(e.getKey()) : decoder.getParam(e.getKey());
            assertEquals(want, e.getValue(), e.getKey());
        }
        assertEquals(1, joined.getIterationCount());
    }

    /** So a concatenation's gradients are freed once its other input has consumed them, not at the step's end. */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-batch"})
    void theDecoderOrdersEachFeatureJustBeforeItsFirstReader(String arch) {
        ComputationGraph whole = ModelFactory.create(TinyModels.spec(arch), Head.denoise(), new CosineDecay(1e-3, 10), 7);
        EncoderSplit split = new EncoderSplit(whole.getConfiguration());
        ComputationGraph decoder = split.decoder(whole);
        var conf = decoder.getConfiguration();
        List<String> order = conf.getTopologicalOrderStr();
        List<String> inputs = conf.getNetworkInputs();
        for (String feature : inputs) {
            int at = order.indexOf(feature);
            int reader = at + 1;
            while (inputs.contains(order.get(reader))) {
                reader++;
            }
            String first = order.get(reader);
            assertTrue(conf.getVertexInputs().get(first).contains(feature),
                    feature + " is followed by " + first + ", which does not read it: " + order);
            for (int i = 0; i < at; i++) {
                assertTrue(!conf.getVertexInputs().getOrDefault(order.get(i), List.of()).contains(feature),
                        order.get(i) + " reads " + feature + " before it: " + order);
            }
        }
        assertEquals(decoder.getConfiguration().getTopologicalOrderStr(),
                ComputationGraphConfiguration.fromJson(conf.toJson()).getTopologicalOrderStr());
    }
}
