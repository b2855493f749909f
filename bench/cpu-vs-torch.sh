#!/usr/bin/env bash
# webgan's CPU backend next to PyTorch 1.13 (Debian's python3-torch) on the same nsgan training
# step, one after the other in one run, at 1 and 2 threads (webgan with and without its GEMM's
# fused multiply-add): dcgan (PyTorch with nn.ConvTranspose2d
# as written, and in its fastest form, zero insertion + conv2d) and mlp2d. Prints a markdown table
# (bench/RESULTS-cpu-torch.md keeps the runs). Needs /usr/bin/python3 with torch.
#
#   bash bench/cpu-vs-torch.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-3}
deno=node_modules/.bin/deno
out=$(mktemp)
for threads in 1 2; do
  for preset in dcgan mlp2d; do
    line=$(WEBGAN_CPU_THREADS=$threads $deno run -A bench/cpu-step.ts $preset "$steps" 2>/dev/null | grep '^{')
    echo "$line" >> "$out"
    # the same step without the GEMM's fused multiply-add (route cpuGemm: 'wasm', what Node 20 runs)
    WEBGAN_CPU_THREADS=$threads WEBGAN_CPU_GEMM=wasm $deno run -A bench/cpu-step.ts $preset "$steps" 2>/dev/null | grep '^{' >> "$out"
    # PyTorch at webgan's batch for the preset (the recipe's default)
    batch=$(echo "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["batch"])')
    /usr/bin/python3 bench/torch_dcgan_step.py --preset $preset --batch "$batch" --threads $threads --steps "$steps" >> "$out"
    if [ $preset = dcgan ]; then
      /usr/bin/python3 bench/torch_dcgan_step.py --preset $preset --batch "$batch" --threads $threads --steps "$steps" --convt zero-insert >> "$out"
    fi
  done
done
/usr/bin/python3 - "$out" "$steps" <<'PY'
import json, sys, platform
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{rows[0]['date'][:16]} UTC — {platform.processor() or platform.machine()}, {open('/proc/cpuinfo').read().count('processor')} CPUs — median of {sys.argv[2]} steps after 1 warm-up\n")
print('| step | threads | webgan CPU ms (the defaults: FMA) | webgan CPU ms, no FMA (WEBGAN_CPU_GEMM=wasm, as Node 20) | PyTorch ms (ConvTranspose2d) | PyTorch ms (zero insertion + conv2d) | webgan ÷ PyTorch\'s fastest (> 1: webgan slower) |')
print('|---|--:|--:|--:|--:|--:|--:|')
for threads in (1, 2):
    for preset in ('dcgan', 'mlp2d'):
        sel = [r for r in rows if r['preset'] == preset and r['threads'] == threads]
        w = next(r['median_step_ms'] for r in sel if r['library'] == 'webgan' and r.get('fma', True))
        w0 = next(r['median_step_ms'] for r in sel if r['library'] == 'webgan' and not r.get('fma', True))
        tn = next(r['median_step_ms'] for r in sel if r['library'] == 'pytorch' and r.get('convt') == 'native')
        tz = next((r['median_step_ms'] for r in sel if r['library'] == 'pytorch' and r.get('convt') == 'zero-insert'), None)
        best = min(tn, tz) if tz else tn
        print(f"| {preset} (batch {sel[0]['batch']}) | {threads} | {w:.0f} | {w0:.0f} | {tn:.0f} | {'%.0f' % tz if tz else '— (no transposed convolution)'} | {w / best:.2f} |")
PY
rm -f "$out"
