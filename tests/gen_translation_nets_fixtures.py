"""Reference fixtures for tests/gan/translation.test.ts: the CycleGAN / pix2pix networks.

Run once from the repository root with Debian's PyTorch (apt-get install python3-torch, 1.13 CPU):

    /usr/bin/python3 tests/gen_translation_nets_fixtures.py

It writes tests/fixtures/translation-nets/networks.json (committed; CI needs no PyTorch): for a small
ResNet generator, PatchGAN discriminator and U-Net generator, every state-dict entry (key → values),
an input and the output, in float32 values.

The modules below are written here from the papers (Zhu et al. 2017 appendix 7.2, Isola et al. 2017
appendix 6.1.1) with torch.nn, as nn.Sequential lists in the order the authors' code
(junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py) uses, so their state-dict keys are the
authors' names: a webgan network that loads these keys and gives the same output has both the
architecture and the key names right.
"""
import json
import os

import torch
import torch.nn as nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'translation-nets')


def enc(t):
    t = t.detach().double()
    return {'shape': list(t.shape), 'data': [float('%.9g' % v) for v in t.flatten().tolist()]}


def instance_norm(c):
    return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """c7s1-ngf, d2ngf, d4ngf, n_blocks × R4ngf, u2ngf, ungf, c7s1-out, tanh (instance norm, convs with bias)."""

    def __init__(self, cin, cout, ngf, n_blocks):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(cin, ngf, 7), instance_norm(ngf), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1), instance_norm(ngf * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1), instance_norm(ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, cout, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class PatchDiscriminator(nn.Module):
    """C(ndf) no norm, C(ndf·2ⁿ) stride 2 for n < n_layers, stride 1 for the last, then a 1-channel 4×4 conv."""

    def __init__(self, cin, ndf, n_layers):
        super().__init__()
        layers = [nn.Conv2d(cin, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2 if n < n_layers else 1, padding=1), instance_norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UnetLevel(nn.Module):
    """One U-Net level with batch norm (convs before batch norm have no bias); output cat(x, up(inner(down(x))))."""

    def __init__(self, outer, inner, cin=None, sub=None, outermost=False, innermost=False):
        super().__init__()
        self.outermost = outermost
        down = nn.Conv2d(cin or outer, inner, 4, stride=2, padding=1, bias=False)
        if outermost:
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, cin, cout, ngf, num_downs):
        super().__init__()
        widths = [ngf * min(2 ** k, 8) for k in range(num_downs)]
        block = UnetLevel(widths[-2], widths[-1], innermost=True)
        for k in range(num_downs - 2, 0, -1):
            block = UnetLevel(widths[k - 1], widths[k], sub=block)
        self.model = UnetLevel(cout, ngf, cin=cin, sub=block, outermost=True)

    def forward(self, x):
        return self.model(x)


def randomize(net, g):
    """Every parameter and buffer N(0, 0.5²) (batch-norm scales around 1, variances positive), rounded to float32."""
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if t.dtype != torch.float32:
                continue
            v = torch.randn(t.shape, generator=g) * 0.5
            if name.endswith('running_var') or (name.endswith('weight') and t.dim() == 1):
                v = 1 + v.abs() * 0.5
            t.copy_(v)


def case(net, x, train):
    net.train(train)
    with torch.no_grad():
        y = net(x)
    return {
        'state': {k: enc(v) for k, v in net.state_dict().items() if v.dtype == torch.float32},
        'input': enc(x), 'output': enc(y), 'train': train,
    }


def main():
    g = torch.Generator().manual_seed(18)
    torch.manual_seed(18)
    out = {}
    resnet = ResnetGenerator(1, 1, ngf=4, n_blocks=2)
    randomize(resnet, g)
    out['resnet'] = {'options': {'in': 1, 'out': 1, 'ngf': 4, 'nBlocks': 2}, **case(resnet, torch.randn(2, 1, 16, 16, generator=g), True)}
    patch = PatchDiscriminator(2, ndf=4, n_layers=2)
    randomize(patch, g)
    out['patch'] = {'options': {'in': 2, 'ndf': 4, 'nLayers': 2}, **case(patch, torch.randn(2, 2, 16, 16, generator=g), True)}
    unet = UnetGenerator(1, 1, ngf=4, num_downs=4)
    randomize(unet, g)
    x = torch.randn(3, 1, 16, 16, generator=g)
    out['unet_train'] = {'options': {'in': 1, 'out': 1, 'ngf': 4, 'numDowns': 4}, **case(unet, x, True)}
    # eval mode: running statistics of one training batch (momentum 1), applied to another batch
    randomize(unet, g)
    for m in unet.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 1.0
    unet.train()
    with torch.no_grad():
        unet(x)
    out['unet_eval'] = {'options': {'in': 1, 'out': 1, 'ngf': 4, 'numDowns': 4}, **case(unet, x + 0.1 * torch.randn(x.shape, generator=g), False)}
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, 'networks.json'), 'w') as f:
        json.dump(out, f)
    for k, v in out.items():
        print(k, len(v['state']), 'tensors, output', v['output']['shape'])


if __name__ == '__main__':
    main()
