// AudioWorklet: microphone samples → 16 kHz PCM16 frames of 100 ms, with the frame's level.
// Runs in the audio thread; the page gets {pcm: ArrayBuffer, level: 0..1} messages.
const TARGET_RATE = 16000;
const FRAME = 1600; // 100 ms at 16 kHz

class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.pos = 0; // fractional position of the next output sample in the input stream
    this.acc = 0;
    this.count = 0;
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.peak = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      // Box filter over each output sample's span of input: a cheap anti-alias low-pass.
      this.acc += channel[i];
      this.count += 1;
      this.pos += 1;
      if (this.pos >= this.step) {
        this.pos -= this.step;
        const value = Math.max(-1, Math.min(1, this.acc / this.count));
        this.acc = 0;
        this.count = 0;
        this.peak = Math.max(this.peak, Math.abs(value));
        this.frame[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
        if (this.filled === FRAME) {
          const pcm = this.frame.slice().buffer;
          this.port.postMessage({ pcm, level: this.peak }, [pcm]);
          this.filled = 0;
          this.peak = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("semdict-pcm-capture", PcmCapture);
