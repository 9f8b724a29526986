package org.ddep.cli;

import org.ddep.config.ConfigError;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.eval.Estimate;
import org.ddep.stage.DemoData;
import org.ddep.stage.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ddep sweep}: the label-efficiency (or noise-level) experiment in one command. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Label-efficiency sweep: fine-tune and evaluate DDeP and the random-decoder baseline at every "
                + "label fraction (reusing finished runs); report/label_efficiency.{png,csv}. --mode sigma: "
                + "mIoU against the noise level of decoder pretraining; report/noise_level.{png,csv}. --mode averaging: "
                + "both variants with other train.workers and train.averaging-frequency; report/averaging.{png,csv}. "
                + "Every point over "
                + "--seeds seeds: mean, sd, 95%% CI and the paired difference DDeP - baseline.")
final class SweepCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", defaultValue = "fractions", description = "fractions (default), sigma or averaging.")
    String mode;

    @Option(names = "--fractions", split = ",", description = "Label fractions, e.g. 0.01,0.02,0.05,0.1,1.0 "
            + "(default: ddep.sweep.fractions).")
    List<String> fractions;

    @Option(names = "--sigmas", split = ",", description = "Noise levels of --mode sigma (default: ddep.sweep.sigmas).")
    List<String> sigmas;

    @Option(names = "--workers", split = ",", description = "Worker counts of --mode averaging, e.g. 1,2,4 "
            + "(default: ddep.sweep.workers).")
    List<String> workers;

    @Option(names = "--frequencies", split = ",", description = "Averaging frequencies of --mode averaging, e.g. "
            + "1,4,16 (default: ddep.sweep.averaging-frequencies).")
    List<String> frequencies;

    @Option(names = "--seeds", description = "Fine-tuning seeds per point (default: ddep.sweep.seeds); DDeP and the "
            + "baseline share each seed. Finished seeds are reused, so raising it trains only the new ones.")
    Integer seeds;

    @Option(names = "--demo", description = "Generate the built-in demo data in the run dir; without --config, "
            + "use the demo config, and runs/demo as the default run dir.")
    boolean demo;

    @Override
    public Integer call() throws Exception {
        if (!List.of("fractions", "sigma", "averaging").contains(mode)) {
            throw new ConfigError("sweep --mode " + mode + " is invalid: fractions, sigma or averaging");
        }
        List<String> overrides = new ArrayList<>(common.overrides);
        if (fractions != null) {
            overrides.add("sweep.fractions=[" + String.join(",", fractions) + "]");
        }
        if (sigmas != null) {
            overrides.add("sweep.sigmas=[" + String.join(",", sigmas) + "]");
        }
        if (seeds != null) {
            overrides.add("sweep.seeds=" + seeds);
        }
        if (workers != null) {
            overrides.add("sweep.workers=[" + String.join(",", workers) + "]");
        }
        if (frequencies != null) {
            overrides.add("sweep.averaging-frequencies=[" + String.join(",", frequencies) + "]");
        }
        DdepConfig cfg = demo && common.config == null ? ConfigLoader.loadResource("demo.conf", overrides)
                : ConfigLoader.load(common.config, overrides);
        if (demo && !spec.commandLine().getParseResult().hasMatchedOption("--run-dir")) {
            common.runDir = "runs/demo";
        }
        return common.withPipeline(cfg, p -> {
            if (demo) {
                DemoData.ensure(p.context());
            }
            Sweep sweep = new Sweep(p);
            Map<String, Sweep.Point> points = new LinkedHashMap<>();
            if (mode.equals("averaging")) {
                sweep.averaging().forEach((a, pt) -> points.put(a.workers() + " workers, every " + a.frequency(), pt));
            } else {
                (mode.equals("sigma") ? sweep.sigmas() : sweep.fractions()).forEach(pt -> points.put(
                        (mode.equals("sigma") ? "sigma " : "fraction ") + pt.x(), pt));
            }
            System.out.printf("ddep sweep (%s):%n", mode);
            points.forEach((name, pt) -> {
                Estimate d = pt.difference();
                System.out.printf("  %-22s DDeP %.4f  baseline %.4f  difference %.4f [%.4f, %.4f] over %d seeds: %s%n",
                        name, pt.estimate(FinetuneSettings.DDEP).mean(),
                        pt.estimate(FinetuneSettings.RANDOM_DECODER).mean(), d.mean(), d.low(), d.high(), d.n(),
                        d.verdict().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            });
            System.out.println("ddep sweep: report at " + p.context().run().path("report", "index.md"));
        });
    }
}
