package org.ddep.stage;

import org.ddep.data.HadoopFiles;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ddep.model.VitCheckpoint;
import org.ddep.model.layers.EncoderConvention;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;

import org.ddep.config.DdepConfig;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;

/**
 * Stage 1: supervised classification pretraining of the encoder (a global-pool + softmax head on
 * the encoder) on the pretraining set's image-level classes. The saved model is the encoder with its
 * classification head; later stages take only its {@code enc_} weights, so the head is dropped.
 */
public final class PretrainEncoderStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.PRETRAIN_ENCODER;
    }

    @Override
    public String description() {
        return "Supervised classification pretraining of the encoder.";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        if (!c.encoderImport().isEmpty()) {
            importEncoder(ctx, c);
            return;
        }
        StageSchedule s = c.encoder();
        String dataset = c.data().pretrainDataset();
        int classes = ctx.shards().manifest(dataset).numClasses();
        Training.fit(ctx, name(), ctx.run().stage(name()), ctx.shards().classified(dataset, c.data().trainSplit()),
                dataset + " split " + c.data().trainSplit() + " has no rows with a class label", s, false,
                plan -> Training.Start.of(ModelFactory.create(c.model(), Head.classify(classes), plan.schedule(), c.seed())),
                EpochData.classification(s.imageSize(), s.flip(), classes), (e, m) -> { });
    }

    /**
     * {@code ddep.pretrain-encoder.import-from}: the encoder comes from the public ImageNet-21k
     * R50+ViT-B/16 checkpoint instead of training. The stage's model is the whole TransUNet with
     * its denoising head; later stages take only the {@code enc_} weights from it.
     */
    private void importEncoder(StageContext ctx, DdepConfig c) throws Exception {
        String uri = c.encoderImport();
        ComputationGraph net = ModelFactory.create(c.model(), Head.denoise(), new CosineDecay(0, 1), c.seed());
        VitCheckpoint.Report report = VitCheckpoint.load(net, c.model().transunet(),
                VitCheckpoint.read(ctx.files(), uri), uri);
        String dir = ctx.run().stage(name());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source", uri);
        json.put("parameter_arrays_set", report.parametersSet());
        json.put("convention", c.model().transunet().convention());
        json.put("convention_means", EncoderConvention.fromConfig(c.model().transunet().convention()).description());
        json.put("unused_keys", report.unused());
        ctx.files().writeString(HadoopFiles.join(dir, "import.json"), EvaluateStage.JSON.writeValueAsString(json));
        Models.save(ctx.files(), dir, net);
    }
}
