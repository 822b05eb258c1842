/**
 * Round-trip time, packet loss and bandwidth estimates of one endpoint, in the spirit of
 * reliable.io: RTT from each newly acked packet (smoothed average plus best and worst of the
 * recent samples), loss from the share of sent packets that stayed unacked after
 * `Timing.lossAfterRtts` round trips, and bandwidth sampled every `Timing.bandwidthSampleSeconds`.
 */
import { Buffers, Timing } from "../protocol/constants";

/** What the estimator reports (all numbers; read-only view for users). */
export interface LinkEstimates {
  /** Smoothed round-trip time in seconds (0 until the first ack). */
  readonly rttSmoothed: number;
  /** Lowest RTT among the recent samples, in seconds. */
  readonly rttBest: number;
  /** Highest RTT among the recent samples, in seconds. */
  readonly rttWorst: number;
  /** Smoothed share of sent packets never acked, in percent (0..100). */
  readonly packetLossPercent: number;
  /** Smoothed bytes per second sent. */
  readonly sentBytesPerSecond: number;
  /** Smoothed bytes per second received. */
  readonly receivedBytesPerSecond: number;
  /** Smoothed bytes per second of our packets the peer acknowledged. */
  readonly ackedBytesPerSecond: number;
}

/** Mutable estimator state behind {@link LinkEstimates}. */
export class LinkEstimator implements LinkEstimates {
  rttSmoothed = 0;
  packetLossPercent = 0;
  sentBytesPerSecond = 0;
  receivedBytesPerSecond = 0;
  ackedBytesPerSecond = 0;

  private readonly history = new Float64Array(Buffers.rttHistory);
  private historyCount = 0;
  private historyNext = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private bytesAcked = 0;
  /**
   * Start of the current bandwidth sample (seconds; −1 before the first `updateBandwidth`).
   * Tagged on purpose (declared without an initialiser, set in the constructor): it holds the
   * caller's number object (`now`), so storing it allocates nothing, and the
   * `now - sampleStart` loads no double. A client calls `updateBandwidth` once per tick, too rarely
   * for V8 to optimize it for a thousand ticks or more, and unoptimized code makes a heap number
   * for every double field it loads and every fractional result (16 B each); optimized code
   * makes none. (A precomputed "next sample at" field cost one number per sample once optimized.)
   */
  private sampleStart: number;
  /**
   * `updateBandwidth` calls since the last bandwidth sample, and how many of them return without
   * reading the clock: two fewer than the last sample period took. In unoptimized code (where a
   * client's once-per-tick call stays for 1000–2000 ticks) `now - sampleStart` and the loaded
   * `Timing.bandwidthSampleSeconds` are a 16-B heap number each, 32 B per tick; with the count
   * only the last two calls of each period compute them. Optimized, none allocates either way. A
   * caller that slows down makes one sample late by at most the calls skipped (the rates divide
   * by the real elapsed time, so they stay exact); after a late one the next period reads the
   * clock every call and learns the new count.
   */
  private callsSinceSample = 0;
  private quietCalls = 0;
  private lossSamples = 0;

  /**
   * The RTT to plan resends with (seconds): the smoothed RTT, or `Timing.initialRttSeconds` before
   * any sample. A field kept up to date, not a getter: the per-packet writers read it, and a getter
   * that ends up not inlined returns its double boxed (a heap number per read). Read-only for users.
   */
  planningRtt: number = Timing.initialRttSeconds;

  constructor() {
    this.sampleStart = -1;
  }

  /**
   * Our packet sent at `p.time` (seconds) with `p.bytes` bytes was acked at `now`: an RTT sample
   * and acked bytes. Takes the record, not the RTT, and passes no double on: a computed double
   * argument to a call that is not inlined is boxed (a heap number per ack).
   */
  addAckedPacket(p: { readonly time: number; readonly bytes: number }, now: number): void {
    this.bytesAcked += p.bytes;
    this.history[this.historyNext] = Math.max(0, now - p.time);
    this.foldNewestSample();
  }

