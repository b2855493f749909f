#!/usr/bin/env python3
"""Time webgan's `dcgan` (and `mlp2d`) nsgan training step in PyTorch, for a webgan / PyTorch ratio
on the same machine. Not a dependency: run it where torch is installed.

    /usr/bin/python3 bench/torch_dcgan_step.py [--preset dcgan|mlp2d] [--batch 64] [--steps 5] [--threads N]
        [--convt native|zero-insert]

--convt zero-insert computes each transposed convolution as zero insertion + padding + conv2d
with the flipped, transposed kernel (the same function and gradients): PyTorch 1.13's CPU
ConvTranspose2d is slow in Debian's build, while its conv2d takes oneDNN's fast path, so this is
PyTorch's fastest form of the step (bench/cpu-vs-torch.sh runs both next to webgan).

Same architectures as src/gan/models.ts (no conv biases, N(0, 0.02) init, BN momentum 0.1), the
same step as GanTrainer: fake = G(z) without grad; D update on BCE-with-logits (softplus form);
G update on -E log σ(D(G(z'))); Adam (lr 2e-4 / 1e-4 for mlp2d, betas (0.5, 0.999)).
Prints one JSON object.
"""
import argparse, json, platform, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dcgan():
    G = nn.Sequential(
        nn.ConvTranspose2d(100, 256, 7, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 1, 4, 2, 1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Conv2d(128, 1, 7, 1, 0, bias=False))
    for m in [*G.modules(), *D.modules()]:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1, 0.02); nn.init.zeros_(m.bias)
    return G, D, (100, 1, 1), (1, 28, 28), 2e-4


class ZeroInsertConvT(nn.Module):
    """ConvTranspose2d(x) = conv2d(pad(zero_insert(x, s), k-1-p), flip(W)ᵀ): same weight layout and init."""

    def __init__(self, m):
        super().__init__()
        self.weight, self.s, self.p = m.weight, m.stride[0], m.padding[0]

    def forward(self, x):
        n, c, h, w = x.shape
        s, k = self.s, self.weight.shape[2]
        if s > 1:
            up = x.new_zeros(n, c, (h - 1) * s + 1, (w - 1) * s + 1)
            up[:, :, ::s, ::s] = x
        else:
            up = x
        q = k - 1 - self.p
        return F.conv2d(F.pad(up, (q, q, q, q)), self.weight.flip(2, 3).transpose(0, 1))


def zero_insert(net):
    return nn.Sequential(*[ZeroInsertConvT(m) if isinstance(m, nn.ConvTranspose2d) else m for m in net])


def mlp2d():
    G = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
    D = nn.Sequential(nn.Linear(2, 256), nn.LeakyReLU(0.2), nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    return G, D, (2,), (2,), 1e-4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--preset', default='dcgan', choices=['dcgan', 'mlp2d'])
    ap.add_argument('--batch', type=int, default=None)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--convt', default='native', choices=['native', 'zero-insert'])
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G, D, zshape, xshape, lr = dcgan() if a.preset == 'dcgan' else mlp2d()
    if a.convt == 'zero-insert':
        # check the rewrite against the module it replaces before timing it
        z = torch.randn(2, *zshape)
        with torch.no_grad():
            assert torch.allclose(zero_insert(G)(z), G(z), atol=1e-5), 'zero-insert ConvT differs from nn.ConvTranspose2d'
        G = zero_insert(G)
    batch = a.batch or (64 if a.preset == 'dcgan' else 256)
    optG = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    real = torch.rand(batch, *xshape) * 2 - 1

    def step():
        with torch.no_grad():
            fake = G(torch.randn(batch, *zshape))
        lossD = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        optD.zero_grad(); lossD.backward(); optD.step()
        for p in D.parameters(): p.requires_grad_(False)
        lossG = F.softplus(-D(G(torch.randn(batch, *zshape)))).mean()
        optG.zero_grad(); lossG.backward(); optG.step()
        for p in D.parameters(): p.requires_grad_(True)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({
        'library': 'pytorch', 'torch': torch.__version__, 'device': 'cpu', 'threads': torch.get_num_threads(),
        'python': platform.python_version(), 'machine': platform.processor() or platform.machine(),
        'preset': a.preset, 'convt': a.convt, 'batch': batch, 'params': sum(p.numel() for p in [*G.parameters(), *D.parameters()]),
        'steps': a.steps, 'median_step_ms': med * 1e3, 'steps_per_sec': 1 / med, 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    }))


if __name__ == '__main__':
    main()
