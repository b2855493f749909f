"""Generates tests/fixtures/gan/*.json once with Debian's PyTorch (/usr/bin/python3). CI never runs this."""
import json, math, torch

torch.manual_seed(0)
out = {}
# FID reference: two correlated Gaussian feature sets, d = 6
d = 6
a = torch.randn(300, d, dtype=torch.float64) @ torch.randn(d, d, dtype=torch.float64)
b = torch.randn(250, d, dtype=torch.float64) @ torch.randn(d, d, dtype=torch.float64) + 0.5

def stats(x):
    mu = x.mean(0)
    xc = x - mu
    return mu, xc.T @ xc / (x.shape[0] - 1)

def sqrtm_psd(m):
    w, v = torch.linalg.eigh(m)
    return v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T

m1, s1 = stats(a)
m2, s2 = stats(b)
r = sqrtm_psd(s1)
inner = r @ s2 @ r
w = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0)
fid = ((m1 - m2) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * w.sqrt().sum()
out['fid'] = {'a': a.flatten().tolist(), 'b': b.flatten().tolist(), 'n': 300, 'm': 250, 'd': d, 'fid': fid.item()}

# Inception score reference: softmax probabilities, 10 splits
p = torch.softmax(torch.randn(200, 10, dtype=torch.float64) * 2, 1)
scores = []
for k in range(10):
    part = p[k * 20:(k + 1) * 20]
    py = part.mean(0, keepdim=True)
    kl = (part * (part.log() - py.log())).sum(1).mean()
    scores.append(math.exp(kl.item()))
mean = sum(scores) / 10
std = math.sqrt(sum((s - mean) ** 2 for s in scores) / 10)
out['is'] = {'probs': p.flatten().tolist(), 'n': 200, 'classes': 10, 'mean': mean, 'std': std}

json.dump(out, open('tests/fixtures/gan/metrics.json', 'w'))
