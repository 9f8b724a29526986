package org.ddep.stage;

import org.ddep.config.FinetuneSettings;
import org.ddep.eval.Estimate;
import org.ddep.report.LinePlot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sweeps' tables and plots: per point and variant the seeds, mean, sd and 95% interval of the mIoU, and
 * the paired differences with what they show ({@code ahead}, {@code behind}, {@code not distinguishable},
 * {@code single seed}).
 */
final class SweepTables {
    /** The statistics columns that follow a point's own columns; the last says what a difference row shows. */
    static final List<String> STATS = List.of("variant", "seeds", "mean", "sd", "ci95_low", "ci95_high");
    /** The variant name of the rows DDeP - baseline, paired by seed. */
    static final String DIFFERENCE = "ddep-minus-baseline";
    /** Suffix of the rows "variant here - the same variant and seed trained synchronously" (averaging sweep). */
    static final String MINUS_SYNCHRONOUS = "-minus-1-worker";
    static final List<String> VARIANTS = List.of(FinetuneSettings.DDEP, FinetuneSettings.RANDOM_DECODER);

    private SweepTables() {
    }

    /** What a sweep writes: its table, every run's mIoU, and its plot. */
    record Written(String table, String perSeed, LinePlot plot) {
    }

    /** {@code label_efficiency}: per fraction (and its labelled images) both variants and their difference. */
    static Written fractions(List<Sweep.Point> points) {
        List<Row> rows = points.stream().map(p -> new Row(List.of(Sweep.plain(p.x()),
                String.valueOf(p.labelledImages())), p)).toList();
        return new Written(table(List.of("label_fraction", "labelled_images"), "ddep_vs_baseline", rows),
                perSeed(List.of("label_fraction"), firstCells(rows, 1)),
                plot("Label efficiency: mIoU against the fraction of labels",
                        "fraction of labelled training images (log scale)", bothVariants(points)));
    }

    /** {@code noise_level}: per sigma of decoder pretraining, DDeP at {@code fraction} and the baseline there. */
    static Written sigmas(List<Sweep.Point> points, double fraction) {
        List<Row> rows = points.stream().map(p -> new Row(List.of(Sweep.plain(p.x()), Sweep.plain(fraction)), p))
                .toList();
        return new Written(table(List.of("sigma", "label_fraction"), "ddep_vs_baseline", rows),
                perSeed(List.of("sigma"), firstCells(rows, 1)),
                plot("Noise level of decoder pretraining: mIoU at " + Sweep.plain(fraction) + " of the labels",
                        "sigma (log scale)", bothVariants(points)));
    }

    /**
     * {@code averaging}: per setting both variants and their difference, and (with a 1-worker setting) each
     * variant's difference from training synchronously with the same seed; one line per variant and worker count.
     */
    static Written averaging(Map<Sweep.Averaging, Sweep.Point> points, double fraction) {
        Optional<Sweep.Point> synchronous = points.entrySet().stream().filter(e -> e.getKey().workers() == 1)
                .map(Map.Entry::getValue).findFirst();
        List<Row> rows = new ArrayList<>();
        points.forEach((a, p) -> rows.add(new Row(List.of(String.valueOf(a.workers()), String.valueOf(a.frequency()),
                Sweep.plain(fraction)), p, a.workers() == 1 ? Optional.empty() : synchronous)));
        List<Line> lines = new ArrayList<>();
        for (String v : VARIANTS) {
            for (int w : points.keySet().stream().map(Sweep.Averaging::workers).distinct().toList()) {
                lines.add(new Line((v.equals(FinetuneSettings.DDEP) ? "DDeP" : "baseline") + ", " + w
                        + (w == 1 ? " worker (synchronous)" : " workers"), v, points.entrySet().stream()
                        .filter(e -> e.getKey().workers() == w).map(Map.Entry::getValue).toList()));
            }
        }
        return new Written(table(List.of("workers", "averaging_frequency", "label_fraction"), "verdict", rows),
                perSeed(List.of("workers", "averaging_frequency"), firstCells(rows, 2)),
                plot("Parameter averaging: mIoU at " + Sweep.plain(fraction) + " of the labels",
                        "minibatches per worker between averages (log scale)", lines).xTicks(points.keySet().stream()
                        .map(a -> (double) a.frequency()).distinct().sorted().toList()));
    }

