"""Reference values for tests/gan/translation-data.test.ts (src/gan/translation/metrics.ts).

Run once from the repository root with Debian's numpy and PyTorch (/usr/bin/python3):

    /usr/bin/python3 tests/gen_translation_metrics_fixtures.py

It writes tests/fixtures/translation-metrics/metrics.json, which is committed: CI never runs this.

Written from the papers' formulas, independently of the TS code (which uses a separable window and
E[x²] − μ²):
  * images x, y in [-1, 1], rounded to float32 first (the TS inputs), then float64 throughout;
    x' = (x + 1) / 2, y' = (y + 1) / 2 in [0, 1], data range L = 1
  * l1 = mean |x - y| over C, H, W (the [-1, 1] units); mse = mean (x' - y')²; psnr = 10 log10(1 / mse)
  * SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, eq. 13 with their Gaussian weighting, eqs. 14-16):
    the 11 x 11 window w(i, j) ∝ exp(-((i-5)² + (j-5)²) / (2 * 1.5²)), sum 1; at every position
    where the window lies inside the image ('valid'; skimage crops (11-1)/2 = 5 pixels):
      mu_x = Σ w x',  sigma_x² = Σ w (x' - mu_x)²,  sigma_xy = Σ w (x' - mu_x)(y' - mu_y)
      S = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x² + mu_y² + C1)(sigma_x² + sigma_y² + C2)),
      C1 = (0.01 L)², C2 = (0.03 L)²
    averaged over the positions, per channel, then over the channels: what
    skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=1, channel_axis=0) returns.
  The numpy sliding-window sums are checked against a second route (torch conv2d with the 2-D window,
  centred moments from E[x²] - mu²) before anything is written.
"""
import gzip, json, os
import numpy as np
import torch

rng = np.random.default_rng(0)


def fashion(n):
    with gzip.open('data/fashion-mnist/t10k-images-idx3-ubyte.gz') as f:
        b = f.read()
    return (np.frombuffer(b, np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28) / 127.5 - 1).astype(np.float64)


def window():
    r = np.arange(11) - 5
    g2 = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 1.5 ** 2))
    return g2 / g2.sum()


def ssim_plane(a, b):
    """SSIM of two planes [H, W] in [0, 1] (the paper's weighted statistics, 'valid' positions)."""
    w = window()
    h, wd = a.shape
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    s = np.empty((h - 10, wd - 10))
    for i in range(h - 10):
        for j in range(wd - 10):
            pa, pb = a[i:i + 11, j:j + 11], b[i:i + 11, j:j + 11]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * (pa - ma) ** 2).sum(), (w * (pb - mb) ** 2).sum()
            cov = (w * (pa - ma) * (pb - mb)).sum()
            s[i, j] = (2 * ma * mb + C1) * (2 * cov + C2) / ((ma ** 2 + mb ** 2 + C1) * (va + vb + C2))
    return s.mean()


def ssim_torch(x, y):
    """Second route: torch conv2d with the 2-D window, moments as E[.] - products; [N, C] per plane."""
    n, c, h, w = x.shape
    k = torch.from_numpy(window())[None, None]
    p = lambda t: torch.from_numpy(t.reshape(n * c, 1, h, w))
    f = lambda t: torch.nn.functional.conv2d(t, k)
    xa, ya = p((x + 1) / 2), p((y + 1) / 2)
    mx, my = f(xa), f(ya)
    vx, vy, vxy = f(xa * xa) - mx * mx, f(ya * ya) - my * my, f(xa * ya) - mx * my
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    s = (2 * mx * my + C1) * (2 * vxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2))
    return s.reshape(n, c, -1).mean(2).numpy()


def f32(a):
    """The shortest decimals that read back as these float32 values (read them as float32)."""
    return [float(repr(v)) for v in a.astype(np.float32).flatten()]


def case(x, y):
    x = x.astype(np.float32).astype(np.float64)
    y = y.astype(np.float32).astype(np.float64)
    n, c = x.shape[:2]
    xs, ys = (x + 1) / 2, (y + 1) / 2
    per_plane = np.array([[ssim_plane(xs[i, k], ys[i, k]) for k in range(c)] for i in range(n)])
    assert np.abs(per_plane - ssim_torch(x, y)).max() < 1e-12, 'the two SSIM routes disagree'
    mse = ((xs - ys) ** 2).mean((1, 2, 3))
    return {
        'shape': list(x.shape), 'x': f32(x), 'y': f32(y),
        'l1': np.abs(x - y).mean((1, 2, 3)).tolist(), 'mse': mse.tolist(),
        'psnr': (10 * np.log10(1 / mse)).tolist(), 'ssim': per_plane.mean(1).tolist(),
    }


def smooth(n, c, h, w):
    """Random smooth images in [-1, 1]: low-frequency sinusoids plus a little noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.empty((n, c, h, w))
    for i in range(n):
        for k in range(c):
            f1, f2, ph = rng.uniform(0.05, 0.4, 3)
            out[i, k] = np.sin(f1 * xx + ph) * np.cos(f2 * yy) * 0.8 + rng.normal(0, 0.05, (h, w))
    return np.clip(out, -1, 1)


out = {}
# Fashion-MNIST photos against: a noisy copy, a copy shifted by 2 pixels, a blurred copy, another photo
f = fashion(8)
noisy = np.clip(f[0:1] + rng.normal(0, 0.2, f[0:1].shape), -1, 1)
shifted = np.roll(f[1:2], 2, axis=3)
blurred = f[2:3].copy()
blurred[..., 1:-1, 1:-1] = sum(f[2:3][..., 1 + dy:27 + dy, 1 + dx:27 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
out['fashion'] = case(f[0:4], np.concatenate([noisy, shifted, blurred, f[5:6]]))
# RGB 32 x 32: smooth images against noisy / contrast-changed / unrelated ones
x = smooth(3, 3, 32, 32)
y = np.concatenate([np.clip(x[0:1] + rng.normal(0, 0.1, (1, 3, 32, 32)), -1, 1), x[1:2] * 0.5 - 0.2, smooth(1, 3, 32, 32)])
out['rgb32'] = case(x, y)
# non-square 16 x 24, uniform noise and constant planes (flat windows: only C1, C2 keep S finite)
x = np.concatenate([rng.uniform(-1, 1, (1, 1, 16, 24)), np.full((1, 1, 16, 24), 0.3)])
y = np.concatenate([rng.uniform(-1, 1, (1, 1, 16, 24)), np.full((1, 1, 16, 24), -0.5)])
out['rect'] = case(x, y)

os.makedirs('tests/fixtures/translation-metrics', exist_ok=True)
with open('tests/fixtures/translation-metrics/metrics.json', 'w') as fh:
    json.dump(out, fh)
for k, v in out.items():
    print(k, v['shape'], 'ssim', np.round(v['ssim'], 4), 'psnr', np.round(v['psnr'], 2))
