"""Reference fixtures for tests/gan/stylegan-layers.test.ts (the StyleGAN2 building blocks).

Run once from the repository root with Debian's PyTorch (apt-get install python3-torch, 1.13 CPU):

    /usr/bin/python3 tests/gen_stylegan_fixtures.py

It writes tests/fixtures/stylegan/{layers,equalized,networks}.json, which are committed: CI never
runs this script and needs no PyTorch. Optionally, with ADA_PYTORCH=<a checkout of
NVlabs/stylegan2-ada-pytorch> it also checks this reference against that code's own ops and
networks (upfirdn2d, modulated_conv2d, FullyConnectedLayer, Conv2dLayer, MinibatchStdLayer,
Generator/Discriminator) on CPU and prints the largest differences.

The reference is written independently of src/gan/stylegan (and of torch's convolutions): upfirdn2d is
zero insertion, zero padding, a FIR sum over shifted slices and subsampling; a convolution is a sum
over the kernel taps of einsum'd shifted slices. Semantics are stylegan2-ada-pytorch's:

  * upsample2d = upfirdn2d(up=2, padding [2,1,2,1], gain 4), downsample2d = upfirdn2d(down=2,
    padding [1,1,1,1]), the filter [1,3,3,1]ᵀ[1,3,3,1] / 64 (conv2d_resample's padding rules).
  * modulated_conv2d: per-sample weights w·s, demodulated by rsqrt(Σ (w·s)² + 1e-8); with up=2 the
    generic conv2d_resample order (upfirdn2d up=2 with padding k//2 + [2,1], gain 4, then the
    convolution) with flip_weight=False, i.e. a true convolution, which is what SynthesisLayer
    (flip_weight = (up == 1)) computes through its transposed-convolution fast path.
  * Conv2dLayer with down=2: padding k//2 + [1,1], the convolution, then the blur and every second
    pixel (the generic order; the TS code blurs first and strides the convolution).
  * FullyConnectedLayer, bias_act (lrelu 0.2 · √2 · gain), MinibatchStdLayer (num_channels=1),
    normalize_2nd_moment; the skip generator and the residual discriminator.
  * One deliberate difference from ada-pytorch, following the TS: noise_strength is per channel
    ([out_channels]; ada-pytorch's is a scalar).

All values are float64 here; inputs and parameters are rounded to float32 first (so the TS float32
tests see exactly the same values), outputs are saved to 9 significant digits. Each case also saves
a random cotangent r and the gradients of Σ out·r with respect to every input and parameter.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'stylegan')
SQRT2 = math.sqrt(2)
FIR = [1.0, 3.0, 3.0, 1.0]
FW = len(FIR)


# ---------------------------------------------------------------------------------------- helpers

class Rng:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0, offset=0.0):
        """N(offset, scale²) values rounded to float32 (exactly representable in the TS tests)."""
        return (torch.randn(*shape, generator=self.g) * scale + offset).float().double()


def enc(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float('%.9g' % v) for v in t.flatten().tolist()]}


def grads_of(out, cot, named):
    """Gradients of Σ out·cot with respect to the named leaves (dict name → tensor)."""
    names = list(named)
    gs = torch.autograd.grad((out * cot).sum(), [named[n] for n in names], allow_unused=True)
    return {n: enc(g if g is not None else torch.zeros_like(named[n])) for n, g in zip(names, gs)}


def leaves(d):
    return {k: v.clone().requires_grad_(True) for k, v in d.items()}


# --------------------------------------------------------------------------------- the reference

def fir_filter(gain=1.0):
    f = torch.tensor(FIR)
    f2 = torch.outer(f, f)
    return f2 / f2.sum() * gain


def zero_insert(x, up):
    n, c, h, w = x.shape
    z = x.new_zeros(n, c, h * up, w * up)
    z[:, :, ::up, ::up] = x
    return z


def upfirdn2d(x, up=1, down=1, pad=(0, 0, 0, 0), gain=1.0):
    """Zero insertion by `up`, zero padding [x0,x1,y0,y1], FIR convolution (valid), keep every `down`-th pixel."""
    if up > 1:
        x = zero_insert(x, up)
    px0, px1, py0, py1 = pad
    assert min(pad) >= 0
    x = F.pad(x, [px0, px1, py0, py1])
    f = fir_filter(gain).flip([0, 1])  # convolution, not correlation (the filter is symmetric anyway)
    kh, kw = f.shape
    ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    y = 0
    for i in range(kh):
        for j in range(kw):
            y = y + f[i, j] * x[:, :, i:i + ho, j:j + wo]
    return y[:, :, ::down, ::down]


def upsample2d(x):
    return upfirdn2d(x, up=2, pad=((FW + 1) // 2, (FW - 2) // 2) * 2, gain=4)


def downsample2d(x):
    return upfirdn2d(x, down=2, pad=((FW - 1) // 2, (FW - 2) // 2) * 2)


def blur(x, pad, gain):
    return upfirdn2d(x, pad=(pad,) * 4, gain=gain)


def corr2d(x, w, pad=0):
    """Cross-correlation (torch.conv2d's convention) with zero padding, stride 1. w [O,I,k,k] shared or [N,O,I,k,k] per sample."""
    x = F.pad(x, [pad] * 4)
    k = w.shape[-1]
    ho, wo = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = 0
    for a in range(k):
        for b in range(k):
            xs = x[:, :, a:a + ho, b:b + wo]
            if w.ndim == 4:
                y = y + torch.einsum('oi,nihw->nohw', w[:, :, a, b], xs)
            else:
                y = y + torch.einsum('noi,nihw->nohw', w[:, :, :, a, b], xs)
    return y


def modulated_conv2d(x, weight, styles, demodulate=True, up=False):
    w = weight[None] * styles[:, None, :, None, None]  # [N,O,I,k,k]
    if demodulate:
        w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    k = weight.shape[-1]
    if not up:
        return corr2d(x, w, k // 2)
    # conv2d_resample's generic order: pad k//2 plus the filter's [(fw+up-1)//2, (fw-up)//2] around
    # the up-sampled image, blur with gain up², then the convolution (flip_weight=False: a true
    # convolution, as SynthesisLayer passes for up=2)
    p0, p1 = k // 2 + (FW + 1) // 2, k // 2 + (FW - 2) // 2
    xu = upfirdn2d(x, up=2, pad=(p0, p1, p0, p1), gain=4)
    return corr2d(xu, w.flip([-2, -1]))


def lrelu(x, gain=1.0):
    return torch.where(x >= 0, x, 0.2 * x) * SQRT2 * gain


def bias_act(x, b, act, gain=1.0):
    if b is not None:
        x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
    return lrelu(x, gain) if act == 'lrelu' else x * gain


def fc(x, weight, bias, lr_mul=1.0, act='linear'):
    w = weight * (lr_mul / math.sqrt(weight.shape[1]))
    y = x @ w.t()
    return bias_act(y, None if bias is None else bias * lr_mul, act)


def eq_conv(x, weight, bias, down=False, act='linear', gain=1.0):
    o, i, k, _ = weight.shape
    w = weight / math.sqrt(i * k * k)
    if not down:
        y = corr2d(x, w, k // 2)
    else:
        # generic order: pad k//2 + [(fw-1)//2, (fw-2)//2], convolve, then blur and subsample
        p0, p1 = k // 2 + (FW - 1) // 2, k // 2 + (FW - 2) // 2
        y = corr2d(F.pad(x, [p0, p1, p0, p1]), w)
        y = upfirdn2d(y, down=2)
    return bias_act(y, bias, act, gain)


def pixel_norm(z):
    return z * (z.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()


def mbstd(x, group=4):
    n, c, h, w = x.shape
    g = min(group, n)
    y = x.reshape(g, -1, c, h, w)  # sample i is in group i mod (n/g)
    y = y - y.mean(dim=0)
    y = (y.square().mean(dim=0) + 1e-8).sqrt()
    y = y.mean(dim=[1, 2, 3]).reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


# ------------------------------------------------------------------------------------ the networks

NET = dict(resolution=8, imgChannels=2, zDim=8, wDim=8, mappingLayers=2, mappingLrMul=0.01, channelBase=16, channelMax=3, mbstdGroup=4)


def channels_at(res):
    return max(1, min(NET['channelBase'] // res, NET['channelMax']))


def resolutions():
    return [4 << i for i in range(int(math.log2(NET['resolution'])) - 1)]


def g_params(rng):
    P = {}
    wd = NET['wDim']
    for i in range(NET['mappingLayers']):
        P[f'mapping.fc{i}.weight'] = rng.randn(wd, NET['zDim'] if i == 0 else wd, scale=1 / NET['mappingLrMul'])
        P[f'mapping.fc{i}.bias'] = rng.randn(wd, scale=10)  # × lrMul 0.01 at run time
    P['mapping.w_avg'] = rng.randn(wd, scale=0.5)
    for res in resolutions():
        cin, cout = (0 if res == 4 else channels_at(res // 2)), channels_at(res)
        pre = f'synthesis.b{res}.'
        if cin == 0:
            P[pre + 'const'] = rng.randn(cout, 4, 4)
        layers = ([('conv0', cin)] if cin else []) + [('conv1', cout)]
        for name, ci in layers:
            p = pre + name + '.'
            P[p + 'weight'] = rng.randn(cout, ci, 3, 3)
            P[p + 'bias'] = rng.randn(cout, scale=0.2)
            P[p + 'noise_strength'] = rng.randn(cout, scale=0.3)
            P[p + 'noise_const'] = rng.randn(res, res)
            P[p + 'affine.weight'] = rng.randn(ci, wd)
            P[p + 'affine.bias'] = rng.randn(ci, scale=0.2, offset=1.0)
        p = pre + 'torgb.'
        P[p + 'weight'] = rng.randn(NET['imgChannels'], cout, 1, 1)
        P[p + 'bias'] = rng.randn(NET['imgChannels'], scale=0.2)
        P[p + 'affine.weight'] = rng.randn(cout, wd)
        P[p + 'affine.bias'] = rng.randn(cout, scale=0.2, offset=1.0)
    return P


def synthesis_layer(P, p, x, w, up, noise=True):
    s = fc(w, P[p + 'affine.weight'], P[p + 'affine.bias'])
    y = modulated_conv2d(x, P[p + 'weight'], s, demodulate=True, up=up)
    if noise:
        y = y + P[p + 'noise_const'][None, None] * P[p + 'noise_strength'][None, :, None, None]
    return bias_act(y, P[p + 'bias'], 'lrelu')


def torgb(P, p, x, w):
    s = fc(w, P[p + 'affine.weight'], P[p + 'affine.bias']) / math.sqrt(x.shape[1])
    return bias_act(modulated_conv2d(x, P[p + 'weight'], s, demodulate=False), P[p + 'bias'], 'linear')


def generator(P, z, psi=1.0, noise=True):
    x = pixel_norm(z)
    for i in range(NET['mappingLayers']):
        x = fc(x, P[f'mapping.fc{i}.weight'], P[f'mapping.fc{i}.bias'], NET['mappingLrMul'], 'lrelu')
    w = x if psi == 1 else P['mapping.w_avg'] + psi * (x - P['mapping.w_avg'])
    h = img = None
    for res in resolutions():  # every layer gets the same w (no mixing)
        pre = f'synthesis.b{res}.'
        if res == 4:
            h = P[pre + 'const'][None].repeat(z.shape[0], 1, 1, 1)
        else:
            h = synthesis_layer(P, pre + 'conv0.', h, w, True, noise)
        h = synthesis_layer(P, pre + 'conv1.', h, w, False, noise)
        y = torgb(P, pre + 'torgb.', h, w)
        img = y if img is None else upsample2d(img) + y
    return img


def d_params(rng):
    P = {}
    R = NET['resolution']
    for res in reversed(resolutions()):
        if res == 4:
            continue
        tmp, out = channels_at(res), channels_at(res // 2)
        pre = f'b{res}.'
        if res == R:
            P[pre + 'fromrgb.weight'] = rng.randn(tmp, NET['imgChannels'], 1, 1)
            P[pre + 'fromrgb.bias'] = rng.randn(tmp, scale=0.2)
        P[pre + 'conv0.weight'] = rng.randn(tmp, tmp, 3, 3)
        P[pre + 'conv0.bias'] = rng.randn(tmp, scale=0.2)
        P[pre + 'conv1.weight'] = rng.randn(out, tmp, 3, 3)
        P[pre + 'conv1.bias'] = rng.randn(out, scale=0.2)
        P[pre + 'skip.weight'] = rng.randn(out, tmp, 1, 1)
    c = channels_at(4)
    P['b4.conv.weight'] = rng.randn(c, c + 1, 3, 3)
    P['b4.conv.bias'] = rng.randn(c, scale=0.2)
    P['b4.fc.weight'] = rng.randn(c, c * 16)
    P['b4.fc.bias'] = rng.randn(c, scale=0.2)
    P['b4.out.weight'] = rng.randn(1, c)
    P['b4.out.bias'] = rng.randn(1, scale=0.2)
    return P


def discriminator(P, img):
    x = img
    h = math.sqrt(0.5)
    for res in reversed(resolutions()):
        if res == 4:
            continue
        pre = f'b{res}.'
        if res == NET['resolution']:
            x = eq_conv(x, P[pre + 'fromrgb.weight'], P[pre + 'fromrgb.bias'], act='lrelu')
        y = eq_conv(x, P[pre + 'skip.weight'], None, down=True, gain=h)
        x = eq_conv(x, P[pre + 'conv0.weight'], P[pre + 'conv0.bias'], act='lrelu')
        x = eq_conv(x, P[pre + 'conv1.weight'], P[pre + 'conv1.bias'], down=True, act='lrelu', gain=h)
        x = y + x
    x = mbstd(x, NET['mbstdGroup'])
    x = eq_conv(x, P['b4.conv.weight'], P['b4.conv.bias'], act='lrelu')
    x = fc(x.flatten(1), P['b4.fc.weight'], P['b4.fc.bias'], act='lrelu')
    return fc(x, P['b4.out.weight'], P['b4.out.bias']).reshape(-1)


# ------------------------------------------------------------------------------------------ cases

def case(name, kind, params, inputs, fn, rng):
    """Run fn(**leaves) → out; save inputs, out, a cotangent and the gradients of Σ out·cot."""
    L = leaves(inputs)
    out = fn(**L)
    cot = rng.randn(*out.shape)
    return {'name': name, 'kind': kind, 'params': params, 'inputs': {k: enc(v) for k, v in inputs.items()},
            'out': enc(out), 'cot': enc(cot), 'grads': grads_of(out, cot, L)}


def layer_cases():
    rng = Rng(1)
    cs = []
    cs.append(case('pixelNorm 2d', 'pixelNorm', {}, {'x': rng.randn(4, 6)}, lambda x: pixel_norm(x), rng))
    cs.append(case('pixelNorm 4d', 'pixelNorm', {}, {'x': rng.randn(2, 3, 2, 2)}, lambda x: pixel_norm(x), rng))
    for pad, gain, shape in [(1, 1.0, (2, 3, 5, 4)), (2, 4.0, (1, 2, 4, 6)), (0, 1.0, (2, 2, 5, 5))]:
        cs.append(case(f'blur pad {pad} gain {gain:g}', 'blur', {'pad': pad, 'gain': gain}, {'x': rng.randn(*shape)},
                       lambda x, pad=pad, gain=gain: blur(x, pad, gain), rng))
    cs.append(case('upsample2d', 'upsample2d', {}, {'x': rng.randn(2, 3, 3, 4)}, lambda x: upsample2d(x), rng))
    cs.append(case('downsample2d', 'downsample2d', {}, {'x': rng.randn(2, 3, 6, 4)}, lambda x: downsample2d(x), rng))
    for k, demod, up in [(3, True, False), (3, False, False), (3, True, True), (3, False, True), (1, False, False), (1, True, False), (1, True, True)]:
        n, i, o = 2, 3, 4
        h, w = (3, 4) if up else (4, 5)
        inputs = {'x': rng.randn(n, i, h, w), 'weight': rng.randn(o, i, k, k), 'styles': rng.randn(n, i, scale=0.5, offset=1.0)}
        cs.append(case(f'modulatedConv2d k{k} demod {demod} up {up}', 'modulatedConv2d', {'demodulate': demod, 'up': up}, inputs,
                       lambda x, weight, styles, demod=demod, up=up: modulated_conv2d(x, weight, styles, demod, up), rng))
    return cs


def equalized_cases():
    rng = Rng(2)
    cs = []
    for lr, act, bias in [(0.01, 'lrelu', True), (1.0, 'lrelu', True), (0.01, 'linear', True), (1.0, 'linear', True), (1.0, 'linear', False)]:
        fin, fout = 5, 4
        inputs = {'x': rng.randn(3, fin), 'weight': rng.randn(fout, fin, scale=1 / lr)}
        if bias:
            inputs['bias'] = rng.randn(fout, scale=0.5 / lr, offset=1 / lr)  # around biasInit 1 after × lrMul
        cs.append(case(f'EqualizedLinear lrMul {lr:g} {act} bias {bias}', 'EqualizedLinear',
                       {'lrMul': lr, 'activation': act, 'bias': bias, 'biasInit': 1}, inputs,
                       lambda x, weight, bias=None, lr=lr, act=act: fc(x, weight, bias, lr, act), rng))
    for k, down, act, gain, bias in [(3, False, 'lrelu', 1.0, True), (3, True, 'lrelu', math.sqrt(0.5), True), (1, True, 'linear', math.sqrt(0.5), False),
                                     (1, False, 'lrelu', 1.0, True), (3, False, 'linear', math.sqrt(0.5), True), (3, True, 'linear', 1.0, True)]:
        ci, co = 3, 4
        inputs = {'x': rng.randn(2, ci, 6, 4), 'weight': rng.randn(co, ci, k, k)}
        if bias:
            inputs['bias'] = rng.randn(co, scale=0.3)
        cs.append(case(f'EqualizedConv2d k{k} down {down} {act} gain {gain:.4g} bias {bias}', 'EqualizedConv2d',
                       {'kernel': k, 'down': down, 'activation': act, 'gain': gain, 'bias': bias}, inputs,
                       lambda x, weight, bias=None, down=down, act=act, gain=gain: eq_conv(x, weight, bias, down, act, gain), rng))
    for n, c, g in [(8, 3, 4), (4, 2, 4), (2, 3, 4)]:
        cs.append(case(f'MinibatchStdDev N {n} group {g}', 'MinibatchStdDev', {'group': g}, {'x': rng.randn(n, c, 4, 3)},
                       lambda x, g=g: mbstd(x, g), rng))
    return cs


def network_cases():
    rng = Rng(3)
    GP, DP = g_params(rng), d_params(rng)
    z = rng.randn(3, NET['zDim'])
    img = rng.randn(4, NET['imgChannels'], NET['resolution'], NET['resolution'])
    gl = leaves({**GP, 'z': z})
    gout = generator(gl, gl['z'])
    gcot = rng.randn(*gout.shape)
    G = {'params': {k: enc(v) for k, v in GP.items()}, 'z': enc(z), 'out': enc(gout), 'cot': enc(gcot),
         'grads': grads_of(gout, gcot, {k: v for k, v in gl.items() if k != 'mapping.w_avg' and 'noise_const' not in k}),
         'outPsi07': enc(generator(GP, z, psi=0.7))}
    dl = leaves({**DP, 'img': img})
    dout = discriminator(dl, dl['img'])
    dcot = rng.randn(*dout.shape)
    D = {'params': {k: enc(v) for k, v in DP.items()}, 'img': enc(img), 'out': enc(dout), 'cot': enc(dcot),
         'grads': grads_of(dout, dcot, dl)}
    return {'options': NET, 'G': G, 'D': D}, (GP, DP, z, img)


# ------------------------------------------------------------- optional check against ada-pytorch

def check_ada(root, layers, equalized, nets):
    sys.path.insert(0, root)
    from torch_utils.ops import upfirdn2d as ada_up
    from training import networks as ada
    f = ada_up.setup_filter(FIR)
    # inputs are float32 values printed to 9 digits: float32 recovers them exactly, float64 not
    T = lambda j: torch.tensor(j['data']).reshape(j['shape'])
    Tin = lambda j: T(j).float().double()
    worst = {}

    def note(name, a, b):
        a, b = a.double(), b.double()
        worst[name] = max(worst.get(name, 0.0), ((a - b).abs() / (1 + b.abs())).max().item())

    for c in layers:
        x = Tin(c['inputs']['x'])
        out = T(c['out'])
        if c['kind'] == 'blur':
            p = c['params']
            note('upfirdn2d', ada_up.upfirdn2d(x, f, padding=p['pad'], gain=p['gain']), out)
        elif c['kind'] == 'upsample2d':
            note('upfirdn2d', ada_up.upsample2d(x, f), out)
        elif c['kind'] == 'downsample2d':
            note('upfirdn2d', ada_up.downsample2d(x, f), out)
        elif c['kind'] == 'pixelNorm':
            note('normalize_2nd_moment', ada.normalize_2nd_moment(x), out)
        elif c['kind'] == 'modulatedConv2d':
            p, w, s = c['params'], Tin(c['inputs']['weight']), Tin(c['inputs']['styles'])
            for fused in (True, False):
                y = ada.modulated_conv2d(x, w, s, up=2 if p['up'] else 1, padding=w.shape[-1] // 2, resample_filter=f,
                                         demodulate=p['demodulate'], flip_weight=not p['up'], fused_modconv=fused)
                note('modulated_conv2d', y, out)
    for c in equalized:
        x, out, p = Tin(c['inputs']['x']), T(c['out']), c['params']
        if c['kind'] == 'EqualizedLinear':
            m = ada.FullyConnectedLayer(x.shape[1], out.shape[1], bias=p['bias'], activation=p['activation'], lr_multiplier=p['lrMul'])
            m.weight.data = Tin(c['inputs']['weight'])
            if p['bias']:
                m.bias.data = Tin(c['inputs']['bias'])
            note('FullyConnectedLayer', m(x), out)
        elif c['kind'] == 'EqualizedConv2d':
            m = ada.Conv2dLayer(x.shape[1], out.shape[1], p['kernel'], bias=p['bias'], activation=p['activation'], down=2 if p['down'] else 1)
            m.weight.data = Tin(c['inputs']['weight'])
            if p['bias']:
                m.bias.data = Tin(c['inputs']['bias'])
            note('Conv2dLayer', m(x, gain=p['gain']), out)
        elif c['kind'] == 'MinibatchStdDev':
            note('MinibatchStdLayer', ada.MinibatchStdLayer(p['group'])(x), out)
    GP, DP, z, img = nets
    o = NET
    torch.set_default_dtype(torch.float32)  # ada-pytorch's networks run in float32
    G = ada.Generator(o['zDim'], 0, o['wDim'], o['resolution'], o['imgChannels'], mapping_kwargs={'num_layers': o['mappingLayers']},
                      synthesis_kwargs={'channel_base': o['channelBase'], 'channel_max': o['channelMax']}).eval()
    sd = {k: v.float() for k, v in GP.items() if 'noise' not in k}
    missing, unexpected = G.load_state_dict(sd, strict=False)
    assert not unexpected and all('noise' in k or 'resample_filter' in k for k in missing), (missing, unexpected)
    for fused in (True, False):
        y = G(z.float(), None, noise_mode='none', fused_modconv=fused)
        note('Generator (float32, noise none)', y, generator(GP, z, noise=False))
    y = G(z.float(), None, truncation_psi=0.7, noise_mode='none')
    note('Generator (float32, noise none)', y, generator(GP, z, psi=0.7, noise=False))
    D = ada.Discriminator(0, o['resolution'], o['imgChannels'], channel_base=o['channelBase'], channel_max=o['channelMax'],
                          epilogue_kwargs={'mbstd_group_size': o['mbstdGroup']})
    missing, unexpected = D.load_state_dict({k: v.float() for k, v in DP.items()}, strict=False)
    assert not unexpected and all('resample_filter' in k for k in missing), (missing, unexpected)
    torch.set_default_dtype(torch.float64)
    note('Discriminator (float32)', D(img.float(), None).reshape(-1), discriminator(DP, img))
    for k, v in worst.items():
        print(f'  ada-pytorch {k}: max |diff| / (1 + |ref|) {v:.3g}')
    bad = {k: v for k, v in worst.items() if v > (1e-5 if 'float32' in k else 1e-8)}
    if bad:
        raise SystemExit(f'reference disagrees with ada-pytorch: {bad}')


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    layers, equalized = layer_cases(), equalized_cases()
    nets, raw = network_cases()
    for name, obj in [('layers', {'cases': layers}), ('equalized', {'cases': equalized}), ('networks', nets)]:
        path = os.path.join(OUT_DIR, f'{name}.json')
        with open(path, 'w') as fh:
            json.dump(obj, fh, separators=(',', ':'))
        print(f'{path}: {os.path.getsize(path)} bytes')
    if os.environ.get('ADA_PYTORCH'):
        check_ada(os.environ['ADA_PYTORCH'], layers, equalized, raw)


if __name__ == '__main__':
    main()