    private static List<Row> firstCells(List<Row> rows, int n) {
        return rows.stream().map(r -> new Row(r.cells().subList(0, n), r.point())).toList();
    }

    /** One point of a table: its leading cells, its runs, and optionally a reference point to difference against. */
    record Row(List<String> cells, Sweep.Point point, Optional<Sweep.Point> reference) {
        Row(List<String> cells, Sweep.Point point) {
            this(cells, point, Optional.empty());
        }
    }

    /** The table: {@code columns} then {@link #STATS} and {@code verdictColumn}; 3 rows per point (+2 with a reference). */
    static String table(List<String> columns, String verdictColumn, List<Row> rows) {
        StringBuilder csv = new StringBuilder(header(columns, STATS, List.of(verdictColumn)));
        for (Row r : rows) {
            String lead = String.join(",", r.cells()) + ",";
            for (String v : VARIANTS) {
                csv.append(lead).append(v).append(',').append(stats(r.point().estimate(v))).append(",\n");
            }
            difference(csv, lead, DIFFERENCE, r.point().difference());
            if (r.reference().isPresent()) {
                for (String v : VARIANTS) {
                    difference(csv, lead, v + MINUS_SYNCHRONOUS, Estimate.paired(r.point().values(v),
                            r.reference().get().values(v)));
                }
            }
        }
        return csv.toString();
    }

    /** Every run's mIoU, one line per point and seed: what the statistics were computed from. */
    static String perSeed(List<String> columns, List<Row> rows) {
        StringBuilder csv = new StringBuilder(header(columns, List.of("seed", "ddep_miou", "random_decoder_miou",
                "ddep_minus_baseline")));
        for (Row r : rows) {
            Sweep.Point p = r.point();
            for (int i = 0; i < p.seeds().size(); i++) {
                double a = p.miou().get(FinetuneSettings.DDEP).get(i);
                double b = p.miou().get(FinetuneSettings.RANDOM_DECODER).get(i);
                csv.append(String.join(",", r.cells())).append(',').append(p.seeds().get(i)).append(',')
                        .append(num(a)).append(',').append(num(b)).append(',').append(num(a - b)).append('\n');
            }
        }
        return csv.toString();
    }

    /** A named line of a plot: one variant's means and intervals over the points, at each point's x. */
    record Line(String name, String variant, List<Sweep.Point> points) {
    }

    /** mIoU against the points' x on a log axis, error bars of 95% (none with one seed). */
    static LinePlot plot(String title, String x, List<Line> lines) {
        LinePlot plot = new LinePlot(title, x, "mIoU", true);
        int seeds = 0;
        for (Line l : lines) {
            List<Estimate> e = l.points().stream().map(p -> p.estimate(l.variant())).toList();
            plot.add(l.name(), l.points().stream().mapToDouble(Sweep.Point::x).toArray(),
                    e.stream().mapToDouble(Estimate::mean).toArray(), e.stream().mapToDouble(Estimate::low).toArray(),
                    e.stream().mapToDouble(Estimate::high).toArray());
            seeds = Math.max(seeds, l.points().stream().mapToInt(p -> p.seeds().size()).max().orElse(0));
        }
        plot.note(seeds == 1 ? "one seed: no error bars, and no result" : "mean of " + seeds + " seeds, bars: 95% CI "
                + "(Student's t)");
        return plot;
    }

    /** The usual two lines: DDeP and the baseline. */
    static List<Line> bothVariants(List<Sweep.Point> points) {
        return List.of(new Line(name(FinetuneSettings.DDEP), FinetuneSettings.DDEP, points),
                new Line(name(FinetuneSettings.RANDOM_DECODER), FinetuneSettings.RANDOM_DECODER, points));
    }

    static String name(String variant) {
        return variant.equals(FinetuneSettings.DDEP) ? "DDeP (pretrained decoder)" : "baseline (random decoder)";
    }

    private static void difference(StringBuilder csv, String lead, String name, Estimate d) {
        csv.append(lead).append(name).append(',').append(stats(d)).append(',').append(words(d.verdict())).append('\n');
    }

    static String words(Estimate.Verdict v) {
        return v.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    @SafeVarargs
    private static String header(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return String.join(",", all) + "\n";
    }

    private static String stats(Estimate e) {
        return e.n() + "," + num(e.mean()) + "," + num(e.sd()) + "," + num(e.low()) + "," + num(e.high());
    }

    static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
}
