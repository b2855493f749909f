/**
 * Acquiring a GPUDevice in every runtime:
 *   Deno / Chrome: the built-in `navigator.gpu`;
 *   Node: the `webgpu` npm package (Dawn), loaded on demand. Dawn refuses Mesa's lavapipe, so on a
 *   machine without a GPU we point Vulkan at Chromium's SwiftShader ICD when it is installed.
 */

/** The limits we ask for: everything the adapter offers for these (the defaults are much lower). */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxUniformBufferBindingSize', 'maxBindGroups',
] as const;

export type LimitName = (typeof WANTED_LIMITS)[number];

export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  limits: Record<LimitName, number> & { minUniformBufferOffsetAlignment: number };
  runtime: 'node' | 'deno' | 'browser';
  /** optional features the device was created with (e.g. 'timestamp-query', for profiling) */
  features: string[];
  /** kept reachable on purpose: Dawn's Node binding crashes if the GPU instance is collected */
  keepAlive: unknown[];
}

async function getGPU(): Promise<{ gpu: GPU; runtime: AcquiredDevice['runtime'] }> {
  const g = globalThis as unknown as { navigator?: { gpu?: GPU }; Deno?: unknown; process?: { versions?: { node?: string }; env: Record<string, string | undefined> } };
  if (g.navigator?.gpu) return { gpu: g.navigator.gpu, runtime: g.Deno ? 'deno' : 'browser' };
  if (g.process?.versions?.node && !g.Deno) {
    const env = g.process.env;
    const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
    if (env.VK_ICD_FILENAMES === undefined) {
      const fs = await import('node:fs');
      if (fs.existsSync(icd)) env.VK_ICD_FILENAMES = icd;
    }
    const spec = 'webgpu';
    let mod: { create: (opts: string[]) => GPU; globals: Record<string, unknown> };
    try {
      mod = await import(/* @vite-ignore */ spec);
    } catch (e) {
      throw new Error(`WebGPU: no navigator.gpu and the optional 'webgpu' npm package could not be loaded (${(e as Error).message})`);
    }
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return { gpu: mod.create([]), runtime: 'node' };
  }
  throw new Error('WebGPU: navigator.gpu is not available in this runtime (Chrome needs a secure context, e.g. http://localhost)');
}

export async function acquireDevice(powerPreference?: GPUPowerPreference): Promise<AcquiredDevice> {
  const { gpu, runtime } = await getGPU();
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
  if (!adapter) throw new Error('WebGPU: requestAdapter() returned no adapter (no GPU and no software Vulkan driver?)');
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  // timestamp queries when offered (GPU time per dispatch in profile mode; unused otherwise)
  const wanted = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures: wanted });
  } catch {
    wanted.length = 0;
    device = await adapter.requestDevice({ requiredLimits });
  }
  const info = (adapter as unknown as { info?: GPUAdapterInfo }).info;
  const limits = {} as AcquiredDevice['limits'];
  for (const k of [...WANTED_LIMITS, 'minUniformBufferOffsetAlignment'] as const) {
    limits[k] = (device.limits as unknown as Record<string, number>)[k];
  }
  return {
    device,
    adapterInfo: {
      vendor: info?.vendor ?? '', architecture: info?.architecture ?? '',
      device: info?.device ?? '', description: info?.description ?? '',
    },
    limits,
    runtime,
    features: wanted.filter((f) => device.features.has(f)),
    keepAlive: [gpu, adapter],
  };
}
