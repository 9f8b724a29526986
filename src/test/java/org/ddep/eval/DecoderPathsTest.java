package org.ddep.eval;

import org.ddep.config.ModelSpec;
import org.ddep.config.NoiseSpec;
import org.ddep.model.EncoderSplit;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Weights;
import org.ddep.noise.DenoisingObjective;
import org.ddep.testing.TinyModels;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderPathsTest {
    private static final NoiseSpec NOISE = new NoiseSpec(NoiseSpec.Kind.SCALED_ADDITIVE, 0.22, NoiseSpec.Target.NOISE,
            NoiseSpec.Gamma.FIXED);

    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group"})
    void withNothingCutTheLossIsTheWholeModelsOnTheSameNoisyImages(String arch) {
        ModelSpec spec = TinyModels.spec(arch);
        int side = spec.inputDivisor() * 2;
        ComputationGraph net = denoiser(spec);
        List<float[]> images = images(10, side);
        DenoisingObjective objective = new DenoisingObjective(NOISE);

        DecoderPaths.Result r = DecoderPaths.measure(net, images.size(), images::get, side, objective, 9, 4);

        // The same draws, through the whole model at once.
        SplittableRandom rnd = new SplittableRandom(9);
        double sse = 0;
        double zero = 0;
        for (float[] x : images) {
            DenoisingObjective.Example e = objective.corrupt(x, rnd);
            INDArray out = net.outputSingle(false, Nd4j.create(e.input(), new long[]{1, 3, side, side}, 'c'));
            INDArray t = Nd4j.create(e.target(), new long[]{1, 3, side, side}, 'c');
            sse += out.squaredDistance(t);
            zero += t.mul(t).sumNumber().doubleValue();
        }
        long count = 10L * 3 * side * side;
        DecoderPaths.Cut none = r.cuts().get(0);
        assertEquals("none", none.name());
        assertEquals(sse / count, none.loss(), 1e-5 * sse / count);
        assertEquals(zero / count, none.zeroPrediction(), 1e-5 * zero / count);
        assertEquals(1.0, none.zeroPrediction(), 0.1, "the noise has unit variance");

        List<String> features = new EncoderSplit(net.getConfiguration()).features();
        assertEquals(features, r.features().stream().map(DecoderPaths.Feature::vertex).toList());
        assertEquals(ModelFactory.encoderBoundary(spec), r.features().get(r.deepest()).vertex());
        // none, each feature, every skip, all
        assertEquals(1 + features.size() + 2, r.cuts().size());
        assertEquals("all features", r.cuts().get(r.cuts().size() - 1).name());
        for (DecoderPaths.Cut c : r.cuts()) {
            assertTrue(Double.isFinite(c.loss()) && c.loss() > 0, c.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group"})
    void aDecoderThatCannotSeeTheDeepestFeaturesLosesNothingWithoutThem(String arch) {
        ModelSpec spec = TinyModels.spec(arch);
        int side = spec.inputDivisor() * 2;
        ComputationGraph net = denoiser(spec);
        // Blind the decoder to the deepest features: the weights of every layer that reads them set to 0.
        String boundary = ModelFactory.encoderBoundary(spec);
        int blinded = 0;
        for (Map.Entry<String, List<String>> v : net.getConfiguration().getVertexInputs().entrySet()) {
            if (v.getValue().contains(boundary) && !v.getKey().startsWith("enc_")) {
                net.getLayer(v.getKey()).getParam("W").assign(0);
                blinded++;
            }
        }
        assertTrue(blinded > 0, "no decoder layer reads " + boundary);

        List<float[]> images = images(8, side);
        DecoderPaths.Result r = DecoderPaths.measure(net, images.size(), images::get, side, new DenoisingObjective(NOISE),
                3, 8);

        double none = r.cuts().get(0).loss();
        DecoderPaths.Cut deepest = cut(r, "deepest features");
        assertEquals(boundary, deepest.features());
        assertEquals(none, deepest.loss(), 1e-6 * none, "the blinded decoder depends on the deepest features");
        // Its skips still matter: the highest-resolution one changes the prediction.
        DecoderPaths.Cut skip = r.cuts().get(1);
        assertTrue(skip.name().startsWith("skip at "), skip.name());
        assertNotEquals(none, skip.loss(), 1e-4 * none);
        // Without the deepest path, cutting every skip is cutting everything.
        assertEquals(cut(r, "all features").loss(), cut(r, "every skip (deepest kept)").loss(), 1e-6 * none);
    }

    /** The stage saves its model with the encoder frozen; measured from that file it is the same model. */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group"})
    void aSavedModelWithItsEncoderFrozenMeasuresAsTheModelItWas(String arch, @TempDir Path dir) throws Exception {
        ModelSpec spec = TinyModels.spec(arch);
        int side = spec.inputDivisor() * 2;
        ComputationGraph net = denoiser(spec);
        ComputationGraph frozen = Weights.freezeUpTo(net.clone(), ModelFactory.encoderBoundary(spec));
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(frozen, file, false);
        ComputationGraph saved = ModelSerializer.restoreComputationGraph(file, false);
        List<float[]> images = images(6, side);
        DenoisingObjective objective = new DenoisingObjective(NOISE);

        DecoderPaths.Result want = DecoderPaths.measure(net, images.size(), images::get, side, objective, 4, 4);
        DecoderPaths.Result got = DecoderPaths.measure(saved, images.size(), images::get, side, objective, 4, 4);

        assertEquals(want.features(), got.features());
        for (int k = 0; k < want.cuts().size(); k++) {
            assertEquals(want.cuts().get(k).name(), got.cuts().get(k).name());
            assertEquals(want.cuts().get(k).loss(), got.cuts().get(k).loss(), 1e-6 * want.cuts().get(k).loss(),
                    want.cuts().get(k).name());
        }
    }

    /** A fresh denoising model (encoder, decoder, noise head) of the smallest size of an architecture. */
    private static ComputationGraph denoiser(ModelSpec spec) {
        return ModelFactory.create(spec, Head.denoise(), new CosineDecay(1e-3, 10), 5);
    }

    private static DecoderPaths.Cut cut(DecoderPaths.Result r, String name) {
        return r.cuts().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(
                name + " not in " + r.cuts()));
    }

    private static List<float[]> images(int n, int side) {
        Random rnd = new Random(1);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[3 * side * side];
            for (int k = 0; k < x.length; k++) {
                x[k] = rnd.nextFloat() * 2 - 1;
            }
            out.add(x);
        }
        return out;
    }
}
