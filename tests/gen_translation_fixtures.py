"""Reference fixtures for tests/nn/translation-layers.test.ts (the engine pieces CycleGAN/pix2pix need).

Run once from the repository root with Debian's PyTorch (apt-get install python3-torch, 1.13 CPU):

    /usr/bin/python3 tests/gen_translation_fixtures.py

It writes tests/fixtures/translation/{pad,instance_norm}.json, which are committed: CI never runs
this script and needs no PyTorch. What is covered:

  * torch.nn.functional.pad in modes 'reflect', 'replicate' and 'constant' on 3-D, 4-D and 5-D
    inputs with asymmetric pads (negative ones, which crop, included; replicate pads larger than
    the dim; 2, 4 and 6 pads on inputs with one or two leading dims), and the padding layers
    ReflectionPad2d / ReplicationPad2d / ZeroPad2d.
  * nn.InstanceNorm2d without and with affine, with track_running_stats in train mode (running
    statistics after each step, num_batches_tracked) and in eval mode (the running statistics
    normalise), an unbatched [C,H,W] input, and F.instance_norm on [N,C,L].

All values are float64; inputs and parameters are rounded to float32 first (so the TS float32 tests
see exactly the same values), outputs are saved at full float64 precision. Each case saves a random
cotangent r and the gradients of Σ out·r with respect to the input and every parameter.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'translation')
g = torch.Generator().manual_seed(18)


def randn(*shape, scale=1.0, offset=0.0):
    """N(offset, scale²) values rounded to float32 (exactly representable in the TS tests)."""
    return (torch.randn(*shape, generator=g) * scale + offset).float().double()


def enc(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.flatten().tolist()]}


def grads_of(out, cot, named):
    names = list(named)
    gs = torch.autograd.grad((out * cot).sum(), [named[n] for n in names])
    return {n: enc(gr) for n, gr in zip(names, gs)}


# ------------------------------------------------------------------------------------ F.pad

PAD_CASES = [
    # name, mode, input shape, pads, value
    ('reflect 4-D', 'reflect', (2, 3, 5, 6), [1, 2, 3, 0], 0),
    ('reflect 4-D, pads = size − 1', 'reflect', (1, 2, 3, 4), [3, 2, 2, 1], 0),
    ('reflect 4-D, negative pads crop', 'reflect', (1, 2, 4, 5), [-1, 2, 1, -2], 0),
    ('reflect 3-D, last dim', 'reflect', (2, 4, 7), [3, 1], 0),
    ('reflect 3-D unbatched, last two dims', 'reflect', (3, 4, 5), [2, 1, 0, 3], 0),
    ('reflect 4-D unbatched, last three dims', 'reflect', (2, 3, 4, 5), [1, 1, 2, 0, 1, 2], 0),
    ('reflect 5-D, last three dims', 'reflect', (1, 2, 3, 4, 5), [1, 2, 2, 1, 1, 2], 0),
    ('replicate 4-D', 'replicate', (2, 2, 4, 5), [0, 3, 2, 1], 0),
    ('replicate 4-D, pads larger than the dim', 'replicate', (1, 2, 3, 3), [4, 5, 2, 6], 0),
    ('replicate 3-D, last dim', 'replicate', (2, 3, 4), [2, 3], 0),
    ('replicate 3-D unbatched, last two dims', 'replicate', (2, 3, 4), [1, 0, 3, 2], 0),
    ('replicate 5-D, last three dims', 'replicate', (1, 2, 2, 3, 4), [1, 0, 0, 2, 2, 1], 0),
    ('constant 4-D', 'constant', (2, 3, 4, 5), [1, 2, 0, 3], 0.5),
    ('constant 4-D, zero', 'constant', (1, 2, 3, 3), [2, 2, 1, 0], 0),
    ('constant 3-D, negative pads crop', 'constant', (2, 3, 4), [-1, 2, 1, -1], -2.0),
    ('constant 3-D, all three dims', 'constant', (2, 3, 4), [1, 0, 0, 2, 1, 1], 0),
]

pad_cases = []
for name, mode, shape, pads, value in PAD_CASES:
    x = randn(*shape).requires_grad_(True)
    out = F.pad(x, pads, mode=mode, value=value) if mode == 'constant' else F.pad(x, pads, mode=mode)
    cot = randn(*out.shape)
    pad_cases.append({'name': name, 'kind': 'F.pad', 'params': {'mode': mode, 'pads': pads, 'value': value},
                      'inputs': {'x': enc(x)}, 'out': enc(out), 'cot': enc(cot), 'grads': grads_of(out, cot, {'x': x})})

for cls, padding, shape in [(nn.ReflectionPad2d, [2, 1, 0, 3], (2, 3, 4, 5)), (nn.ReflectionPad2d, 1, (3, 4, 4)),
                            (nn.ReplicationPad2d, [3, 0, 1, 2], (1, 2, 3, 4)), (nn.ZeroPad2d, [1, 2, 3, 0], (2, 1, 3, 3))]:
    x = randn(*shape).requires_grad_(True)
    out = cls(padding)(x)
    cot = randn(*out.shape)
    pad_cases.append({'name': f'{cls.__name__}({padding}) on {list(shape)}', 'kind': cls.__name__, 'params': {'padding': padding},
                      'inputs': {'x': enc(x)}, 'out': enc(out), 'cot': enc(cot), 'grads': grads_of(out, cot, {'x': x})})

# --------------------------------------------------------------------------- instance norm


def instance_norm_case(name, m, shapes, eval_shape=None):
    """train-mode steps on fresh inputs (output, gradients, buffers after each), then eval mode."""
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(randn(m.num_features, scale=0.5, offset=1.0))
            m.bias.copy_(randn(m.num_features, scale=0.5))
    params = {k: enc(p) for k, p in m.named_parameters()}
    steps = []
    m.train()
    for shape in shapes:
        # per-instance offsets and scales, so that running statistics and the normalisation matter
        x = (randn(*shape, scale=2.0) + randn(*shape[:2], *([1] * (len(shape) - 2)), scale=1.5)).float().double()
        x.requires_grad_(True)
        out = m(x)
        cot = randn(*out.shape)
        named = {'x': x, **dict(m.named_parameters())}
        steps.append({'inputs': {'x': enc(x)}, 'out': enc(out), 'cot': enc(cot), 'grads': grads_of(out, cot, named),
                      'buffers': {k: enc(b) for k, b in m.named_buffers()}})
    case = {'name': name, 'kind': 'InstanceNorm2d',
            'params': {'numFeatures': m.num_features, 'affine': m.affine, 'trackRunningStats': m.track_running_stats,
                       'momentum': m.momentum, 'eps': m.eps},
            'state_dict_keys': list(m.state_dict().keys()), 'init': params, 'steps': steps}
    if eval_shape:
        m.eval()
        x = (randn(*eval_shape, scale=2.0) + 0.5).float().double().requires_grad_(True)
        out = m(x)
        cot = randn(*out.shape)
        case['eval'] = {'inputs': {'x': enc(x)}, 'out': enc(out), 'cot': enc(cot),
                        'grads': grads_of(out, cot, {'x': x, **dict(m.named_parameters())})}
    return case


norm_cases = [
    instance_norm_case('InstanceNorm2d(3), defaults', nn.InstanceNorm2d(3), [(2, 3, 4, 5)], eval_shape=(2, 3, 3, 4)),
    instance_norm_case('InstanceNorm2d(4, affine)', nn.InstanceNorm2d(4, affine=True), [(3, 4, 3, 5)], eval_shape=(1, 4, 2, 3)),
    instance_norm_case('InstanceNorm2d(3, affine, trackRunningStats)', nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                       [(2, 3, 4, 4), (3, 3, 2, 5)], eval_shape=(2, 3, 3, 3)),
    instance_norm_case('InstanceNorm2d(2, trackRunningStats, momentum 0.3, eps 1e-3)',
                       nn.InstanceNorm2d(2, track_running_stats=True, momentum=0.3, eps=1e-3), [(4, 2, 3, 3)], eval_shape=(2, 2, 2, 2)),
    instance_norm_case('InstanceNorm2d(3, affine), unbatched [C,H,W]', nn.InstanceNorm2d(3, affine=True), [(3, 4, 5)]),
]

# F.instance_norm on [N,C,L] with weight, bias and running statistics (useInputStats true, then false)
x = (randn(2, 3, 6, scale=2.0) + randn(2, 3, 1)).float().double().requires_grad_(True)
w = randn(3, scale=0.5, offset=1.0).requires_grad_(True)
b = randn(3, scale=0.5).requires_grad_(True)
rm0, rv0 = randn(3, scale=0.2), (randn(3, scale=0.2) + 1.5)
rm, rv = rm0.clone(), rv0.clone()
out = F.instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.2, eps=1e-4)
cot = randn(*out.shape)
functional = {'name': 'F.instance_norm [N,C,L]', 'kind': 'F.instance_norm', 'params': {'momentum': 0.2, 'eps': 1e-4},
              'inputs': {'x': enc(x), 'weight': enc(w), 'bias': enc(b), 'running_mean': enc(rm0), 'running_var': enc(rv0)},
              'out': enc(out), 'cot': enc(cot), 'grads': grads_of(out, cot, {'x': x, 'weight': w, 'bias': b}),
              'running_mean': enc(rm), 'running_var': enc(rv)}
out = F.instance_norm(x, rm, rv, w, b, use_input_stats=False, eps=1e-4)
functional['eval'] = {'out': enc(out), 'grads': grads_of(out, cot, {'x': x, 'weight': w, 'bias': b})}

os.makedirs(OUT_DIR, exist_ok=True)
for fname, obj in [('pad.json', {'cases': pad_cases}), ('instance_norm.json', {'cases': norm_cases, 'functional': functional})]:
    with open(os.path.join(OUT_DIR, fname), 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    print('wrote', os.path.join(OUT_DIR, fname))
