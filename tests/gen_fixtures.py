#!/usr/bin/python3
"""Generate tests/fixtures/core/{forward,grads}.json from PyTorch (float64, fixed seeds).

Run with Debian's python, which has torch:  /usr/bin/python3 tests/gen_fixtures.py
CI does not need PyTorch: the tests read only the JSON written here.

A forward case: {name, op, params, inputs: [tensor], out: tensor}
A tensor:       {shape, dtype: 'float64' | 'int32', data: [...], perm?: [...]}
  `perm` marks a non-contiguous input: data/shape hold the base tensor and the op receives
  base.permute(perm) (torch gets the strided view, webgan a permuted copy).
  Non-finite values are written as the strings "inf", "-inf", "nan".
A grad case:    {name, expr, params, inputs, out: scalar loss, grads: [d loss / d input_i or null]}
  `expr` names a function implemented identically here and in tests/core/forward.test.ts.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
D = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'core')


def num(v, digits=12):
    v = float(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    if v == int(v) and abs(v) < 2**53:
        return int(v)
    return float(f'{v:.{digits}g}')


def enc(t, perm=None):
    t = t.detach()
    if t.dtype == torch.bool:
        t = t.to(D)
    dtype = 'int32' if t.dtype in (torch.int64, torch.int32) else 'float64'
    d = {'shape': list(t.shape), 'dtype': dtype, 'data': [num(v) for v in t.reshape(-1).tolist()]}
    if perm is not None:
        d['perm'] = perm
    return d


class Inp:
    """An input: the torch value the op sees, and its JSON encoding."""

    def __init__(self, shape, kind='normal', perm=None, values=None):
        if values is not None:
            base = torch.tensor(values, dtype=D).reshape(shape)
        elif kind == 'normal':
            base = torch.round(torch.randn(shape, dtype=D) * 1000) / 1000
        elif kind == 'pos':  # (0.5, 2.5)
            base = torch.round((torch.rand(shape, dtype=D) * 2 + 0.5) * 1000) / 1000
        elif kind == 'away':  # |x| >= 0.2: away from kinks at 0
            r = torch.randn(shape, dtype=D)
            base = torch.round((torch.sign(r) * (r.abs() + 0.2)) * 1000) / 1000
        elif kind == 'int':  # small integers: ties for comparisons / max / argmax
            base = torch.randint(-3, 4, shape).to(D)
        elif kind == 'mask':
            base = torch.randint(0, 2, shape).to(D)
        else:
            raise ValueError(kind)
        self.json = enc(base, perm)
        self.t = base.permute(*perm) if perm is not None else base


class Lab:
    def __init__(self, values):
        self.t = torch.tensor(values, dtype=torch.int64)
        self.json = enc(self.t)


forward = []


def case(name, op, params, inputs, fn):
    out = fn(*[i.t for i in inputs])
    forward.append({'name': name, 'op': op, 'params': params, 'inputs': [i.json for i in inputs], 'out': enc(out)})


# ------------------------------------------------------------------ unary elementwise
UNARY = {
    'neg': (torch.neg, 'normal'), 'abs': (torch.abs, 'normal'), 'sign': (torch.sign, 'int'),
    'exp': (torch.exp, 'normal'), 'log': (torch.log, 'pos'), 'sqrt': (torch.sqrt, 'pos'),
    'sin': (torch.sin, 'normal'), 'cos': (torch.cos, 'normal'), 'tanh': (torch.tanh, 'normal'),
    'sigmoid': (torch.sigmoid, 'normal'), 'relu': (torch.relu, 'away'), 'floor': (torch.floor, 'normal'),
    'square': (torch.square, 'normal'), 'rsqrt': (torch.rsqrt, 'pos'), 'softplus': (F.softplus, 'normal'),
    'log1p': (torch.log1p, 'pos'), 'leakyRelu': (F.leaky_relu, 'away'),
}
for name, (fn, kind) in UNARY.items():
    case(f'{name} [3,5]', name, {}, [Inp([3, 5], kind)], fn)
    case(f'{name} scalar', name, {}, [Inp([], kind)], fn)
    case(f'{name} empty [0,4]', name, {}, [Inp([0, 4], kind)], fn)
    case(f'{name} permuted', name, {}, [Inp([2, 3, 4], kind, perm=[2, 0, 1])], fn)
case('leakyRelu slope 0.2', 'leakyRelu', {'slope': 0.2}, [Inp([4, 3], 'away')], lambda x: F.leaky_relu(x, 0.2))
case('sigmoid large', 'sigmoid', {}, [Inp([6], values=[-40, -10, -0.5, 0, 10, 40])], torch.sigmoid)
case('softplus large', 'softplus', {}, [Inp([6], values=[-40, -10, -0.5, 0, 10, 19])], F.softplus)
case('sign zeros', 'sign', {}, [Inp([4], values=[-0.5, 0, 0.25, 3])], torch.sign)
case('floor negatives', 'floor', {}, [Inp([4], values=[-1.5, -1, 0.999, 2])], torch.floor)
case('clamp both', 'clamp', {'min': -0.5, 'max': 0.7}, [Inp([3, 4])], lambda x: torch.clamp(x, -0.5, 0.7))
case('clamp min', 'clamp', {'min': 0.1}, [Inp([3, 4])], lambda x: torch.clamp(x, min=0.1))
case('clamp max', 'clamp', {'max': -0.1}, [Inp([5], perm=None)], lambda x: torch.clamp(x, max=-0.1))

# ------------------------------------------------------------------ binary elementwise
BINARY = {
    'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div, 'maximum': torch.maximum,
    'minimum': torch.minimum, 'eq': torch.eq, 'ne': torch.ne, 'lt': torch.lt, 'le': torch.le,
    'gt': torch.gt, 'ge': torch.ge,
}
PAIRS = [([3, 4], [3, 4]), ([2, 1, 4], [3, 1]), ([5], []), ([], [2, 3]), ([0, 3], [1, 3]), ([1], [2, 3])]
for name, fn in BINARY.items():
    kind = 'int' if name in ('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'maximum', 'minimum') else 'normal'
    bkind = 'away' if name == 'div' else kind
    for sa, sb in PAIRS:
        case(f'{name} {sa} {sb}', name, {}, [Inp(sa, kind), Inp(sb, bkind)], fn)
    case(f'{name} permuted', name, {}, [Inp([3, 2, 4], kind, perm=[1, 0, 2]), Inp([4, 3, 1], bkind, perm=[2, 1, 0])], fn)
    case(f'{name} scalar right', name, {'scalar': 1.5}, [Inp([2, 3], kind)], lambda x, f=fn: f(x, torch.tensor(1.5, dtype=D)))
    case(f'{name} scalar left', name, {'scalar': -2.0, 'scalarFirst': True}, [Inp([2, 3], bkind)], lambda x, f=fn: f(torch.tensor(-2.0, dtype=D), x))
case('pow pos^normal', 'pow', {}, [Inp([3, 4], 'pos'), Inp([3, 4])], torch.pow)
case('pow broadcast', 'pow', {}, [Inp([2, 1, 3], 'pos'), Inp([4, 1])], torch.pow)
case('pow x^2 negative base', 'pow', {'scalar': 2.0}, [Inp([3, 4])], lambda x: torch.pow(x, 2.0))
case('pow x^3', 'pow', {'scalar': 3.0}, [Inp([5])], lambda x: torch.pow(x, 3.0))
case('pow x^0.5', 'pow', {'scalar': 0.5}, [Inp([5], 'pos')], lambda x: torch.pow(x, 0.5))
case('pow 2^x', 'pow', {'scalar': 2.0, 'scalarFirst': True}, [Inp([5])], lambda x: torch.pow(2.0, x))
case('pow zero base', 'pow', {}, [Inp([4], values=[0, 0, 2, 0]), Inp([4], values=[2, 0, 0.5, 1.5])], torch.pow)
case('where broadcast', 'where', {}, [Inp([3, 1], 'mask'), Inp([1, 4]), Inp([3, 4])], lambda c, a, b: torch.where(c != 0, a, b))
case('where scalar branch', 'where', {}, [Inp([2, 3], 'mask'), Inp([]), Inp([3])], lambda c, a, b: torch.where(c != 0, a, b))
case('where numbers', 'where', {'a': 2.5, 'b': -1.0}, [Inp([2, 3], 'mask')], lambda c: torch.where(c != 0, torch.tensor(2.5, dtype=D), torch.tensor(-1.0, dtype=D)))
case('where permuted cond', 'where', {}, [Inp([3, 2], 'mask', perm=[1, 0]), Inp([2, 3]), Inp([1])], lambda c, a, b: torch.where(c != 0, a, b))

# ------------------------------------------------------------------ reductions
AXES = [None, 0, -1, [0, 2], [1]]


def dims(x, axes):
    if axes is None:
        return tuple(range(x.dim()))
    return tuple(axes) if isinstance(axes, list) else (axes,)


REDUCE = {
    'sum': lambda x, a, k: torch.sum(x, dims(x, a), keepdim=k),
    'mean': lambda x, a, k: torch.mean(x, dims(x, a), keepdim=k),
    'max': lambda x, a, k: torch.amax(x, dims(x, a), keepdim=k),
    'min': lambda x, a, k: torch.amin(x, dims(x, a), keepdim=k),
    'var': lambda x, a, k: torch.var(x, dims(x, a), keepdim=k, unbiased=True),
    'std': lambda x, a, k: torch.std(x, dims(x, a), keepdim=k, unbiased=True),
    'logsumexp': lambda x, a, k: torch.logsumexp(x, dims(x, a), keepdim=k),
}
for name, fn in REDUCE.items():
    kind = 'int' if name in ('max', 'min') else 'normal'
    for axes in AXES:
        for keep in (False, True):
            case(f'{name} axes={axes} keepdim={keep}', name, {'axes': axes, 'keepdim': keep}, [Inp([3, 4, 5], kind)], lambda x, f=fn, a=axes, k=keep: f(x, a, k))
    case(f'{name} permuted', name, {'axes': 1, 'keepdim': False}, [Inp([4, 3, 2], kind, perm=[2, 0, 1])], lambda x, f=fn: f(x, 1, False))
    case(f'{name} [1] axis 0', name, {'axes': 0, 'keepdim': False}, [Inp([1, 3], kind)], lambda x, f=fn: f(x, 0, False))
case('var correction 0', 'var', {'axes': 1, 'keepdim': False, 'correction': 0}, [Inp([3, 5])], lambda x: torch.var(x, 1, unbiased=False))
case('std correction 0', 'std', {'axes': [0, 1], 'keepdim': True, 'correction': 0}, [Inp([3, 5])], lambda x: torch.std(x, (0, 1), keepdim=True, unbiased=False))
case('sum empty axis', 'sum', {'axes': 1, 'keepdim': False}, [Inp([2, 0, 3])], lambda x: torch.sum(x, 1))
case('sum over nonempty of empty', 'sum', {'axes': 0, 'keepdim': True}, [Inp([2, 0, 3])], lambda x: torch.sum(x, 0, keepdim=True))
case('mean empty axis (nan)', 'mean', {'axes': 1, 'keepdim': False}, [Inp([2, 0])], lambda x: torch.mean(x, 1))
case('logsumexp large', 'logsumexp', {'axes': -1, 'keepdim': False}, [Inp([2, 3], values=[1000, 1001, 999, -1000, -1001, -999])], lambda x: torch.logsumexp(x, -1))
case('logsumexp -inf row', 'logsumexp', {'axes': -1, 'keepdim': False}, [Inp([2, 2], values=[-math.inf, -math.inf, 0, 1])], lambda x: torch.logsumexp(x, -1))
for axis in (None, 0, 1, -1):
    for keep in (False, True):
        if axis is None and keep:
            continue
        case(f'argmax axis={axis} keepdim={keep}', 'argmax', {'axis': axis, 'keepdim': keep}, [Inp([4, 6], 'int')],
             lambda x, a=axis, k=keep: torch.argmax(x) if a is None else torch.argmax(x, a, keepdim=k))
case('argmax permuted', 'argmax', {'axis': 0, 'keepdim': False}, [Inp([3, 5], 'int', perm=[1, 0])], lambda x: torch.argmax(x, 0))
case('argmin axis 1', 'argmin', {'axis': 1, 'keepdim': False}, [Inp([4, 6], 'int')], lambda x: torch.argmin(x, 1))
for axis in (0, 1, -1):
    case(f'softmax axis={axis}', 'softmax', {'axis': axis}, [Inp([3, 4, 5])], lambda x, a=axis: torch.softmax(x, a))
    case(f'logSoftmax axis={axis}', 'logSoftmax', {'axis': axis}, [Inp([3, 4, 5])], lambda x, a=axis: torch.log_softmax(x, a))
case('softmax large', 'softmax', {'axis': -1}, [Inp([2, 3], values=[1000, 1001, 999, -1000, -1001, -999])], lambda x: torch.softmax(x, -1))
case('softmax permuted', 'softmax', {'axis': 1}, [Inp([4, 3, 2], perm=[2, 1, 0])], lambda x: torch.softmax(x, 1))
case('logSoftmax large', 'logSoftmax', {'axis': -1}, [Inp([2, 3], values=[1000, 1001, 999, -1000, -1001, -999])], lambda x: torch.log_softmax(x, -1))

# ------------------------------------------------------------------ movement
case('reshape -1', 'reshape', {'shape': [4, -1]}, [Inp([2, 3, 4])], lambda x: x.reshape(4, -1))
case('reshape flat', 'reshape', {'shape': [24]}, [Inp([2, 3, 4])], lambda x: x.reshape(24))
case('reshape scalar', 'reshape', {'shape': [1, 1]}, [Inp([])], lambda x: x.reshape(1, 1))
case('reshape empty', 'reshape', {'shape': [3, 0]}, [Inp([0, 3])], lambda x: x.reshape(3, 0))
case('reshape permuted', 'reshape', {'shape': [6, 4]}, [Inp([2, 3, 4], perm=[2, 0, 1])], lambda x: x.reshape(6, 4))
case('flatten default', 'flatten', {}, [Inp([2, 3, 4])], lambda x: torch.flatten(x))
case('flatten 1..-1', 'flatten', {'start': 1, 'end': -1}, [Inp([2, 3, 4])], lambda x: torch.flatten(x, 1, -1))
case('flatten 0..1 permuted', 'flatten', {'start': 0, 'end': 1}, [Inp([2, 3, 4], perm=[1, 2, 0])], lambda x: torch.flatten(x, 0, 1))
case('permute', 'permute', {'perm': [2, 0, 1]}, [Inp([2, 3, 4])], lambda x: x.permute(2, 0, 1))
case('permute negative', 'permute', {'perm': [-1, 0, 1, 2]}, [Inp([2, 1, 3, 2])], lambda x: x.permute(-1, 0, 1, 2))
case('permute of permuted', 'permute', {'perm': [1, 0, 2]}, [Inp([2, 3, 4], perm=[2, 0, 1])], lambda x: x.permute(1, 0, 2))
case('transpose 0 2', 'transpose', {'dim0': 0, 'dim1': 2}, [Inp([2, 3, 4])], lambda x: x.transpose(0, 2))
case('transpose default', 'transpose', {}, [Inp([2, 3, 4])], lambda x: x.transpose(-2, -1))
case('expand', 'expand', {'shape': [2, 3, 4]}, [Inp([3, 1])], lambda x: x.expand(2, 3, 4))
case('expand 1->5', 'expand', {'shape': [5]}, [Inp([1])], lambda x: x.expand(5))
case('expand -1', 'expand', {'shape': [-1, 4]}, [Inp([3, 1])], lambda x: x.expand(-1, 4))
case('expand permuted', 'expand', {'shape': [2, 3, 2]}, [Inp([2, 1, 3], perm=[1, 2, 0])], lambda x: x.expand(2, 3, 2))
case('squeeze all', 'squeeze', {}, [Inp([1, 3, 1, 2])], lambda x: x.squeeze())
case('squeeze 0', 'squeeze', {'dim': 0}, [Inp([1, 3, 1, 2])], lambda x: x.squeeze(0))
case('squeeze non-1 dim', 'squeeze', {'dim': 1}, [Inp([1, 3, 1, 2])], lambda x: x.squeeze(1))
case('squeeze -2', 'squeeze', {'dim': -2}, [Inp([1, 3, 1, 2])], lambda x: x.squeeze(-2))
case('unsqueeze 0', 'unsqueeze', {'dim': 0}, [Inp([3, 2])], lambda x: x.unsqueeze(0))
case('unsqueeze -1', 'unsqueeze', {'dim': -1}, [Inp([3, 2])], lambda x: x.unsqueeze(-1))
case('unsqueeze 1', 'unsqueeze', {'dim': 1}, [Inp([3, 2])], lambda x: x.unsqueeze(1))


def py_slice(x, specs):
    idx = []
    for s in specs:
        if s is None:
            idx.append(slice(None))
        elif isinstance(s, int):
            idx.append(s)
        else:
            s = list(s) + [None] * (3 - len(s))
            idx.append(slice(*s))
    return x[tuple(idx)]


SLICES = [
    [[1, 5, 2], None, [0, 7, 3]],
    [-3, [None, None, 2]],
    [[2, 2]],
    [[-4, -1]],
    [[1, 100, 4], [-100, 3], 6],
    [None, [5, 1]],
    [[4, None, 3], [None, None, 5], [None, None, 7]],
]
for i, sp in enumerate(SLICES):
    case(f'slice {i} {sp}', 'slice', {'specs': sp}, [Inp([5, 6, 7])], lambda x, s=sp: py_slice(x, s))
case('slice permuted', 'slice', {'specs': [[1, None, 2], [0, 3]]}, [Inp([4, 5], perm=[1, 0])], lambda x: x[1::2, 0:3])
case('narrow', 'narrow', {'dim': 1, 'start': 2, 'length': 3}, [Inp([3, 6])], lambda x: torch.narrow(x, 1, 2, 3))
case('narrow negative start', 'narrow', {'dim': 0, 'start': -3, 'length': 2}, [Inp([5, 2])], lambda x: torch.narrow(x, 0, -3, 2))
case('narrow length 0', 'narrow', {'dim': -1, 'start': 1, 'length': 0}, [Inp([2, 3])], lambda x: torch.narrow(x, -1, 1, 0))
case('pad last', 'pad', {'pads': [1, 2]}, [Inp([3, 4])], lambda x: F.pad(x, [1, 2]))
case('pad two dims value', 'pad', {'pads': [1, 0, 2, 1], 'value': 1.5}, [Inp([3, 4])], lambda x: F.pad(x, [1, 0, 2, 1], value=1.5))
case('pad first of 3', 'pad', {'pads': [0, 0, 0, 0, 1, 1]}, [Inp([2, 3, 4])], lambda x: F.pad(x, [0, 0, 0, 0, 1, 1]))
case('pad empty', 'pad', {'pads': [1, 1]}, [Inp([2, 0])], lambda x: F.pad(x, [1, 1]))
case('pad permuted', 'pad', {'pads': [2, 1, 0, 1]}, [Inp([3, 2], perm=[1, 0])], lambda x: F.pad(x, [2, 1, 0, 1]))
case('concat axis 0', 'concat', {'axis': 0}, [Inp([2, 3]), Inp([4, 3]), Inp([0, 3])], lambda *xs: torch.cat(xs, 0))
case('concat axis -1', 'concat', {'axis': -1}, [Inp([2, 1]), Inp([2, 4])], lambda *xs: torch.cat(xs, -1))
case('concat middle permuted', 'concat', {'axis': 1}, [Inp([2, 3, 2], perm=[0, 2, 1]), Inp([2, 1, 3])], lambda *xs: torch.cat(xs, 1))
case('concat single', 'concat', {'axis': 0}, [Inp([2, 2])], lambda *xs: torch.cat(xs, 0))
case('stack 0', 'stack', {'axis': 0}, [Inp([2, 3]), Inp([2, 3]), Inp([2, 3])], lambda *xs: torch.stack(xs, 0))
case('stack -1', 'stack', {'axis': -1}, [Inp([2, 3]), Inp([2, 3])], lambda *xs: torch.stack(xs, -1))
case('stack 1', 'stack', {'axis': 1}, [Inp([4]), Inp([4])], lambda *xs: torch.stack(xs, 1))
case('flip 0', 'flip', {'dims': [0]}, [Inp([3, 4])], lambda x: torch.flip(x, [0]))
case('flip 0 2', 'flip', {'dims': [0, 2]}, [Inp([2, 3, 4])], lambda x: torch.flip(x, [0, 2]))
case('flip -1 permuted', 'flip', {'dims': -1}, [Inp([2, 3, 4], perm=[2, 0, 1])], lambda x: torch.flip(x, [-1]))
case('indexSelect 0', 'indexSelect', {'dim': 0}, [Inp([4, 3]), Lab([2, 0, 2, 3])], lambda x, i: torch.index_select(x, 0, i))
case('indexSelect 1', 'indexSelect', {'dim': 1}, [Inp([2, 5, 3]), Lab([4, 1])], lambda x, i: torch.index_select(x, 1, i))
case('indexSelect -1 empty', 'indexSelect', {'dim': -1}, [Inp([2, 3]), Lab([])], lambda x, i: torch.index_select(x, -1, i))
case('oneHot', 'oneHot', {'numClasses': 4}, [Lab([3, 1, 0, 2, 1])], lambda l: F.one_hot(l, 4))
case('oneHot 2-D', 'oneHot', {'numClasses': 3}, [Lab([[0, 2], [1, 1]])], lambda l: F.one_hot(l, 3))

# ------------------------------------------------------------------ linear algebra
MM = [
    ([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([4], [4, 5]), ([3, 4], [4]), ([4], [4]),
    ([2, 1, 3, 4], [5, 4, 2]), ([1, 1], [1, 1]), ([3, 0], [0, 2]), ([0, 3], [3, 2]), ([2, 3, 7], [2, 7, 1]),
    ([4], [2, 4, 3]), ([2, 5, 3], [3]),
]
for sa, sb in MM:
    case(f'matmul {sa} {sb}', 'matmul', {}, [Inp(sa), Inp(sb)], torch.matmul)
for ta in (False, True):
    for tb in (False, True):
        sa = [2, 4, 3] if ta else [2, 3, 4]
        sb = [1, 5, 4] if tb else [1, 4, 5]
        case(f'matmul transA={ta} transB={tb}', 'matmul', {'transA': ta, 'transB': tb}, [Inp(sa), Inp(sb)],
             lambda a, b, ta=ta, tb=tb: torch.matmul(a.mT if ta else a, b.mT if tb else b))
case('matmul permuted operands', 'matmul', {}, [Inp([4, 3], perm=[1, 0]), Inp([2, 5, 4], perm=[0, 2, 1])], torch.matmul)
case('linear', 'linear', {}, [Inp([5, 3]), Inp([4, 3]), Inp([4])], F.linear)
case('linear no bias 3-D', 'linear', {}, [Inp([2, 5, 3]), Inp([4, 3])], F.linear)

# (x shape, w shape, stride, padding, dilation, groups, bias, perm of x)
CONV = [
    ([2, 3, 7, 6], [4, 3, 3, 3], 1, 0, 1, 1, True, None),
    ([1, 4, 9, 8], [6, 2, 3, 2], 2, 1, 1, 2, True, None),
    ([2, 2, 10, 9], [3, 2, 3, 3], [2, 1], [2, 1], [2, 3], 1, False, None),
    ([1, 6, 5, 5], [6, 1, 3, 3], 1, 1, 1, 6, True, None),
    ([3, 1, 4, 4], [2, 1, 1, 1], 1, 0, 1, 1, False, None),
    ([3, 5, 5, 2], [2, 2, 2, 2], 2, 0, 1, 1, True, [0, 3, 1, 2]),
    ([0, 3, 5, 5], [2, 3, 3, 3], 1, 1, 1, 1, False, None),
    ([1, 2, 3, 3], [2, 2, 3, 3], 3, 2, 1, 1, False, None),
]
for i, (xs, ws, s, p, d, g, bias, perm) in enumerate(CONV):
    ins = [Inp(xs, perm=perm), Inp(ws)] + ([Inp([ws[0]])] if bias else [])
    outshape = [xs[perm[i]] for i in range(4)] if perm else xs
    case(f'conv2d {i} x{outshape} w{ws} s{s} p{p} d{d} g{g} bias={bias}', 'conv2d',
         {'stride': s, 'padding': p, 'dilation': d, 'groups': g}, ins,
         lambda x, w, b=None, s=s, p=p, d=d, g=g: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g))

# (x shape, w shape [C, O/g, kh, kw], stride, padding, output_padding, dilation, groups, bias)
CONVT = [
    ([2, 3, 4, 5], [3, 2, 3, 3], 2, 1, 1, 1, 1, True),
    ([1, 4, 3, 3], [4, 3, 4, 4], 2, 1, 0, 1, 1, False),
    ([1, 4, 5, 4], [4, 1, 3, 2], [2, 3], [1, 0], [1, 2], 1, 2, True),
    ([2, 2, 3, 3], [2, 3, 3, 3], 1, 0, 0, 2, 1, False),
    ([1, 2, 3, 4], [2, 2, 2, 3], 1, 1, 1, 2, 1, False),
    ([1, 6, 2, 2], [6, 1, 3, 3], 1, 1, 0, 1, 6, True),
    ([1, 1, 1, 1], [1, 2, 4, 4], 1, 0, 0, 1, 1, False),
]
for i, (xs, ws, s, p, op, d, g, bias) in enumerate(CONVT):
    ins = [Inp(xs), Inp(ws)] + ([Inp([ws[1] * g])] if bias else [])
    case(f'convTranspose2d {i} x{xs} w{ws} s{s} p{p} op{op} d{d} g{g} bias={bias}', 'convTranspose2d',
         {'stride': s, 'padding': p, 'outputPadding': op, 'dilation': d, 'groups': g}, ins,
         lambda x, w, b=None, s=s, p=p, op=op, d=d, g=g: F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, dilation=d, groups=g))

case('avgPool2d k2', 'avgPool2d', {'kernel': 2}, [Inp([2, 3, 7, 6])], lambda x: F.avg_pool2d(x, 2))
case('avgPool2d k3 s2 p1', 'avgPool2d', {'kernel': 3, 'stride': 2, 'padding': 1}, [Inp([1, 2, 7, 7])], lambda x: F.avg_pool2d(x, 3, 2, 1))
case('avgPool2d k(2,3) s(1,2)', 'avgPool2d', {'kernel': [2, 3], 'stride': [1, 2]}, [Inp([1, 2, 5, 7])], lambda x: F.avg_pool2d(x, (2, 3), (1, 2)))
case('maxPool2d k2', 'maxPool2d', {'kernel': 2}, [Inp([2, 3, 7, 6])], lambda x: F.max_pool2d(x, 2))
case('maxPool2d k3 s2 p1', 'maxPool2d', {'kernel': 3, 'stride': 2, 'padding': 1}, [Inp([1, 2, 7, 7])], lambda x: F.max_pool2d(x, 3, 2, 1))
case('maxPool2d k(2,3) s1 d2', 'maxPool2d', {'kernel': [2, 3], 'stride': 1, 'dilation': 2}, [Inp([1, 2, 6, 8])], lambda x: F.max_pool2d(x, (2, 3), 1, dilation=2))
case('maxPool2d permuted', 'maxPool2d', {'kernel': 2}, [Inp([1, 4, 4, 2], perm=[0, 3, 1, 2])], lambda x: F.max_pool2d(x, 2))
case('upsampleNearest 2', 'upsampleNearest', {'scale': 2}, [Inp([2, 3, 3, 2])], lambda x: F.interpolate(x, scale_factor=2, mode='nearest'))
case('upsampleNearest (2,3)', 'upsampleNearest', {'scale': [2, 3]}, [Inp([1, 2, 2, 3])], lambda x: F.interpolate(x, scale_factor=(2, 3), mode='nearest'))

# ------------------------------------------------------------------ gradients of composite expressions
grads = []


def mlp(x, w1, b1, w2, b2):
    return torch.sigmoid(F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2)).mean()


def xent(logits, onehot):
    return -(torch.log_softmax(logits, -1) * onehot).sum(-1).mean()


def convnet(x, w1, b1, w2):
    h = F.leaky_relu(F.conv2d(x, w1, b1, stride=2, padding=1), 0.2)
    y = F.conv_transpose2d(h, w2, stride=2, padding=1, output_padding=1)
    return (y * y).mean()


def stats(x):
    return torch.std(x, 1).sum() + torch.logsumexp(x, 0).sum() + torch.var(x) + (torch.softmax(x, -1) * torch.arange(6, dtype=D)).sum()


def pools(x):
    return (F.max_pool2d(x, 2).sum() + (F.avg_pool2d(x, 3, 2, 1) ** 2).sum()
            + (F.interpolate(x, scale_factor=2, mode='nearest') * torch.arange(12, dtype=D)).mean())


def movement(x, c):
    y = torch.cat([torch.flip(x, [-1]), x[:, :, ::2], F.pad(x, [1, 0])], -1)
    z = torch.index_select(y.permute(2, 0, 1), 0, torch.tensor([0, 3, 3, 5])).reshape(-1)
    return (z * c).sum() + (torch.stack([x, x * 2], 1).narrow(2, 1, 2) * x[:1, 1:3]).sum() + (x[:, 1::2, ::2] ** 2).sum()


def broadcast(a, b):
    return (a * b + a / b.abs() - torch.maximum(a, b) + torch.minimum(a, 0.1 * b)).sum() + torch.pow(a.abs() + 1, b).mean() + torch.clamp(a * b, -0.3, 0.3).sum()


def gp(x, w, v):
    """R1/WGAN-GP style: d/dθ of ||∇ₓ D(x)||², D(x) = Σ tanh(conv2d(x, w, p=1)) · v."""
    x = x.detach().requires_grad_(True)
    d = (torch.tanh(F.conv2d(x, w, padding=1)) * v).sum()
    (gx,) = torch.autograd.grad(d, x, create_graph=True)
    return (gx * gx).sum()


def matmul_chain(a, b, c):
    return torch.matmul(torch.matmul(a, b).relu(), c.mT).pow(2).mean()


def gcase(name, fn, inputs, nondiff=()):
    ts = [i.t.clone().requires_grad_(k not in nondiff) for k, i in enumerate(inputs)]
    loss = fn(*ts)
    gs = torch.autograd.grad(loss, [t for k, t in enumerate(ts) if k not in nondiff])
    it = iter(gs)
    grads.append({'name': name, 'expr': name, 'inputs': [i.json for i in inputs], 'out': enc(loss),
                  'grads': [None if k in nondiff else enc(next(it)) for k in range(len(inputs))]})


gcase('mlp', mlp, [Inp([4, 3]), Inp([5, 3]), Inp([5]), Inp([2, 5]), Inp([2])])
gcase('xent', xent, [Inp([4, 5]), Inp([4, 5], values=F.one_hot(torch.tensor([1, 0, 4, 2]), 5).to(D).reshape(-1).tolist())], nondiff=(1,))
gcase('convnet', convnet, [Inp([2, 3, 8, 8]), Inp([4, 3, 3, 3]), Inp([4]), Inp([4, 2, 4, 4])])
gcase('stats', stats, [Inp([3, 6])])
gcase('pools', pools, [Inp([1, 2, 6, 6])])
gcase('movement', movement, [Inp([2, 4, 3]), Inp([4 * 2 * 4])])
gcase('broadcast', broadcast, [Inp([3, 1], 'away'), Inp([4], 'away')])
gcase('gp', gp, [Inp([2, 2, 5, 5]), Inp([3, 2, 3, 3]), Inp([1, 3, 1, 1])], nondiff=(0,))
gcase('matmul_chain', matmul_chain, [Inp([2, 3, 4]), Inp([4, 5]), Inp([2, 6, 5])])

os.makedirs(OUT_DIR, exist_ok=True)
for fname, obj in (('forward.json', forward), ('grads.json', grads)):
    path = os.path.join(OUT_DIR, fname)
    with open(path, 'w') as f:
        json.dump({'generator': 'tests/gen_fixtures.py', 'torch': torch.__version__, 'cases': obj}, f, separators=(',', ':'))
    print(f'{path}: {len(obj)} cases, {os.path.getsize(path)} bytes')