  /** Adds one RTT sample (seconds). */
  addRttSample(rtt: number): void {
    this.history[this.historyNext] = Math.max(0, rtt);
    this.foldNewestSample();
  }

  /** Smooths the sample just written at `historyNext` into `rttSmoothed` and advances the ring. */
  private foldNewestSample(): void {
    const sample = this.history[this.historyNext] as number;
    if (this.historyCount === 0) this.rttSmoothed = sample;
    else this.rttSmoothed += (sample - this.rttSmoothed) * Timing.rttSmoothing;
    this.planningRtt = this.rttSmoothed;
    this.historyNext = (this.historyNext + 1) % this.history.length;
    if (this.historyCount < this.history.length) this.historyCount++;
  }

  /** Lowest RTT among the recent samples (computed when read: samples arrive per packet, reads are rare). */
  get rttBest(): number {
    if (this.historyCount === 0) return 0;
    let best = Infinity;
    for (let i = 0; i < this.historyCount; i++) best = Math.min(best, this.history[i] as number);
    return best;
  }

  /** Highest RTT among the recent samples. */
  get rttWorst(): number {
    let worst = 0;
    for (let i = 0; i < this.historyCount; i++) worst = Math.max(worst, this.history[i] as number);
    return worst;
  }

  /** Adds one loss observation over `judged` packets of which `lost` were never acked. */
  addLossSample(lost: number, judged: number): void {
    if (judged === 0) return;
    const first = this.lossSamples++ === 0;
    // No loss on a lossless estimate: nothing to fold (the steady state computes nothing).
    if (lost === 0 && this.packetLossPercent === 0) return;
    const percent = (100 * lost) / judged;
    const smoothed = first
      ? percent
      : this.packetLossPercent + (percent - this.packetLossPercent) * Timing.statsSmoothing;
    this.packetLossPercent = smoothed < Timing.lossPercentFloor ? 0 : smoothed;
  }

  /** Counts bytes for the bandwidth estimates. */
  countSent(bytes: number): void {
    this.bytesSent += bytes;
  }
  /** Counts received bytes. */
  countReceived(bytes: number): void {
    this.bytesReceived += bytes;
  }
  /** Counts bytes of our packets that were acked. */
  countAcked(bytes: number): void {
    this.bytesAcked += bytes;
  }

  /** Folds the bytes counted since the last sample into the bandwidth estimates when due. */
  updateBandwidth(now: number): void {
    if (this.sampleStart < 0) {
      this.sampleStart = now;
      return;
    }
    if (++this.callsSinceSample <= this.quietCalls) return;
    const elapsed = now - this.sampleStart;
    if (elapsed < Timing.bandwidthSampleSeconds) return;
    // A late sample (the caller slowed down while calls were skipped) reads the clock every call
    // next period, so the count is learned again at once.
    this.quietCalls = elapsed < 2 * Timing.bandwidthSampleSeconds ? this.callsSinceSample - 2 : 0;
    this.callsSinceSample = 0;
    const k = Timing.statsSmoothing;
    this.sentBytesPerSecond += (this.bytesSent / elapsed - this.sentBytesPerSecond) * k;
    this.receivedBytesPerSecond += (this.bytesReceived / elapsed - this.receivedBytesPerSecond) * k;
    this.ackedBytesPerSecond += (this.bytesAcked / elapsed - this.ackedBytesPerSecond) * k;
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.bytesAcked = 0;
    this.sampleStart = now;
  }

  /** Back to the state of a new connection. */
  reset(): void {
    this.rttSmoothed = 0;
    this.planningRtt = Timing.initialRttSeconds;
    this.packetLossPercent = 0;
    this.sentBytesPerSecond = this.receivedBytesPerSecond = this.ackedBytesPerSecond = 0;
    this.historyCount = this.historyNext = 0;
    this.bytesSent = this.bytesReceived = this.bytesAcked = 0;
    this.sampleStart = -1;
    this.callsSinceSample = this.quietCalls = 0;
    this.lossSamples = 0;
  }
}
