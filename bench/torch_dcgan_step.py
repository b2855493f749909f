#!/usr/bin/env python3
"""Time webgan's `dcgan` (and `mlp2d`) nsgan training step in PyTorch, for a webgan / PyTorch ratio
on the same machine. Not a dependency: run it where torch is installed.

    /usr/bin/python3 bench/torch_dcgan_step.py [--preset dcgan|mlp2d] [--batch 64] [--steps 5] [--threads N]

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
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G, D, zshape, xshape, lr = dcgan() if a.preset == 'dcgan' else mlp2d()
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
        'preset': a.preset, 'batch': batch, 'params': sum(p.numel() for p in [*G.parameters(), *D.parameters()]),
        'steps': a.steps, 'median_step_ms': med * 1e3, 'steps_per_sec': 1 / med, 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    }))


if __name__ == '__main__':
    main()
