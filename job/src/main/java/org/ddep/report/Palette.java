package org.ddep.report;

import java.awt.image.BufferedImage;
import java.util.List;

/** Masks as colour pictures: the manifest's class colours, or a fixed palette; ignore is black. */
public final class Palette implements java.io.Serializable {
    private final int[] colours;

    public Palette(List<String> classNames, java.util.Map<String, String> named) {
        colours = new int[256];
        for (int c = 0; c < 255; c++) {
            float hue = (c * 0.61803f) % 1f;
            colours[c] = java.awt.Color.HSBtoRGB(hue, 0.65f, 0.95f) & 0xffffff;
        }
        for (int c = 0; c < classNames.size() && c < 255; c++) {
            String hex = named.get(classNames.get(c));
            if (hex != null) {
                colours[c] = Integer.parseInt(hex.substring(1), 16);
            }
        }
        colours[255] = 0;
    }

    public BufferedImage render(int[] mask, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[h * w];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = colours[mask[i] & 0xff];
        }
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }
}
