#!/usr/bin/python3
"""Regenerate tests/fixtures/nn/*.json from PyTorch (run once with Debian's torch 1.13:
/usr/bin/python3 tests/gen_nn_fixtures.py). The tests only read the JSON."""
import json, math, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), 'fixtures', 'nn')


def T(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float(v) for v in t.reshape(-1).tolist()]}


def layer_case(module, x, extra=None):
    """forward + grads of sum(y * gy) for x and every parameter."""
    x = x.clone().requires_grad_(True)
    y = module(x)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    case = {'x': T(x), 'y': T(y), 'gy': T(gy), 'gx': T(x.grad),
            'params': {k: T(p) for k, p in module.named_parameters()},
            'grads': {k: T(p.grad) for k, p in module.named_parameters()}}
    if extra:
        case.update(extra)
    return case


fx = {}

# ------------------------------------------------------------------ layers
lin = nn.Linear(4, 5)
fx['linear'] = layer_case(lin, torch.randn(3, 4))
conv_cfgs = [dict(cin=3, cout=4, k=3, stride=2, padding=1, dilation=1, groups=1),
             dict(cin=4, cout=2, k=2, stride=1, padding=2, dilation=2, groups=2)]
fx['conv2d'] = []
for c in conv_cfgs:
    m = nn.Conv2d(c['cin'], c['cout'], c['k'], stride=c['stride'], padding=c['padding'], dilation=c['dilation'], groups=c['groups'])
    fx['conv2d'].append(layer_case(m, torch.randn(2, c['cin'], 6, 5), {'cfg': c}))
convt_cfgs = [dict(cin=4, cout=2, k=4, stride=2, padding=1, output_padding=0, dilation=1, groups=1),
              dict(cin=2, cout=4, k=3, stride=2, padding=1, output_padding=1, dilation=1, groups=2)]
fx['convTranspose2d'] = []
for c in convt_cfgs:
    m = nn.ConvTranspose2d(c['cin'], c['cout'], c['k'], stride=c['stride'], padding=c['padding'], output_padding=c['output_padding'], dilation=c['dilation'], groups=c['groups'])
    fx['convTranspose2d'].append(layer_case(m, torch.randn(2, c['cin'], 3, 4), {'cfg': c}))


def bn_case(module, shapes):
    with torch.no_grad():
        module.weight.copy_(torch.randn_like(module.weight))
        module.bias.copy_(torch.randn_like(module.bias))
    w0, b0 = T(module.weight), T(module.bias)
    module.train()
    steps = []
    for s in shapes:
        x = (torch.randn(*s) * 2 + 0.5).requires_grad_(True)
        module.zero_grad()
        y = module(x)
        gy = torch.randn_like(y)
        (y * gy).sum().backward()
        steps.append({'x': T(x), 'y': T(y), 'gy': T(gy), 'gx': T(x.grad), 'gw': T(module.weight.grad), 'gb': T(module.bias.grad)})
    module.eval()
    xe = torch.randn(*shapes[0])
    return {'weight': w0, 'bias': b0, 'steps': steps, 'running_mean': T(module.running_mean), 'running_var': T(module.running_var),
            'num_batches_tracked': int(module.num_batches_tracked), 'eval_x': T(xe), 'eval_y': T(module(xe))}


fx['batchNorm2d'] = bn_case(nn.BatchNorm2d(3), [(4, 3, 2, 2)] * 3)
fx['batchNorm1d'] = bn_case(nn.BatchNorm1d(3), [(5, 3)] * 2 + [(4, 3)])
fx['batchNorm1dCumulative'] = bn_case(nn.BatchNorm1d(2, momentum=None), [(5, 2), (3, 2), (4, 2)])
fx['batchNorm1d3d'] = bn_case(nn.BatchNorm1d(2), [(3, 2, 4)] * 2)

ln = nn.LayerNorm([3, 4])
with torch.no_grad():
    ln.weight.copy_(torch.randn(3, 4)); ln.bias.copy_(torch.randn(3, 4))
fx['layerNorm'] = layer_case(ln, torch.randn(2, 3, 4) * 3)

emb = nn.Embedding(6, 3)
idx = torch.tensor([[0, 2, 5], [5, 1, 0]])
y = emb(idx)
gy = torch.randn_like(y)
(y * gy).sum().backward()
fx['embedding'] = {'weight': T(emb.weight), 'idx': idx.reshape(-1).tolist(), 'idxShape': list(idx.shape), 'y': T(y), 'gy': T(gy), 'gw': T(emb.weight.grad)}

