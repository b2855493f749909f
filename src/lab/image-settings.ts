/**
 * The image view's URL parameters (`?view=image&preset=cdcgan&imgbatch=32`): its own names, so
 * they never collide with the 2-D run's (settings.ts); `backend` and `autoplay` are shared. Parsed
 * like the 2-D ones (every bad value a message) into the config `webgan train --preset P` runs.
 */
import { ConfigError, resolveConfig, type TrainConfig } from '../gan/config.ts';
import { int, oneOf, type Reader } from './settings.ts';

export const IMAGE_PRESETS = ['dcgan', 'cdcgan'] as const;
export type ImagePreset = (typeof IMAGE_PRESETS)[number];

export interface ImageSettings {
  preset: ImagePreset;
  /** batch size: the page's default is smaller than the CLI's 64 (a step costs ~4× less; docs/lab.md) */
  imgbatch: number;
  /** absent: the CLI's (1,000; dcgan's schedule is constant, so it only sets where the run stops in the CLI) */
  imgsteps?: number;
  imgseed: number;
  /** training steps per drawn frame */
  imgspeed: number;
}

export const IMAGE_DEFAULTS: ImageSettings = { preset: 'dcgan', imgbatch: 16, imgseed: 0, imgspeed: 1 };

export const IMAGE_PARAMS: Record<keyof ImageSettings, { read: Reader; flag?: string; help: string }> = {
  preset: { read: oneOf(IMAGE_PRESETS), help: 'the image view\'s preset: dcgan | cdcgan (class-conditional)' },
  imgbatch: { read: int(1, 1024), flag: '--batch', help: 'the image run\'s batch size (webgan train: 64)' },
  imgsteps: { read: int(1, 10_000_000), flag: '--steps', help: 'the image run\'s --steps' },
  imgseed: { read: int(0, 2 ** 31 - 1), flag: '--seed', help: 'the image run\'s seed' },
  imgspeed: { read: int(1, 100), help: 'image run: training steps per frame' },
};

export interface ParsedImageSettings {
  settings: ImageSettings;
  errors: string[];
  /** the full config (null when there are errors) */
  config: TrainConfig | null;
}

/** The config `webgan train --preset P --batch B --seed S [--steps N]` resolves to (Fashion-MNIST, all of the bundled training images). */
export function imageTrainConfig(s: ImageSettings): Partial<TrainConfig> {
  return { preset: s.preset, data: 'fashion-mnist', batch: s.imgbatch, steps: s.imgsteps, seed: s.imgseed };
}

/** The image view's parameters of a query string (the others are settings.ts's). */
export function parseImageSettings(search: string): ParsedImageSettings {
  const settings: ImageSettings = { ...IMAGE_DEFAULTS };
  const errors: string[] = [];
  for (const [k, v] of new URLSearchParams(search)) {
    if (!(k in IMAGE_PARAMS)) continue;
    try {
      (settings as unknown as Record<string, unknown>)[k] = IMAGE_PARAMS[k as keyof ImageSettings].read(v);
    } catch (e) {
      errors.push(`${k}: ${(e as Error).message}`);
    }
  }
  let config: TrainConfig | null = null;
  if (!errors.length) {
    try {
      config = resolveConfig(imageTrainConfig(settings));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      let msg = e.message;
      for (const [k, p] of Object.entries(IMAGE_PARAMS)) if (p.flag) msg = msg.replaceAll(p.flag, k);
      errors.push(msg);
    }
  }
  return { settings, errors, config };
}
