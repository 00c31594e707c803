// The browser side of live dictation, shared by the workstation (/) and the widget:
// the microphone (AudioWorklet → PCM16 16 kHz), the session recording, and the WebSocket
// link to /v1/dictation that resumes after a dropped connection (docs/protocol.md).

export const SAMPLE_RATE = 16000;

/** Where the service is: the page's own origin unless a server URL is given. */
export function serviceUrl(server) {
  return new URL(server || window.location.origin, window.location.href);
}

export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** fetch() JSON from the service with the token; errors carry the service's message. */
export async function api(server, token, path, init = {}) {
  const url = new URL(path, serviceUrl(server));
  const headers = { ...authHeaders(token), ...(init.headers || {}) };
  const response = await fetch(url, { ...init, headers });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch {
      /* not JSON: keep the status line */
    }
    throw new Error(detail);
  }
  return response.json();
}

/** A field's value as the text a form control shows. */
export function fieldText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "да" : "нет";
  if (typeof value === "number") return String(value).replace(".", ",");
  if (Array.isArray(value)) {
    if (value.every(Array.isArray)) {
      return value.map((dims) => dims.map(fieldText).join(" × ") + " мм").join("; ");
    }
    return value.map(fieldText).join("; ");
  }
  if (typeof value === "object" && "code" in value) {
    return value.name ? `${value.code} — ${value.name}` : String(value.code);
  }
  return JSON.stringify(value);
}

/** Everything sent in this session, kept in the page: for resuming and for replaying words. */
export class Recording {
  constructor() {
    this.samples = new Int16Array(SAMPLE_RATE * 60);
    this.length = 0;
    this.capturedAt = []; // [sampleEnd, performance.now()] per frame: latency on screen
  }

  append(pcm, at) {
    if (this.length + pcm.length > this.samples.length) {
      const grown = new Int16Array(Math.max(this.samples.length * 2, this.length + pcm.length));
      grown.set(this.samples.subarray(0, this.length));
      this.samples = grown;
    }
    this.samples.set(pcm, this.length);
    this.length += pcm.length;
    this.capturedAt.push([this.length, at]);
  }

  get seconds() {
    return this.length / SAMPLE_RATE;
  }

  /** Bytes from ``offset`` on, as the wire carries them (little-endian PCM16). */
  bytesFrom(offset) {
    const view = this.samples.subarray(offset / 2, this.length);
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }

  /** performance.now() when the audio at ``seconds`` had been captured. */
  capturedTime(seconds) {
    const sample = Math.round(seconds * SAMPLE_RATE);
    for (const [end, at] of this.capturedAt) if (end >= sample) return at;
    return this.capturedAt.length ? this.capturedAt[this.capturedAt.length - 1][1] : null;
  }

  /** Play [start, end] seconds of the session's audio (a word the doctor clicked). */
  async play(context, start, end) {
    const from = Math.max(0, Math.floor(start * SAMPLE_RATE));
    const to = Math.min(this.length, Math.ceil(end * SAMPLE_RATE));
    if (to <= from) return;
    const buffer = context.createBuffer(1, to - from, SAMPLE_RATE);
    const out = buffer.getChannelData(0);
    for (let i = from; i < to; i++) out[i - from] = this.samples[i] / 0x8000;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.start();
  }
}

/** The microphone through an AudioWorklet; ``onFrame(Int16Array, level)`` every 100 ms. */
export class Microphone {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.context = null;
    this.stream = null;
  }

  get open() {
    return this.context !== null;
  }

  async start() {
    if (this.context) return;
    if (!navigator.mediaDevices || !window.AudioWorkletNode) {
      throw Object.assign(new Error("браузер не даёт доступа к микрофону (нужен HTTPS)"), {
        name: "NotSupportedError",
      });
    }
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false },
    });
    let context;
    try {
      context = new AudioContext({ sampleRate: SAMPLE_RATE });
    } catch {
      context = new AudioContext(); // the worklet resamples whatever the device gives
    }
    await context.audioWorklet.addModule(new URL("./pcm-worklet.js", import.meta.url));
    const node = new AudioWorkletNode(context, "semdict-pcm-capture");
    node.port.onmessage = (event) =>
      this.onFrame(new Int16Array(event.data.pcm), event.data.level);
    context.createMediaStreamSource(this.stream).connect(node);
    this.context = context;
  }

  async stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.context) await this.context.close();
    this.stream = null;
    this.context = null;
  }
}

const STALL_BYTES = 64000; // 2 s of audio the socket could not send: the link is dead
const STALL_MS = 4000;

/**
 * One dictation session over /v1/dictation. Sends the recording's audio after ``ready``,
 * reconnects with ``session_id`` + ``resume_from_seq`` when the link drops and resends from
 * the byte offset the service reports, drops replayed messages it has already seen.
 * Events: "message" (detail: a server message, each seq once) and "state" (detail:
 * {state, ...}): connecting, ready, reconnecting, busy, error, completed.
 */
export class DictationLink extends EventTarget {
  constructor({ server, token, templateId, context, recording, user = "" }) {
    super();
    this.user = user; // the doctor's id: their lexicon, taught by feedback
    this.server = server;
    this.token = token;
    this.templateId = templateId;
    this.context = context;
    this.recording = recording;
    this.sessionId = null;
    this.lastSeq = 0;
    this.sentBytes = 0;
    this.ws = null;
    this.live = false; // ``ready`` received on the current socket
    this.ending = false;
    this.closed = false;
    this.reconnects = 0;
    this.pendingFeedback = []; // feedback held while the link is down, sent after ``ready``
    this.retryTimer = null;
    this.stallSince = null;
    this.watchdog = null;
    this.completion = new Promise((resolve, reject) => {
      this.resolveCompleted = resolve;
      this.rejectCompleted = reject;
    });
    this.onOffline = () => this.ws && this.drop();
  }

