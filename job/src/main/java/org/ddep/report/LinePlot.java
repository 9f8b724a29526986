package org.ddep.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** A small line chart drawn with Java2D (no plotting dependency): series, axes with ticks, legend. */
public final class LinePlot {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();

    public record Series(String name, double[] x, double[] y) {
    }

    public LinePlot(String title, String xLabel, String yLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
    }

    public LinePlot add(String name, double[] x, double[] y) {
        series.add(new Series(name, x, y));
        return this;
    }

    public BufferedImage render(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int left = 80;
        int right = 20;
        int top = 35;
        int bottom = 50;
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                x0 = Math.min(x0, tx(s.x()[i]));
                x1 = Math.max(x1, tx(s.x()[i]));
                y0 = Math.min(y0, s.y()[i]);
                y1 = Math.max(y1, s.y()[i]);
            }
        }
        if (!Double.isFinite(x0)) {
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + Math.max(1e-9, Math.abs(y0) * 0.1);
        }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
        int pw = width - left - right;
        int ph = height - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawRect(left, top, pw, ph);
        for (int k = 0; k <= 4; k++) {
            double yv = y0 + (y1 - y0) * k / 4;
            int py = top + ph - (int) Math.round(ph * k / 4.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left + 1, py, left + pw - 1, py);
            g.setColor(Color.BLACK);
            g.drawString(fmt(yv), 24, py + 4);
            if (!logX) {
                double xv = x0 + (x1 - x0) * k / 4;
                int px = left + (int) Math.round(pw * k / 4.0);
                g.drawString(fmt(xv), px - 12, top + ph + 16);
            }
        }
        if (logX) {
            // A log axis is labelled at the data's own x values (a sweep's fractions or noise levels).
            java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
            series.forEach(s -> java.util.Arrays.stream(s.x()).forEach(xs::add));
            for (double xv : xs) {
                int px = left + (int) Math.round((tx(xv) - x0) / (x1 - x0) * pw);
                g.drawString(fmt(xv), px - 12, top + ph + 16);
            }
        }
        g.drawString(xLabel, left + pw / 2 - 20, height - 12);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + ph / 2 + 20), 14);
        g.rotate(Math.PI / 2);
        g.setStroke(new BasicStroke(2f));
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            g.setColor(PALETTE[si % PALETTE.length]);
            int px = -1;
            int py = -1;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                int cx = left + (int) Math.round((tx(s.x()[i]) - x0) / (x1 - x0) * pw);
                int cy = top + ph - (int) Math.round((s.y()[i] - y0) / (y1 - y0) * ph);
                if (px >= 0) {
                    g.drawLine(px, py, cx, cy);
                }
                if (s.x().length < 30) {
                    g.fillOval(cx - 3, cy - 3, 6, 6);
                }
                px = cx;
                py = cy;
            }
            int legend = 30 + series.stream().mapToInt(x -> g.getFontMetrics().stringWidth(x.name())).max().orElse(0);
            g.fillRect(left + pw - legend, top + 10 + si * 16, 12, 4);
            g.drawString(s.name(), left + pw - legend + 18, top + 16 + si * 16);
        }
        g.dispose();
        return img;
    }

    private double tx(double x) {
        return logX ? Math.log10(x) : x;
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 0.01 || a >= 10000) ? String.format("%.2e", v) : String.format("%.3g", v);
    }
}
