"""A pytorch/examples DCGAN generator (dcgan/main.py's Generator, nz=100, ngf=4, nc=1), its
state dict saved as safetensors (a hand-written writer, as safetensors.torch.save_file would) and
the images it makes for fixed noise in eval mode. Run once with /usr/bin/python3 (Debian's torch)."""
import json, os, sys
import torch
import torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_io_fixtures import save_safetensors  # noqa: E402 (also rewrites the io fixtures, deterministically)

nz, ngf, nc = 100, 4, 1

class Generator(nn.Module):  # as in pytorch/examples dcgan/main.py
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    def forward(self, x):
        return self.main(x)

torch.manual_seed(0)
G = Generator()
# a few training-mode forwards so the BN running statistics are not the defaults
with torch.no_grad():
    for _ in range(3):
        G(torch.randn(8, nz, 1, 1))
for m in G.modules():
    if isinstance(m, nn.BatchNorm2d):
        m.weight.data.normal_(1, 0.1); m.bias.data.normal_(0, 0.1)
G.eval()
z = torch.randn(2, nz, 1, 1)
with torch.no_grad():
    img = G(z)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'gan')
save_safetensors({k: v for k, v in G.state_dict().items()}, {'format': 'pt'}, os.path.join(out, 'dcgan64_ngf4.safetensors'))
json.dump({'z': z.flatten().tolist(), 'images': img.flatten().tolist(), 'shape': list(img.shape), 'keys': list(G.state_dict().keys())},
          open(os.path.join(out, 'dcgan64_ngf4.json'), 'w'))