  get url() {
    const url = serviceUrl(this.server);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.pathname = "/v1/dictation";
    // A resume names its session: a front with several nodes routes it to the node that
    // holds it (docs/deploy.md).
    const query = new URLSearchParams();
    if (this.token) query.set("token", this.token);
    if (this.sessionId) query.set("session", this.sessionId);
    url.search = query.toString();
    return url.toString();
  }

  setState(state, extra = {}) {
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...extra } }));
  }

  connect() {
    if (this.closed) return;
    window.addEventListener("offline", this.onOffline);
    this.setState(this.sessionId ? "reconnecting" : "connecting", { attempt: this.reconnects });
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.live = false;
    ws.onopen = () => {
      const start = {
        type: "start",
        audio: { encoding: "pcm_s16le", sample_rate: SAMPLE_RATE },
        language: "ru",
      };
      if (this.templateId) start.template_id = this.templateId;
      if (this.context) start.context = this.context;
      if (this.user) start.user = this.user;
      if (this.sessionId) {
        start.session_id = this.sessionId;
        start.resume_from_seq = this.lastSeq;
      }
      ws.send(JSON.stringify(start));
    };
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = (event) => this.onClose(ws, event);
    this.watchdog = setInterval(() => this.checkStall(), 1000);
  }

  receive(message) {
    // Session messages share one seq over every connection; busy/error before a session
    // exists are numbered by their own connection and never replayed.
    const ofSession = this.sessionId !== null || message.type === "ready";
    if (ofSession && message.seq <= this.lastSeq) return; // replayed, already seen
    if (ofSession) this.lastSeq = message.seq;
    if (message.type === "ready") {
      this.sessionId = message.session_id;
      this.sentBytes = message.audio_received_bytes;
      this.live = true;
      this.setState("ready", { resumed: message.resumed, sessionId: this.sessionId });
      this.flush();
      for (const feedback of this.pendingFeedback.splice(0)) this.ws.send(JSON.stringify(feedback));
      if (this.ending) this.ws.send(JSON.stringify({ type: "end" }));
    } else if (message.type === "busy") {
      this.retryAfter = message.retry_after_s;
    } else if (message.type === "error") {
      this.lastError = message;
    } else if (message.type === "completed") {
      this.closed = true;
      this.resolveCompleted(message);
    }
    this.dispatchEvent(new CustomEvent("message", { detail: message }));
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    clearInterval(this.watchdog);
    this.ws = null;
    this.live = false;
    if (this.closed) {
      window.removeEventListener("offline", this.onOffline);
      if (event.code !== 1000) this.setState("error", { message: "соединение закрыто" });
      return;
    }
    if (event.code === 1008 && this.lastError) {
      this.fail(`${this.lastError.message} (${this.lastError.code})`);
      return;
    }
    if (event.code === 1013 || this.retryAfter) {
      // Over capacity, or the session is on another node or the store is down: come back.
      const wait = Math.max(1, this.retryAfter || 2);
      this.retryAfter = null;
      this.lastError = null;
      this.setState("busy", { retryAfterS: wait });
      this.retryTimer = setTimeout(() => this.connect(), wait * 1000);
      return;
    }
    this.reconnects += 1;
    const wait = Math.min(5000, 250 * 2 ** Math.min(this.reconnects, 5));
    this.setState("reconnecting", { attempt: this.reconnects });
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  fail(message) {
    this.closed = true;
    window.removeEventListener("offline", this.onOffline);
    this.setState("error", { message });
    this.rejectCompleted(new Error(message));
  }

  /** A socket that stopped draining is dead even if the browser has not noticed yet. */
  checkStall() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount < STALL_BYTES) {
      this.stallSince = null;
    } else if (this.stallSince === null) {
      this.stallSince = performance.now();
    } else if (performance.now() - this.stallSince > STALL_MS) {
      this.drop();
    }
  }

  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.onClose(ws, { code: 1006 });
    ws.onclose = null;
    ws.close();
  }

  /** Send what the recording holds beyond what the service has. */
  flush() {
    if (!this.live || this.ws.readyState !== WebSocket.OPEN) return;
    const bytes = this.recording.bytesFrom(this.sentBytes);
    for (let i = 0; i < bytes.length; i += 3200) {
      this.ws.send(bytes.subarray(i, Math.min(bytes.length, i + 3200)));
    }
    this.sentBytes += bytes.length;
  }

  /**
   * The doctor accepted or rejected a correction (``feedback``, needs ``user``): sent now, or
   * after ``ready`` when the link is down. False when the session is over.
   */
  feedback(raw, corrected, accepted) {
    if (this.closed || !this.user) return false;
    const message = { type: "feedback", raw, corrected, accepted };
    if (this.live && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    else this.pendingFeedback.push(message);
    return true;
  }

  endOfUtterance() {
    if (this.live) this.ws.send(JSON.stringify({ type: "eou" }));
  }

  /** Ask for the end: every buffered final, then ``completed`` (also after a reconnect). */
  end() {
    this.ending = true;
    if (this.live) {
      this.flush();
      this.ws.send(JSON.stringify({ type: "end" }));
    }
    return this.completion;
  }

  abandon() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    window.removeEventListener("offline", this.onOffline);
    if (this.ws) this.ws.close(1000);
  }
}
