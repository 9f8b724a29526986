package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class UNetTest {
    /**
     * Parameter counts of shared/bench/peer_torch.py's UNet (torch counts BatchNorm's running mean and
     * variance as buffers; DL4J as parameters, 2 per BN channel, added here). Peer counts computed with
     * peer_torch.py's UNet(out, base, depth) in PyTorch 1.13.
     */
    @ParameterizedTest
    @CsvSource({"32, 4, 3, 7763107", "32, 4, 19, 7763635", "16, 3, 19, 483043"})
    void parameterCountMatchesThePeerUNetPlusBatchNormStatistics(int base, int depth, int out, long torchParams) {
        ModelSpec spec = new ModelSpec("unet", 1, base, depth);
        ComputationGraph net = ModelFactory.create(spec, out == 3 ? Head.denoise() : Head.segment(out), new CosineDecay(1e-3, 1), 0);
        long bnChannels = 0;
        for (int i = 0; i <= depth; i++) {
            bnChannels += 2L * (base << i);
        }
        for (int i = 0; i < depth; i++) {
            bnChannels += 2L * (base << i);
        }
        long expected = torchParams + 2 * bnChannels;
        assertEquals(expected, net.numParams());
        ModelSummary s = ModelSummary.of(net);
        assertEquals(net.numParams(), s.total());
        assertEquals(s.total(), s.parameters().get("enc") + s.parameters().get("dec") + s.parameters().get("head"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void decoderWidthMultipliesOnlyTheDecoderAndAnyDivisibleSizeWorks(int width) {
        ModelSpec spec = new ModelSpec("unet", width, 4, 2);
        ComputationGraph net = ModelFactory.create(spec, Head.segment(5), new CosineDecay(1e-3, 1), 0);
        ComputationGraph w1 = ModelFactory.create(new ModelSpec("unet", 1, 4, 2), Head.segment(5), new CosineDecay(1e-3, 1), 0);
        assertEquals(ModelSummary.of(w1).parameters().get("enc"), ModelSummary.of(net).parameters().get("enc"));
        if (width > 1) {
            assertEquals(true, ModelSummary.of(net).parameters().get("dec") > ModelSummary.of(w1).parameters().get("dec"));
        }
        for (int side : new int[]{8, 20, 36}) {
            var out = net.outputSingle(false, Nd4j.rand(DataType.FLOAT, 2, 3, side, side));
            assertArrayEquals(new long[]{2, 5, side, side}, out.shape());
        }
    }
}
