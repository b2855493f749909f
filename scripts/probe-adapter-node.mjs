// Probe for a WebGPU adapter in Node through the `webgpu` npm package (Dawn).
// On a machine with no GPU Dawn needs SwiftShader: Dawn refuses Mesa lavapipe 22.3, so point the
// Vulkan loader at Chromium's bundled SwiftShader ICD:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node scripts/probe-adapter-node.mjs
// Like src/kernels/webgpu/device.ts, it picks that ICD itself when VK_ICD_FILENAMES is unset and the
// file exists (set VK_ICD_FILENAMES='' to let the Vulkan loader choose, e.g. on a real GPU).
// Prints the adapter description. Exits 1 when no adapter is found and CI=true (0 otherwise).
const ci = process.env.CI === 'true' || process.env.CI === '1';
function fail(msg) {
  console.error(`[probe node] no WebGPU adapter: ${msg}`);
  process.exit(ci ? 1 : 0);
}
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES === undefined) {
  const { existsSync } = await import('node:fs');
  if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
let create;
try {
  ({ create } = await import('webgpu'));
} catch (e) {
  fail(`cannot load the 'webgpu' package (${e.message})`);
}
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) fail(`requestAdapter() returned null (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`);
const i = adapter.info ?? {};
console.log(`[probe node] adapter: ${[i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' | ')} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES || 'unset'})`);
const device = await adapter.requestDevice();
device.destroy();
process.exit(0); // Dawn can keep the event loop alive
