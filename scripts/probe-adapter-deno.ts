// Probe for a WebGPU adapter in Deno (built-in navigator.gpu; on a machine with no GPU this is
// Mesa lavapipe from Debian's mesa-vulkan-drivers).
//   npx deno run -A scripts/probe-adapter-deno.ts
// Prints the adapter description. Exits 1 when no adapter is found and CI=true (0 otherwise).
declare const Deno: { env: { get(k: string): string | undefined }; exit(code: number): never };
const ci = Deno.env.get('CI') === 'true' || Deno.env.get('CI') === '1';
const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
const adapter = gpu ? await gpu.requestAdapter() : null;
if (!adapter) {
  console.error(`[probe deno] no WebGPU adapter (${gpu ? 'requestAdapter() returned null' : 'navigator.gpu is undefined'})`);
  Deno.exit(ci ? 1 : 0);
}
const i = adapter.info;
console.log(`[probe deno] adapter: ${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' | ')}`);
const device = await adapter.requestDevice();
device.destroy();
Deno.exit(0);
