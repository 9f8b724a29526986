package org.ddep.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** A grid of same-sized pictures with column titles, each cell scaled up to {@code cell} pixels. */
public final class Grid {
    private Grid() {
    }

    public static BufferedImage of(List<String> columns, List<List<BufferedImage>> rows, int cell) {
        int header = 22;
        int gap = 4;
        int w = columns.size() * (cell + gap) + gap;
        int h = header + rows.size() * (cell + gap) + gap;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int c = 0; c < columns.size(); c++) {
            // A title wider than its column is set smaller rather than running into the next one.
            for (int size = 12; size > 7 && g.getFontMetrics().stringWidth(columns.get(c)) > cell - 2; size--) {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size - 1));
            }
            g.drawString(columns.get(c), gap + c * (cell + gap) + 2, 15);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        }
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) {
                Image cellImg = rows.get(r).get(c);
                g.drawImage(cellImg, gap + c * (cell + gap), header + gap + r * (cell + gap), cell, cell, null);
            }
        }
        g.dispose();
        return img;
    }
}
