/**
 * The command loop of the lab's training workers (the 2-D run's worker.ts, the image view's
 * image-worker.ts): commands queue up as they arrive; each turn takes them all — requests get a
 * reply with a value (or the reason they failed), controls are acknowledged with the next frame —,
 * trains `speed` steps while playing, sends one frame, then yields so the page's next commands
 * can arrive. It runs until there is nothing to do, and starts again on the next command.
 */
import type { LabRecord } from './session.ts';

/** What every command carries: its kind and the id the page waits on. */
export interface Command {
  type: string;
  id: number;
}

/** A reply to a request, as both workers' protocols spell it. */
export type Reply<V> = { type: 'reply'; id: number; ok: true; value: V } | { type: 'reply'; id: number; ok: false; message: string };

/** The worker's side of the loop: its run, its requests, its frames. */
export interface LoopRun<C extends Command, V> {
  /** a run exists (the loop waits for init otherwise) */
  ready(): boolean;
  /** commands answered with a value (load, sample, checkpoint, …); the others are controls */
  isRequest(c: C): boolean;
  /** a request's value and the buffers it transfers; `records` are this turn's so far (a load may drop them) */
  answer(c: C, records: LabRecord[]): Promise<[V, Transferable[]]>;
  /** a control other than play, pause and speed (step, reset, …); its records go to `records` */
  control(c: C, records: LabRecord[]): Promise<void>;
  /** `k` training steps, as one record */
  train(k: number): Promise<LabRecord>;
  /** send this turn's frame; `trainMs`: the time its training took */
  frame(records: LabRecord[], ack: number[], playing: boolean, trainMs: number): Promise<void>;
  post(m: Reply<V> | { type: 'error'; message: string }, transfer?: Transferable[]): void;
}

/**
 * Yield to the worker's message queue: a MessageChannel message, not setTimeout(0), which browsers
 * clamp to 4 ms once timers nest — a wait on every frame.
 */
const turn = new MessageChannel();
const waiting: (() => void)[] = [];
turn.port1.onmessage = () => waiting.shift()?.();
const nextTurn = () => new Promise<void>((r) => { waiting.push(r); turn.port2.postMessage(null); });

export class CommandLoop<C extends Command, V> {
  playing = false;
  /** training steps per frame */
  speed = 1;
  private looping = false;
  /** a frame is owed without a command (the first one after init) */
  private needFrame = false;
  private readonly queue: C[] = [];

  constructor(private readonly run: LoopRun<C, V>) {}

  /** queue a command (play / pause / speed are the loop's own) */
  push(c: C): void {
    this.queue.push(c);
    void this.loop();
  }

  /** send a frame without a command (after init) */
  frameNow(): void {
    this.needFrame = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    const run = this.run;
    try {
      while (run.ready() && (this.queue.length || this.playing || this.needFrame)) {
        this.needFrame = false;
        const records: LabRecord[] = [];
        const ack: number[] = [];
        const replies: [Reply<V>, Transferable[]][] = [];
        while (this.queue.length) {
          const c = this.queue.shift()!;
          if (run.isRequest(c)) {
            try {
              const [value, transfer] = await run.answer(c, records);
              replies.push([{ type: 'reply', id: c.id, ok: true, value }, transfer]);
            } catch (e) {
              replies.push([{ type: 'reply', id: c.id, ok: false, message: (e as Error).message }, []]);
            }
            continue;
          }
          ack.push(c.id);
          if (c.type === 'play') this.playing = true;
          else if (c.type === 'pause') this.playing = false;
          else if (c.type === 'speed') this.speed = (c as unknown as { speed: number }).speed;
          else await run.control(c, records);
        }
        const t0 = performance.now();
        if (this.playing) records.push(await run.train(this.speed));
        await run.frame(records, ack, this.playing, performance.now() - t0);
        for (const [m, transfer] of replies) run.post(m, transfer);
        await nextTurn();
      }
    } catch (e) {
      this.playing = false;
      run.post({ type: 'error', message: (e as Error).stack ?? String(e) });
    } finally {
      this.looping = false;
    }
  }
}