# spectral norm: one training forward (a power iteration), then eval
sn = nn.utils.spectral_norm(nn.Linear(4, 3))
u0, v0, w0 = T(sn.weight_u), T(sn.weight_v), T(sn.weight_orig)
x = torch.randn(2, 4)
y = sn(x)
gy = torch.randn_like(y)
(y * gy).sum().backward()
sn.eval()
xe = torch.randn(2, 4)
fx['spectralNormLinear'] = {'weight_orig': w0, 'bias': T(sn.bias), 'u0': u0, 'v0': v0, 'x': T(x), 'y': T(y), 'gy': T(gy),
                            'g_weight_orig': T(sn.weight_orig.grad), 'u1': T(sn.weight_u), 'v1': T(sn.weight_v), 'eval_x': T(xe), 'eval_y': T(sn(xe))}
snt = nn.utils.spectral_norm(nn.ConvTranspose2d(3, 2, 3))
u0, v0, w0 = T(snt.weight_u), T(snt.weight_v), T(snt.weight_orig)
x = torch.randn(1, 3, 2, 2)
y = snt(x)
fx['spectralNormConvT'] = {'weight_orig': w0, 'bias': T(snt.bias), 'u0': u0, 'v0': v0, 'x': T(x), 'y': T(y), 'u1': T(snt.weight_u), 'v1': T(snt.weight_v)}

# ------------------------------------------------------------------ state dict keys
seq = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(8, 1))
nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.utils.spectral_norm(nn.Linear(3, 1)), nn.LayerNorm(1), nn.Embedding(4, 2))
fx['stateDictKeys'] = {
    'sequential': list(seq.state_dict().keys()),
    'spectralLinear': list(nn.utils.spectral_norm(nn.Linear(3, 2)).state_dict().keys()),
    'spectralConvT': list(nn.utils.spectral_norm(nn.ConvTranspose2d(2, 3, 3)).state_dict().keys()),
    'nested': list(nested.state_dict().keys()),
    'nestedParams': [k for k, _ in nested.named_parameters()],
    'nestedShapes': {k: list(v.shape) for k, v in nested.state_dict().items()},
}

# ------------------------------------------------------------------ losses
x = torch.randn(3, 4)
y = torch.rand(3, 4)
xl = torch.tensor([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, -2.0, 0.5]])
yl = torch.tensor([[1.0, 1.0, 0.5, 0.0], [0.0, 1.0, 1.0, 0.3]])
p = torch.rand(3, 4) * 0.98 + 0.01
pe = torch.tensor([[0.0, 1.0, 0.5], [1.0, 0.0, 1e-50]])
ye = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
logits = torch.randn(4, 5)
labels = torch.tensor([0, 3, 4, 3])
cw = torch.rand(5) + 0.5
pw = torch.rand(4) + 0.5


def loss_case(fn, *inputs, grad_idx=0):
    out = {}
    for red in ['mean', 'sum', 'none']:
        ins = [t.clone().requires_grad_(i == grad_idx) if t.is_floating_point() else t for i, t in enumerate(inputs)]
        l = fn(*ins, red)
        g = torch.randn_like(l) if red == 'none' else torch.tensor(1.0)
        l.backward(g)
        out[red] = {'value': T(l), 'cot': T(g), 'grad': T(ins[grad_idx].grad)}
    return {'inputs': [T(t) if t.is_floating_point() else t.tolist() for t in inputs], **out}


fx['losses'] = {
    'mse': loss_case(lambda a, b, r: F.mse_loss(a, b, reduction=r), x, y),
    'l1': loss_case(lambda a, b, r: F.l1_loss(a, b, reduction=r), x, y),
    'bceLogits': loss_case(lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r), xl, yl),
    'bceLogitsRandom': loss_case(lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r), x * 3, y),
    'bceLogitsPosWeight': loss_case(lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r, pos_weight=pw), x * 3, y),
    'bce': loss_case(lambda a, b, r: F.binary_cross_entropy(a, b, reduction=r), p, y),
    'bceEdge': {'inputs': [T(pe), T(ye)], 'none': T(F.binary_cross_entropy(pe, ye, reduction='none'))},
    'crossEntropy': loss_case(lambda a, b, r: F.cross_entropy(a, b, reduction=r), logits, labels),
    'crossEntropyWeighted': loss_case(lambda a, b, r: F.cross_entropy(a, b, weight=cw, reduction=r), logits, labels),
    'crossEntropySmoothing': loss_case(lambda a, b, r: F.cross_entropy(a, b, label_smoothing=0.2, reduction=r), logits, labels),
    'smoothL1': loss_case(lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5), x, y),
    'posWeight': T(pw), 'classWeight': T(cw),
}

