package org.ddep.bench;

import org.ddep.testing.Trees;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.stage.DemoData;
import org.ddep.stage.Pipeline;
import org.ddep.testing.EventLog;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.StandaloneCluster;
import org.ddep.train.MetricsLog;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Decoder pretraining of the demo UNet on a real Spark standalone cluster on this machine (a
 * benchmark, not a test): the machine's cores as one worker, then split into that many one-core
 * workers, the same batch per worker. Prints examples/s (rounds after the first epoch) and where
 * an averaging round's time goes, from DL4J's training stats and Spark's event log, one JSON line
 * per configuration. Needs {@code mvn package} first (bench/cluster-benchmark.sh does it).
 * Usage: ClusterBenchmark CORES EPOCHS BATCH_PER_WORKER AVERAGING_FREQUENCY
 */
public final class ClusterBenchmark {
    public static void main(String[] a) throws Exception {
        int cores = Integer.parseInt(a[0]);
        int epochs = Integer.parseInt(a[1]);
        int perWorker = Integer.parseInt(a[2]);
        int frequency = Integer.parseInt(a[3]);
        Path dir = Files.createTempDirectory("ddep-cluster-bench");
        Path conf = dir.resolve("demo.conf");
        try (InputStream in = ClusterBenchmark.class.getClassLoader().getResourceAsStream("demo.conf")) {
            Files.write(conf, in.readAllBytes());
        }
        List<String> base = List.of("stages=[prep, pretrain-encoder, pretrain-decoder]", "pretrain-encoder.epochs=1",
                "pretrain-decoder.epochs=" + epochs, "train.averaging-frequency=" + frequency, "train.collect-stats=true");
        // Shards and the encoder once, in local mode; each cluster shape pretrains the decoder from them.
        Path prepared = dir.resolve("prepared");
        for (int workers : new int[]{1, cores}) {
            List<String> settings = new ArrayList<>(base);
            settings.add("train.workers=" + workers);
            settings.add("pretrain-decoder.batch-size=" + perWorker * workers);
            Path run = dir.resolve("run-" + workers);
            DdepConfig c = ConfigLoader.load(conf, settings);
            Pipeline p = new Pipeline(c, run.toUri().toString(), LocalSpark.get(), List.of());
            if (!Files.exists(prepared)) {
                DemoData.ensure(p.context());
                p.pinConfig();
                p.runStage(DdepConfig.PREP, false);
                p.runStage(DdepConfig.PRETRAIN_ENCODER, false);
                Files.move(run, prepared);
            }
            Trees.copy(prepared, run);
            Files.delete(run.resolve("config.conf"));
            int coresPerWorker = cores / workers;
            try (StandaloneCluster cluster = StandaloneCluster.start(Files.createDirectories(dir.resolve("cluster-" + workers)),
                    workers, coresPerWorker)) {
                List<String> args = new ArrayList<>(List.of("run", "--config", conf.toString(), "--run-dir", run.toUri().toString()));
                for (String s : settings) {
                    args.add("--set");
                    args.add(s);
                }
                Process driver = cluster.spark().submit(cluster.masterUrl(), cluster.conf(coresPerWorker), args)
                        .redirectOutput(dir.resolve("driver-" + workers + ".log").toFile()).start();
                if (!driver.waitFor(30, TimeUnit.MINUTES) || driver.exitValue() != 0) {
                    throw new IllegalStateException("benchmark run failed: see " + dir.resolve("driver-" + workers + ".log"));
                }
                report(workers, coresPerWorker, perWorker, frequency, run, cluster);
            }
        }
        LocalSpark.get().stop();
    }

    private static void report(int workers, int cores, int perWorker, int frequency, Path run, StandaloneCluster cluster)
            throws Exception {
        HadoopFiles files = new HadoopFiles(LocalSpark.get().sparkContext().hadoopConfiguration());
        Path stage = run.resolve(DdepConfig.PRETRAIN_DECODER);
        double seconds = 0;
        double examples = 0;
        for (Map<String, Object> m : MetricsLog.read(files, stage.resolve("metrics.jsonl").toUri().toString())) {
            if (((Number) m.get("epoch")).intValue() > 1) {
                double s = ((Number) m.get("round_s")).doubleValue();
                seconds += s;
                examples += s * ((Number) m.get("examples_per_s")).doubleValue();
            }
        }
        Map<?, ?> stats = new ObjectMapper().readValue(stage.resolve("averaging-stats.json").toFile(), Map.class);
        EventLog events = EventLog.readAll(cluster.eventLogs()).get(0);
        // DL4J's stats (AveragingStats): the driver's view of every round, and the workers' summed.
        long total = ms(stats, "ParameterAveragingMasterFitTimesMs");
        long rounds = ms(stats, "ParameterAveragingMasterMapPartitionsTimesMs");
        long aggregate = ms(stats, "ParameterAveragingMasterAggregateTimesMs");
        long inTasks = ms(stats, "WorkerFlatMapTotalTimeMs") / workers;
        long compute = ms(stats, "WorkerFlatMapProcessMiniBatchTimesMs") / workers;
        long modelInit = ms(stats, "WorkerFlatMapGetInitialModelTimeMs") / workers;
        long broadcast = ms(stats, "ParameterAveragingMasterBroadcastCreateTimesMs")
                + ms(stats, "ParameterAveragingWorkerBroadcastGetValueTimeMs") / workers;
        System.out.printf(java.util.Locale.ROOT, "{\"workers\":%d,\"cores_per_worker\":%d,\"batch_per_worker\":%d,"
                        + "\"averaging_frequency\":%d,\"rounds\":%d,\"examples_per_s_after_epoch_1\":%.1f,"
                        + "\"fit_s\":%.1f,\"share_minibatch_compute\":%.3f,\"share_tree_aggregate_outside_workers\":%.3f,"
                        + "\"share_broadcast\":%.3f,\"share_worker_model_init\":%.3f,\"share_split_repartition\":%.3f,"
                        + "\"share_epoch_count\":%.3f,\"tree_aggregate_stages_s\":%.1f}%n",
                workers, cores, perWorker, frequency, rounds(stats), examples / seconds, total / 1e3,
                compute / (double) total, (aggregate - inTasks) / (double) total, broadcast / (double) total,
                modelInit / (double) total, (rounds - aggregate) / (double) total,
                ms(stats, "ParameterAveragingMasterCountRddSizeTimesMs") / (double) total,
                events.stageMillis("treeAggregate at ParameterAveragingTrainingMaster") / 1e3);
    }

    private static long rounds(Map<?, ?> stats) {
        Object v = stats.get("ParameterAveragingMasterAggregateTimesMs");
        return v == null ? 0 : ((Number) ((Map<?, ?>) v).get("count")).longValue();
    }

    private static long ms(Map<?, ?> stats, String key) {
        Object v = stats.get(key);
        return v == null ? 0 : ((Number) ((Map<?, ?>) v).get("total_ms")).longValue();
    }

}
