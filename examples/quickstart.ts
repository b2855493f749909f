// The README's quick start, runnable: npx deno run -A examples/quickstart.ts
import * as wg from '../src/index.ts';   // from a package: import * as wg from 'webgan'

await wg.init({ backend: 'auto' });      // WebGPU when an adapter is found, else the CPU
const x = wg.randn([8, 3, 28, 28]);
const w = wg.randn([16, 3, 3, 3], { requiresGrad: true });
const y = wg.conv2d(x, w, null, { stride: 2, padding: 1 }).leakyRelu(0.2);
const loss = y.square().mean();
loss.backward();                         // w.grad: [16, 3, 3, 3]
console.log(await loss.item(), w.grad!.shape);

// grad-of-grad (the WGAN-GP penalty): differentiate a gradient norm
const xi = wg.randn([4, 2], { requiresGrad: true });
const [g] = wg.grad(wg.tanh(xi).sum(), [xi], { createGraph: true });
g.square().sum().backward();             // xi.grad now holds d‖∇‖²/dx

// modules and optimizers with PyTorch's names, defaults and state-dict keys
const { nn } = wg;
const net = new nn.Sequential(new nn.Linear(2, 64), new nn.LeakyReLU(0.2), new nn.Linear(64, 1));
const opt = new nn.Adam(net.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
wg.tidy(() => {                          // frees every intermediate tensor of the step
  const out = net.call(wg.randn([32, 2]));
  opt.zeroGrad();
  nn.F.binaryCrossEntropyWithLogits(out, wg.onesLike(out)).backward();
  opt.step();
});
