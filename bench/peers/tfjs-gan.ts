/**
 * The `dcgan` and `mlp2d` presets and the nsgan update, written with tfjs-core ops (NHWC), for
 * the training comparison: conv2d / conv2dTranspose, batch norm from tf.moments (training mode,
 * running statistics updated with momentum 0.1 as in webgan/PyTorch), tf.variableGrads, Adam.
 */
import type * as TF from '@tensorflow/tfjs-core';
type Tf = typeof TF;

export interface TfGan {
  /** one D update then one G update (nsgan), recorded; no read-back */
  step(): void;
  params: number;
  /** a tensor the last update wrote (read one element of it to synchronise) */
  probe(): TF.Tensor;
  dispose(): void;
}

export function buildTfGan(tf: Tf, preset: 'dcgan' | 'mlp2d', batch: number): TfGan {
  const vars: TF.Variable[] = [];
  const uid = Math.random().toString(36).slice(2);
  const v = (t: TF.Tensor, trainable = true) => {
    const x = tf.variable(t, trainable, `bench_${uid}_${vars.length}`);
    t.dispose();
    vars.push(x);
    return x;
  };
  const normal = (shape: number[], mean: number, std: number) => v(tf.randomNormal(shape, mean, std));
  const softplus = (x: TF.Tensor) => tf.softplus(x);

  class BN {
    gamma: TF.Variable; beta: TF.Variable; rm: TF.Variable; rv: TF.Variable;
    constructor(readonly c: number) {
      this.gamma = normal([c], 1, 0.02);
      this.beta = v(tf.zeros([c]));
      this.rm = v(tf.zeros([c]), false);
      this.rv = v(tf.ones([c]), false);
    }
    apply(x: TF.Tensor4D): TF.Tensor4D {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const n = x.size / this.c;
      // running statistics (unbiased variance), outside the gradient
      tf.tidy(() => {
        this.rm.assign(tf.add(tf.mul(this.rm, 0.9), tf.mul(mean, 0.1)));
        this.rv.assign(tf.add(tf.mul(this.rv, 0.9), tf.mul(variance, 0.1 * n / (n - 1))));
      });
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), this.gamma), this.beta) as TF.Tensor4D;
    }
  }

  let G: (z: TF.Tensor) => TF.Tensor, D: (x: TF.Tensor) => TF.Tensor, gVars: TF.Variable[], dVars: TF.Variable[];
  let noise: () => TF.Tensor, real: () => TF.Tensor, lr: number;
  if (preset === 'dcgan') {
    const nv0 = vars.length;
    // tfjs conv2dTranspose filter: [kH, kW, outChannels, inChannels]
    const g1 = normal([7, 7, 256, 100], 0, 0.02), bn1 = new BN(256);
    const g2 = normal([4, 4, 128, 256], 0, 0.02), bn2 = new BN(128);
    const g3 = normal([4, 4, 1, 128], 0, 0.02);
    gVars = vars.slice(nv0).filter((x) => x.trainable);
    const nv1 = vars.length;
    const d1 = normal([4, 4, 1, 64], 0, 0.02);
    const d2 = normal([4, 4, 64, 128], 0, 0.02), bn3 = new BN(128);
    const d3 = normal([7, 7, 128, 1], 0, 0.02);
    dVars = vars.slice(nv1).filter((x) => x.trainable);
    G = (z) => {
      let h = tf.relu(bn1.apply(tf.conv2dTranspose(z as TF.Tensor4D, g1 as TF.Tensor4D, [batch, 7, 7, 256], 1, 'valid')));
      h = tf.relu(bn2.apply(tf.conv2dTranspose(h, g2 as TF.Tensor4D, [batch, 14, 14, 128], 2, 'same')));
      return tf.tanh(tf.conv2dTranspose(h, g3 as TF.Tensor4D, [batch, 28, 28, 1], 2, 'same'));
    };
    D = (x) => {
      let h = tf.leakyRelu(tf.conv2d(x as TF.Tensor4D, d1 as TF.Tensor4D, 2, 'same'), 0.2);
      h = tf.leakyRelu(bn3.apply(tf.conv2d(h, d2 as TF.Tensor4D, 2, 'same')), 0.2);
      return tf.reshape(tf.conv2d(h, d3 as TF.Tensor4D, 1, 'valid'), [-1]);
    };
    noise = () => tf.randomNormal([batch, 1, 1, 100]);
    const host = new Float32Array(batch * 784).map((_, i) => ((i * 2654435761) % 2000) / 1000 - 1);
    real = () => tf.tensor4d(host, [batch, 28, 28, 1]); // a host → device upload per step, as webgan's loader
    lr = 2e-4;
  } else {
    const lin = (i: number, o: number) => {
      const b = 1 / Math.sqrt(i);
      return [v(tf.randomUniform([i, o], -b, b)), v(tf.randomUniform([o], -b, b))] as const;
    };
    const mlp = (layers: (readonly [TF.Variable, TF.Variable])[], act: (x: TF.Tensor) => TF.Tensor) => (x: TF.Tensor) => {
      let h = x;
      layers.forEach(([w, b], i) => {
        h = tf.add(tf.matMul(h, w), b);
        if (i < layers.length - 1) h = act(h);
      });
      return h;
    };
    const gl = [lin(2, 256), lin(256, 256), lin(256, 256), lin(256, 2)];
    const dl = [lin(2, 256), lin(256, 256), lin(256, 256), lin(256, 1)];
    gVars = gl.flat(); dVars = dl.flat();
    G = mlp(gl, tf.relu);
    const Dm = mlp(dl, (x) => tf.leakyRelu(x, 0.2));
    D = (x) => tf.reshape(Dm(x), [-1]);
    noise = () => tf.randomNormal([batch, 2]);
    const host = new Float32Array(batch * 2).map((_, i) => Math.cos(i));
    real = () => tf.tensor2d(host, [batch, 2]);
    lr = 1e-4;
  }
  const optD = tf.train.adam(lr, 0.5, 0.999, 1e-8);
  const optG = tf.train.adam(lr, 0.5, 0.999, 1e-8);
  const mean = (x: TF.Tensor) => tf.mean(x);
  type Grads = Parameters<typeof optD.applyGradients>[0];
  return {
    params: [...gVars, ...dVars].reduce((s, x) => s + x.size, 0),
    probe: () => gVars[gVars.length - 1],
    step: () => tf.tidy(() => {
      const x = real();
      const fake = tf.tidy(() => G(noise()));
      const d = tf.variableGrads(() => tf.add(mean(softplus(tf.neg(D(x)))), mean(softplus(D(fake)))) as TF.Scalar, dVars);
      optD.applyGradients(d.grads as unknown as Grads);
      const g = tf.variableGrads(() => mean(softplus(tf.neg(D(G(noise()))))) as TF.Scalar, gVars);
      optG.applyGradients(g.grads as unknown as Grads);
    }),
    dispose: () => { optD.dispose(); optG.dispose(); for (const x of vars) x.dispose(); },
  };
}
