import { existsSync } from "node:fs";

/**
 * Debian's fonts-dejavu-core: present on a fresh Debian/Ubuntu with that package (the Dockerfile
 * and test/fleet/up.sh install it). Named explicitly, so text renders the same everywhere.
 */
export const CHART_FONTS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/**
 * An SVG document as PNG bytes, its text set in DejaVu Sans. The native renderer is loaded on
 * the first chart, so a process that never draws one (a worker, a bot in a slim image) never
 * needs its shared libraries.
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import("@resvg/resvg-js");
  const fontFiles = CHART_FONTS.filter((f) => existsSync(f));
  const resvg = new Resvg(svg, {
    font: { fontFiles, loadSystemFonts: fontFiles.length === 0, defaultFontFamily: "DejaVu Sans" },
    background: "#FFFFFF",
  });
  return resvg.render().asPng();
}
