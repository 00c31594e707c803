// <semdict-dictation>: live dictation for a МИС web form (docs/integration.md).
//
//   <script type="module" src="https://semdict.example/static/semdict-dictation.js"></script>
//   <semdict-dictation server="https://semdict.example" template="ct_chest" token="…"
//                      form="#protocol"></semdict-dictation>
//
// Each dictated field is written into the form control whose name or data-semdict-field is
// the field id; the element fires semdict-final, semdict-field and semdict-document events.
// Set the element's ``context`` property (the МИС context of docs/protocol.md) before dictating
// to get a СЭМД with the document.
import { DictationLink, Microphone, Recording, api, fieldText } from "./dictation-core.js";

const STYLE = `
:host { display: inline-flex; align-items: center; gap: 8px; font: 14px "PT Sans", "Segoe UI", sans-serif;
  color: #1d2733; background: #fff; border: 1px solid #d8dde3; border-radius: 4px; padding: 5px 8px; }
button { font: inherit; padding: 4px 12px; border-radius: 4px; border: 1px solid #1f5f99;
  background: #1f5f99; color: #fff; font-weight: bold; cursor: pointer; }
button[data-active] { background: #c62828; border-color: #c62828; }
button:disabled { opacity: 0.5; cursor: default; }
.meter { width: 70px; height: 6px; background: #e4e8ec; border-radius: 3px; overflow: hidden; }
.meter div { height: 100%; width: 0; background: #3b8d5a; }
.status { font-size: 12px; color: #6b7785; white-space: nowrap; }
.status[data-state="error"], .status[data-state="mic-refused"] { color: #b3261e; }
.status[data-state="reconnecting"], .status[data-state="busy"] { color: #a86200; }
.partial { font-style: italic; color: #6b7785; max-width: 360px; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
`;

const LABELS = {
  ready: "готово", connecting: "подключение…", listening: "запись", reconnecting: "переподключение…",
  busy: "сервер занят", "mic-refused": "микрофон недоступен", stopping: "завершение…",
  completed: "готово: поля заполнены", error: "ошибка",
};

class SemdictDictation extends HTMLElement {
  static observedAttributes = ["template", "server", "token", "form"];

  constructor() {
    super();
    this.context = null;
    this.link = null;
    this.recording = null;
    this.mic = new Microphone((pcm, level) => this.onFrame(pcm, level));
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${STYLE}</style>
      <button type="button" part="button">● Диктовать</button>
      <div class="meter" aria-hidden="true"><div></div></div>
      <span class="status" role="status" aria-live="polite" data-state="ready">готово</span>
      <span class="partial" part="partial"></span>`;
    this.button = root.querySelector("button");
    this.level = root.querySelector(".meter div");
    this.statusEl = root.querySelector(".status");
    this.partialEl = root.querySelector(".partial");
    this.button.addEventListener("click", () => (this.link ? this.stop() : this.start()));
  }

  get server() { return this.getAttribute("server") || ""; }
  get token() { return this.getAttribute("token") || ""; }

  setStatus(state, detail = "") {
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = detail ? `${LABELS[state]}: ${detail}` : LABELS[state];
    this.dataset.state = state;
  }

  form() {
    const selector = this.getAttribute("form");
    return selector ? document.querySelector(selector) : this.closest("form");
  }

  /** The control a field goes to: ``name`` or ``data-semdict-field`` equal to the field id. */
  control(fieldId) {
    const form = this.form();
    if (!form) return null;
    const id = CSS.escape(fieldId);
    return form.querySelector(`[data-semdict-field="${id}"]`) || form.querySelector(`[name="${id}"]`);
  }

  fill(fieldId, value) {
    const el = this.control(fieldId);
    if (!el) return;
    const text = fieldText(value);
    if (el instanceof HTMLSelectElement) {
      const option = [...el.options].find((o) => o.value === text || o.text === text);
      if (option) el.value = option.value;
    } else if (el instanceof HTMLInputElement && el.type === "checkbox") {
      el.checked = value === true;
    } else if ("value" in el && !(el instanceof HTMLOutputElement)) {
      el.value = text;
    } else {
      el.textContent = text;
    }
    // Frameworks of МИС forms listen to these, as if the doctor had typed.
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  onFrame(pcm, level) {
    this.level.style.width = `${Math.min(100, Math.round(level * 140))}%`;
    if (!this.link || this.link.ending) return;
    this.recording.append(pcm, performance.now());
    this.link.flush();
    this.dataset.seconds = this.recording.seconds.toFixed(1);
  }

  async start() {
    try {
      await this.mic.start();
    } catch (error) {
      const refused = error.name === "NotAllowedError" || error.name === "SecurityError";
      this.setStatus(refused ? "mic-refused" : "error", refused ? "" : error.message);
      return;
    }
    this.recording = new Recording();
    const link = new DictationLink({
      server: this.server,
      token: this.token,
      templateId: this.getAttribute("template") || undefined,
      context: this.context,
      recording: this.recording,
    });
    link.addEventListener("state", (event) => {
      const { state, retryAfterS, message } = event.detail;
      if (state === "ready") this.setStatus(link.ending ? "stopping" : "listening");
      else if (state === "busy") this.setStatus("busy", `повтор через ${retryAfterS} с`);
      else this.setStatus(state, message || "");
    });
    link.addEventListener("message", (event) => this.onMessage(event.detail));
    this.link = link;
    this.button.textContent = "■ Стоп";
    this.button.dataset.active = "";
    link.connect();
  }

  onMessage(m) {
    if (m.type === "partial") this.partialEl.textContent = m.text;
    else if (m.type === "final") {
      this.partialEl.textContent = "";
      this.emit("semdict-final", m);
    } else if (m.type === "field") {
      this.fill(m.field, m.value);
      this.emit("semdict-field", { field: m.field, value: m.value, text: fieldText(m.value) });
    } else if (m.type === "warning") {
      this.emit("semdict-warning", m);
    }
  }

  async stop() {
    const link = this.link;
    this.button.disabled = true;
    this.setStatus("stopping");
    try {
      const completed = await link.end();
      await this.mic.stop();
      this.level.style.width = "0";
      const request = (format) => api(this.server, this.token, "/v1/documents", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          text: completed.text,
          template_id: this.getAttribute("template") || null,
          context: this.context,
          format,
        }),
      });
      let semdError = this.context ? null : "нет контекста МИС (свойство context)";
      let document_ = null;
      if (this.context) {
        try {
          document_ = await request("all");
        } catch (error) {
          semdError = error.message; // e.g. no findings dictated: the fields still count
        }
      }
      document_ ??= await request("json");
      this.setStatus("completed", semdError ? "СЭМД не сформирован" : "");
      this.emit("semdict-document", {
        session_id: completed.session_id,
        text: completed.text,
        document: document_,
        semd_error: semdError,
      });
    } catch (error) {
      this.setStatus("error", error.message);
    } finally {
      this.link = null;
      this.button.disabled = false;
      this.button.textContent = "● Диктовать";
      delete this.button.dataset.active;
    }
  }

  disconnectedCallback() {
    this.link?.abandon();
    this.mic.stop();
  }
}

if (!customElements.get("semdict-dictation")) {
  customElements.define("semdict-dictation", SemdictDictation);
}