# ------------------------------------------------------------------ optimizers
X = torch.randn(4, 3)
Y = torch.randn(4, 2)
W0 = torch.randn(3, 2)
B0 = torch.randn(2)


def loss_fn(w, b):
    # mean((X w + b − Y)²) + 0.1·sum(w⁴): a smooth, slightly non-quadratic problem
    return ((X @ w + b - Y) ** 2).mean() + 0.1 * (w ** 4).sum()


def trajectory(make, steps=5):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    opt = make([w, b])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(w, b).backward()
        opt.step()
        out.append({'w': T(w), 'b': T(b)})
    return out


opt_cfgs = {
    'sgd': (lambda ps: torch.optim.SGD(ps, lr=0.1), {'lr': 0.1}),
    'sgdMomentumNesterovWd': (lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01}),
    'sgdDampening': (lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3), {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3}),
    'adam': (lambda ps: torch.optim.Adam(ps, lr=0.1), {'lr': 0.1}),
    'adamWdAmsgrad': (lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.5, 0.9), weight_decay=0.1, amsgrad=True), {'lr': 0.1, 'betas': [0.5, 0.9], 'weightDecay': 0.1, 'amsgrad': True}),
    'adamW': (lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1), {'lr': 0.1, 'weightDecay': 0.1}),
    'rmsprop': (lambda ps: torch.optim.RMSprop(ps, lr=0.01), {'lr': 0.01}),
    'rmspropCenteredMomentumWd': (lambda ps: torch.optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.9, weight_decay=0.1), {'lr': 0.01, 'centered': True, 'momentum': 0.9, 'weightDecay': 0.1}),
}
fx['optim'] = {'X': T(X), 'Y': T(Y), 'W0': T(W0), 'B0': T(B0), 'cases': {}}
for name, (make, opts) in opt_cfgs.items():
    fx['optim']['cases'][name] = {'opts': opts, 'steps': trajectory(make)}
# the same problem in float32 for Adam (fused kernel vs torch float32)
torch.set_default_dtype(torch.float32)
Xf, Yf = X.float(), Y.float()
wf, bf = W0.float().clone().requires_grad_(True), B0.float().clone().requires_grad_(True)
optf = torch.optim.Adam([wf, bf], lr=0.1, weight_decay=0.05)
trajf = []
for _ in range(5):
    optf.zero_grad()
    (((Xf @ wf + bf - Yf) ** 2).mean() + 0.1 * (wf ** 4).sum()).backward()
    optf.step()
    trajf.append({'w': T(wf), 'b': T(bf)})
fx['optim']['adamFloat32'] = {'opts': {'lr': 0.1, 'weightDecay': 0.05}, 'steps': trajf}
torch.set_default_dtype(torch.float64)

# ------------------------------------------------------------------ clipping
gs = [torch.randn(3, 2) * 2, torch.randn(4)]
ps = [torch.zeros_like(g, requires_grad=True) for g in gs]
for p_, g in zip(ps, gs):
    p_.grad = g.clone()
n2 = nn.utils.clip_grad_norm_(ps, 1.0)
clip2 = [T(p_.grad) for p_ in ps]
for p_, g in zip(ps, gs):
    p_.grad = g.clone()
ninf = nn.utils.clip_grad_norm_(ps, 0.5, norm_type=math.inf)
clipinf = [T(p_.grad) for p_ in ps]
for p_, g in zip(ps, gs):
    p_.grad = g.clone()
nbig = nn.utils.clip_grad_norm_(ps, 100.0)
fx['clip'] = {'grads': [T(g) for g in gs], 'norm2': float(n2), 'clipped2': clip2, 'normInf': float(ninf), 'clippedInf': clipinf, 'normBig': float(nbig)}

# ------------------------------------------------------------------ schedulers


def lr_seq(make, n):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    s = make(opt)
    out = [s.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        s.step()
        out.append(s.get_last_lr()[0])
    return out


fx['schedulers'] = {
    'stepLR': lr_seq(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10),
    'cosine': lr_seq(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=0.01), 14),
    'exponential': lr_seq(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 5),
}

# ------------------------------------------------------------------ init
fx['init'] = {
    'gains': {k: nn.init.calculate_gain(k) for k in ['linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']},
    'leakyGain02': nn.init.calculate_gain('leaky_relu', 0.2),
    'fans': nn.init._calculate_fan_in_and_fan_out(torch.empty(4, 3, 5, 2)),
}

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'torch_nn.json'), 'w') as f:
    json.dump(fx, f, separators=(',', ':'))
print('wrote', os.path.join(OUT, 'torch_nn.json'), os.path.getsize(os.path.join(OUT, 'torch_nn.json')), 'bytes')
