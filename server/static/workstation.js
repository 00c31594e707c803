// The dictation workstation (served at /): microphone → /v1/dictation → text, fields, СЭМД.
import { DictationLink, Microphone, Recording, api, fieldText } from "./dictation-core.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const token = params.get("token") || "";
// The doctor's id in the МИС (?user=): their own lexicon learns from accepted/rejected corrections.
const user = /^[A-Za-z0-9_.@-]{1,64}$/.test(params.get("user") || "") ? params.get("user") : "";
const UNSURE_P = 0.5; // words the recogniser gave less than this are marked
const EDITABLE = new Set(["findings", "conclusion", "recommendations", "modality", "area", "laterality"]);
const LONG = new Set(["findings", "conclusion", "recommendations"]);
const LATERALITY = ["", "слева", "справа", "с двух сторон"];

const COMMANDS = {
  section: "раздел",
  field: "поле",
  next_field: "следующее поле",
  previous_field: "предыдущее поле",
  delete_last_word: "удалено последнее слово",
  delete_last_sentence: "удалено последнее предложение",
  undo: "отменено",
  replace: "замена",
  stop_recording: "стоп",
};

const STATES = {
  ready: "Готово к диктовке",
  connecting: "Подключение…",
  listening: "Идёт запись",
  paused: "Пауза",
  reconnecting: "Нет связи — переподключение…",
  busy: "Сервер занят",
  "mic-refused": "Микрофон недоступен",
  stopping: "Завершение…",
  completed: "Диктовка завершена",
  error: "Ошибка",
};

const ui = {
  hotkey: localStorage.getItem("semdict.hotkey") || "F9",
  mode: localStorage.getItem("semdict.mode") || "toggle",
  capturingKey: false,
  listening: false,
  link: null,
  recording: new Recording(),
  mic: null,
  profile: null,
  context: null,
  fieldValues: {}, // field id → what the service last sent
  byHand: new Set(), // fields the doctor edited: dictation no longer overwrites them
  history: [], // [{field, before}] for undo
  finals: new Map(), // utterance → final message
  latencies: [],
  document: null,
};
window.semdictStats = { finalLatenciesMs: ui.latencies }; // read by the end-to-end tests

function setStatus(state, detail = "") {
  const el = $("status");
  el.dataset.state = state;
  el.textContent = detail ? `${STATES[state]}: ${detail}` : STATES[state];
}

// -- profiles and the fields panel --------------------------------------------------------

async function loadProfiles() {
  const profiles = await api("", token, "/v1/profiles");
  const select = $("template");
  for (const p of profiles) select.add(new Option(`${p.title}`, p.id));
  const wanted = params.get("template");
  if (wanted && profiles.some((p) => p.id === wanted)) select.value = wanted;
  showProfile(profiles.find((p) => p.id === select.value));
  select.addEventListener("change", () =>
    showProfile(profiles.find((p) => p.id === select.value)));
}

function showProfile(profile) {
  ui.profile = profile;
  ui.fieldValues = {};
  ui.byHand.clear();
  ui.history = [];
  const form = $("fields");
  form.replaceChildren();
  const compact = document.createElement("div");
  compact.className = "compact";
  for (const field of profile.fields) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.id = `field-${field.id}`;
    const label = document.createElement("label");
    label.htmlFor = `input-${field.id}`;
    label.textContent = field.title;
    if (field.required) label.insertAdjacentHTML("beforeend", '<span class="req">*</span>');
    let control;
    if (field.id === "laterality") {
      control = document.createElement("select");
      for (const v of LATERALITY) control.add(new Option(v || "не указана", v));
    } else if (EDITABLE.has(field.id)) {
      control = document.createElement("textarea");
      control.rows = LONG.has(field.id) ? 3 : 1;
      if (LONG.has(field.id)) control.classList.add("long");
    } else {
      control = document.createElement("output"); // coded values: dictated, not typed
    }
    control.id = `input-${field.id}`;
    control.dataset.field = field.id;
    control.name = field.id;
    if (field.id === "study" && ui.context?.study?.code) {
      control.textContent = fieldText(ui.context.study.code);
    }
    if (EDITABLE.has(field.id)) {
      control.addEventListener("focus", () => { control.dataset.before = control.value; });
      if (control.tagName === "TEXTAREA") control.addEventListener("input", () => fit(control));
      control.addEventListener("change", () => {
        ui.history.push({ field: field.id, before: control.dataset.before ?? "" });
        control.dataset.before = control.value;
        markByHand(field.id, true);
      });
    }
    wrap.append(label, control);
    (LONG.has(field.id) ? form : compact).append(wrap);
  }
  form.append(compact);
  updateUndo();
}

function control(fieldId) {
  return document.querySelector(`[data-field="${fieldId}"]`);
}

function setField(fieldId, text) {
  const el = control(fieldId);
  if (!el) return;
  if ("value" in el && el.tagName !== "OUTPUT") el.value = text;
  else el.textContent = text;
  if (el.tagName === "TEXTAREA") fit(el);
  const wrap = $(`field-${fieldId}`);
  wrap.classList.remove("flash");
  void wrap.offsetWidth; // restart the animation
  wrap.classList.add("flash");
}

function fit(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${textarea.scrollHeight + 2}px`;
}

/** The СЭМД one element a line, indented: readable in the preview. */
function prettyXml(xml) {
  let depth = 0;
  return xml
    .replace(/>\s*</g, ">\n<")
    .split("\n")
    .map((line) => {
      if (/^<\//.test(line)) depth = Math.max(0, depth - 1);
      const out = "  ".repeat(depth) + line;
      if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\//.test(line)) depth += 1;
      return out;
    })
    .join("\n");
}

function markByHand(fieldId, on) {
  const label = $(`field-${fieldId}`)?.querySelector("label");
  if (!label) return;
  label.querySelector(".by-hand")?.remove();
  if (on) {
    ui.byHand.add(fieldId);
    label.insertAdjacentHTML("beforeend", '<span class="by-hand">изменено вручную</span>');
  } else {
    ui.byHand.delete(fieldId);
  }
  updateUndo();
}

function onField(message) {
  const text = fieldText(message.value);
  ui.fieldValues[message.field] = text;
  if (ui.byHand.has(message.field)) return; // the doctor's own words win
  const el = control(message.field);
  if (el && EDITABLE.has(message.field)) ui.history.push({ field: message.field, before: el.value });
  setField(message.field, text);
  updateUndo();
}

function undo() {
  const last = ui.history.pop();
  if (!last) return;
  setField(last.field, last.before);
  const el = control(last.field);
  if (el) el.dataset.before = last.before;
  markByHand(last.field, last.before !== (ui.fieldValues[last.field] ?? ""));
  updateUndo();
}

function updateUndo() {
  $("undo").disabled = ui.history.length === 0;
}

// -- transcript ----------------------------------------------------------------------------

const norm = (s) => s.toLowerCase().replace(/ё/g, "е").replace(/[^\p{L}\p{N}]+/gu, "");

/** The final's text as word spans, each tied to the recogniser's word (time, p) it came from. */
function renderFinal(final) {
  const span = document.createElement("span");
  span.className = "final fresh";
  span.dataset.utterance = final.utterance;
  const corrected = new Map(); // word of a correction → the correction
  for (const c of final.corrections || []) {
    for (const w of String(c.corrected).split(/\s+/)) corrected.set(norm(w), c);
  }
  let run = null; // the correction the previous word belonged to: its words form one highlight
  let runs = 0;
  const words = final.words || [];
  let next = 0;
  for (const part of final.text.split(/(\s+)/)) {
    if (!part) continue;
    if (/^\s+$/.test(part)) {
      span.append(part);
      continue;
    }
    const key = norm(part);
    let found = -1;
    for (let j = next; j < Math.min(words.length, next + 4); j++) {
      if (norm(words[j].w) === key) { found = j; break; }
    }
    const word = found >= 0 ? words[found] : words[next];
    if (found >= 0) next = found + 1;
    else if (key && next < words.length) next += 1;
    const w = document.createElement("span");
    w.className = "w";
    w.textContent = part;
    w.dataset.start = word ? word.start : final.start_s;
    w.dataset.end = word ? word.end : final.end_s;
    const titles = [];
    const c = key ? corrected.get(key) : undefined;
    if (c) {
      if (run?.c !== c) run = { c, id: `${final.utterance}-${(runs += 1)}` };
      w.classList.add("corrected");
      w.setAttribute("data-testid", "correction");
      w.dataset.correction = run.id;
      w.dataset.raw = c.raw;
      w.dataset.corrected = c.corrected;
      w.tabIndex = 0;
      titles.push(`Распознано: «${c.raw}» — исправлено по словарю (щелчок: верно / неверно)`);
    } else if (key) {
      run = null;
    }
    if (word && found >= 0 && word.p < UNSURE_P) {
      w.classList.add("unsure");
      titles.push(`Распознано неуверенно (${Math.round(word.p * 100)} %)`);
    }
    if (titles.length) w.title = titles.join("\n");
    span.append(w);
  }
  return span;
}

function onFinal(final) {
  ui.finals.set(final.utterance, final);
  const transcript = $("transcript");
  if (transcript.childNodes.length) transcript.append(" ");
  transcript.append(renderFinal(final));
  $("partial").textContent = "";
  const captured = ui.recording.capturedTime(final.end_s);
  if (captured !== null) {
    // On screen after this frame paints: the latency the doctor sees.
    requestAnimationFrame(() => {
      const ms = performance.now() - captured;
      ui.latencies.push(ms);
      const sorted = [...ui.latencies].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      $("latency").textContent = `задержка текста: ${(median / 1000).toFixed(2).replace(".", ",")} с`;
    });
  }
  $("transcript-box").scrollTop = $("transcript-box").scrollHeight;
}

function onCommand(command) {
  const box = $("feedback");
  for (const old of box.querySelectorAll(".cmd")) old.classList.add("old");
  const chip = document.createElement("span");
  chip.className = "cmd";
  const label = COMMANDS[command.name] || command.name;
  const field = ui.profile?.fields.find((f) => f.id === command.arg);
  const arg = field ? field.title.replace(/\s*\(.*\)$/, "").toLowerCase() : command.arg;
  chip.textContent = `✓ ${label}${arg ? `: ${arg}` : ""}`;
  chip.title = `Голосовая команда «${command.spoken}»`;
  box.prepend(chip);
  while (box.children.length > 8) box.lastChild.remove();
}

function onWarning(warning) {
  const li = document.createElement("li");
  li.textContent = warning.message || warning.code;
  li.dataset.code = warning.code || "";
  $("warnings").append(li);
  const wrap = warning.field && $(`field-${warning.field}`);
  if (wrap) {
    wrap.classList.add("warned");
    wrap.querySelector(".field-warning")?.remove();
    wrap.insertAdjacentHTML("beforeend", '<div class="field-warning"></div>');
    wrap.querySelector(".field-warning").textContent = warning.message;
  }
}

// -- corrections: the doctor accepts or rejects them (``feedback``) ------------------------

/** The words of one highlighted correction (a correction may span several words). */
function correctionWords(id) {
  return [...$("transcript").querySelectorAll(`.w[data-correction="${id}"]`)];
}

/** The correction Alt+Y / Alt+N act on: the one shown, else the focused, else the last one. */
function targetCorrection() {
  if (ui.popoverFor?.isConnected) return ui.popoverFor;
  const focused = document.activeElement;
  if (focused?.classList?.contains("corrected")) return focused;
  return [...$("transcript").querySelectorAll(".w.corrected")].pop() || null;
}

function showCorrection(word) {
  const pop = $("correction-popover");
  ui.popoverFor = word;
  $("correction-raw").textContent = word.dataset.raw;
  $("correction-fixed").textContent = word.dataset.corrected;
  const closed = ui.link?.closed;
  const can = Boolean(user) && Boolean(ui.link) && !closed;
  $("correction-accept").disabled = !can;
  $("correction-reject").disabled = !can;
  $("correction-hint").textContent = !user
    ? "Отзыв недоступен: откройте страницу с ?user=<код врача>, чтобы словарь учился на ваших ответах."
    : closed ? "Диктовка завершена: отзыв передаётся только во время сеанса." : "";
  pop.hidden = false;
  const box = word.getBoundingClientRect();
  const left = Math.max(8, Math.min(box.left, window.innerWidth - pop.offsetWidth - 8));
  const below = box.bottom + 6 + pop.offsetHeight < window.innerHeight;
  pop.style.left = `${left}px`;
  pop.style.top = `${below ? box.bottom + 6 : box.top - pop.offsetHeight - 6}px`;
  if (can) $("correction-accept").focus();
}

function hideCorrection() {
  const word = ui.popoverFor;
  $("correction-popover").hidden = true;
  ui.popoverFor = null;
  if (word?.isConnected && document.activeElement?.closest?.("#correction-popover")) word.focus();
}

/** Send the doctor's answer; a rejected correction shows the words as they were said. */
function decide(word, accepted) {
  if (!word?.classList.contains("corrected") || !ui.link) return;
  const { raw, corrected } = word.dataset;
  if (!ui.link.feedback(raw, corrected, accepted)) return;
  const words = correctionWords(word.dataset.correction);
  const first = words[0] || word;
  for (const w of words) {
    w.classList.remove("corrected");
    w.classList.add(accepted ? "confirmed" : "rejected");
    w.dataset.decision = accepted ? "confirmed" : "rejected";
    w.title = accepted
      ? `Исправление подтверждено: «${raw}» → «${corrected}»`
      : `Исправление отклонено: оставлено как сказано («${corrected}» больше не подставляется)`;
  }
  if (!accepted) {
    first.textContent = raw;
    for (const w of words.slice(1)) {
      if (w.previousSibling?.nodeType === Node.TEXT_NODE && !w.previousSibling.textContent.trim()) {
        w.previousSibling.remove();
      }
      w.remove();
    }
  }
  if (ui.popoverFor && !ui.popoverFor.isConnected) ui.popoverFor = first;
  hideCorrection();
}

async function replay(word) {
  if (!ui.mic?.context) return;
  word.classList.add("playing");
  await ui.recording.play(ui.mic.context, Number(word.dataset.start) - 0.05, Number(word.dataset.end) + 0.05);
  setTimeout(() => word.classList.remove("playing"), 600);
}

// -- dictation ------------------------------------------------------------------------------

function onFrame(pcm, level) {
  $("level").style.width = `${Math.min(100, Math.round(level * 140))}%`;
  if (!ui.listening || !ui.link) return;
  ui.recording.append(pcm, performance.now());
  ui.link.flush();
  const s = Math.floor(ui.recording.seconds);
  const timer = $("timer");
  timer.dataset.seconds = ui.recording.seconds.toFixed(1);
  timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function openMicrophone() {
  if (!ui.mic) ui.mic = new Microphone(onFrame);
  try {
    await ui.mic.start();
    return true;
  } catch (error) {
    const refused = error.name === "NotAllowedError" || error.name === "SecurityError";
    setStatus(refused ? "mic-refused" : "error",
      refused ? "разрешите доступ к микрофону в настройках браузера" : error.message);
    return false;
  }
}

function openSession() {
  const link = new DictationLink({
    server: "",
    token,
    templateId: $("template").value,
    context: ui.context,
    recording: ui.recording,
    user,
  });
  link.addEventListener("state", (event) => {
    const { state, attempt, retryAfterS, message, sessionId } = event.detail;
    $("status").dataset.reconnects = String(link.reconnects);
    if (state === "ready") {
      $("session").textContent = `сеанс ${sessionId}`;
      $("status").dataset.sessionId = sessionId;
      setStatus(ui.listening ? "listening" : "paused");
    } else if (state === "reconnecting") setStatus("reconnecting", attempt ? `попытка ${attempt}` : "");
    else if (state === "busy") setStatus("busy", `повтор через ${retryAfterS} с`);
    else if (state === "error") setStatus("error", message);
    else if (state === "connecting") setStatus("connecting");
  });
  link.addEventListener("message", (event) => {
    const m = event.detail;
    if (m.type === "partial") $("partial").textContent = m.text;
    else if (m.type === "final") onFinal(m);
    else if (m.type === "command") onCommand(m);
    else if (m.type === "field") onField(m);
    else if (m.type === "warning") onWarning(m);
    else if (m.type === "error" && !m.code?.startsWith("idle")) onWarning({ message: m.message, code: m.code });
  });
  link.connect();
  return link;
}

async function startDictation() {
  if (!(await openMicrophone())) return;
  if (!ui.link) {
    ui.link = openSession();
    $("template").disabled = true;
    $("build").disabled = false;
  }
  ui.listening = true;
  if (ui.link.live) setStatus("listening");
  refreshButtons();
}

function pauseDictation() {
  if (!ui.listening) return;
  ui.listening = false;
  ui.link?.endOfUtterance();
  $("level").style.width = "0";
  if (ui.link?.live) setStatus("paused");
  refreshButtons();
}

async function stopDictation() {
  if (!ui.link) return;
  ui.listening = false;
  setStatus("stopping");
  refreshButtons();
  try {
    await ui.link.end();
    $("partial").textContent = "";
    setStatus("completed");
    await ui.mic?.stop();
    $("level").style.width = "0";
  } catch (error) {
    setStatus("error", error.message);
  }
  refreshButtons();
}

function refreshButtons() {
  const active = ui.link && !ui.link.closed;
  $("start").disabled = ui.listening || (ui.link && ui.link.closed);
  $("start").textContent = ui.listening ? "● Запись" : active ? "● Продолжить" : "● Начать диктовку";
  $("pause").disabled = !ui.listening;
  $("stop").disabled = !active;
}

// -- the document --------------------------------------------------------------------------

async function buildDocument() {
  if (!ui.link?.sessionId) return;
  const validation = $("validation");
  validation.textContent = "Формирование…";
  try {
    const session = await api("", token, `/v1/sessions/${ui.link.sessionId}`);
    const edited = {};
    for (const id of ui.byHand) edited[id] = control(id).value;
    const doc = await api("", token, "/v1/documents", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        text: session.text,
        template_id: $("template").value,
        context: ui.context,
        format: "all",
        edited,
      }),
    });
    ui.document = doc;
    for (const field of ui.profile.fields) {
      // The document's values (МКБ-10 and other coded fields among them) fill what is empty.
      if (field.id in doc.fields && !ui.byHand.has(field.id) && field.id !== "study") {
        const text = fieldText(doc.fields[field.id]);
        if (text && text !== (ui.fieldValues[field.id] ?? "")) onField({ field: field.id, value: doc.fields[field.id] });
      }
    }
    showValidation(doc.validation);
    const json = JSON.stringify({ template_id: doc.template_id, fields: doc.fields, validation: doc.validation }, null, 2);
    offer($("semd-download"), doc.semd_xml, "application/xml", `semd-${ui.link.sessionId}.xml`);
    offer($("json-download"), json, "application/json", `semd-${ui.link.sessionId}.json`);
    ui.previewJson = json;
    showTab($("tab-json").getAttribute("aria-selected") === "true" ? "json" : "xml");
  } catch (error) {
    validation.innerHTML = '<span class="bad">Документ не сформирован</span>';
    const ul = document.createElement("ul");
    const li = document.createElement("li");
    li.textContent = error.message;
    ul.append(li);
    validation.append(ul);
  }
}

function showValidation(report) {
  const el = $("validation");
  el.replaceChildren();
  const head = document.createElement("span");
  head.className = report.valid ? "ok" : "bad";
  head.textContent = report.valid
    ? "✓ СЭМД соответствует XSD и схематрону"
    : `✗ СЭМД не прошёл проверку (${report.issues.length})`;
  el.dataset.valid = String(report.valid);
  el.append(head);
  if (report.issues.length) {
    const ul = document.createElement("ul");
    for (const issue of report.issues.slice(0, 8)) {
      const li = document.createElement("li");
      li.textContent = `${issue.source}: ${issue.message}`;
      ul.append(li);
    }
    el.append(ul);
  }
}

function offer(anchor, text, type, name) {
  if (anchor.href) URL.revokeObjectURL(anchor.href);
  anchor.href = URL.createObjectURL(new Blob([text], { type }));
  anchor.download = name;
  anchor.classList.remove("disabled");
  anchor.removeAttribute("aria-disabled");
}

function showTab(which) {
  $("tab-xml").setAttribute("aria-selected", String(which === "xml"));
  $("tab-json").setAttribute("aria-selected", String(which === "json"));
  if (ui.document) $("preview").textContent = which === "xml" ? prettyXml(ui.document.semd_xml) : ui.previewJson;
}

// -- keyboard ------------------------------------------------------------------------------

function keyName(event) {
  return event.code || event.key;
}

function onKeyDown(event) {
  if (event.key === "Escape" && !$("correction-popover").hidden) {
    hideCorrection();
    return;
  }
  if ((event.key === "Enter" || event.key === " ") && event.target.classList?.contains("corrected")) {
    event.preventDefault();
    showCorrection(event.target);
    return;
  }
  if (ui.capturingKey) {
    event.preventDefault();
    ui.capturingKey = false;
    ui.hotkey = keyName(event);
    localStorage.setItem("semdict.hotkey", ui.hotkey);
    $("hotkey-name").textContent = ui.hotkey;
    return;
  }
  if (keyName(event) === ui.hotkey) {
    event.preventDefault();
    if (event.repeat) return;
    if (ui.mode === "ptt") startDictation();
    else if (ui.listening) pauseDictation();
    else startDictation();
    return;
  }
  if (event.altKey && !event.ctrlKey) {
    const actions = {
      KeyS: stopDictation,
      KeyZ: undo,
      KeyD: buildDocument,
      KeyY: () => decide(targetCorrection(), true),
      KeyN: () => decide(targetCorrection(), false),
      KeyR: () => {
        const last = [...$("transcript").querySelectorAll(".final")].pop();
        if (last && ui.mic?.context) {
          const final = ui.finals.get(Number(last.dataset.utterance));
          ui.recording.play(ui.mic.context, final.start_s, final.end_s);
        }
      },
    };
    const action = actions[event.code];
    if (action) {
      event.preventDefault();
      action();
    }
  }
}

function onKeyUp(event) {
  if (ui.mode === "ptt" && keyName(event) === ui.hotkey) {
    event.preventDefault();
    pauseDictation();
  }
}

// -- start-up ------------------------------------------------------------------------------

async function main() {
  $("hotkey-name").textContent = ui.hotkey;
  $("mode").value = ui.mode;
  $("mode").addEventListener("change", () => {
    ui.mode = $("mode").value;
    localStorage.setItem("semdict.mode", ui.mode);
  });
  $("hotkey").addEventListener("click", () => {
    ui.capturingKey = true;
    $("hotkey-name").textContent = "нажмите клавишу…";
  });
  $("start").addEventListener("click", startDictation);
  $("pause").addEventListener("click", pauseDictation);
  $("stop").addEventListener("click", stopDictation);
  $("undo").addEventListener("click", undo);
  $("build").addEventListener("click", buildDocument);
  $("tab-xml").addEventListener("click", () => showTab("xml"));
  $("tab-json").addEventListener("click", () => showTab("json"));
  $("transcript").addEventListener("click", (event) => {
    if (!event.target.classList.contains("w")) return;
    replay(event.target);
    if (event.target.classList.contains("corrected")) showCorrection(event.target);
  });
  $("correction-accept").addEventListener("click", () => decide(ui.popoverFor, true));
  $("correction-reject").addEventListener("click", () => decide(ui.popoverFor, false));
  $("correction-close").addEventListener("click", hideCorrection);
  document.addEventListener("mousedown", (event) => {
    if (!event.target.closest("#correction-popover, .w.corrected")) hideCorrection();
  });
  if (!user) {
    $("correction-hint-bar").textContent = "без ?user= исправления нельзя подтвердить или отклонить";
  }
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);
  try {
    ui.context = await api("", token, "/demo/context.json");
    const p = ui.context.patient;
    $("patient").textContent = `${p.name.family} ${p.name.given[0]}. ${p.name.patronymic[0]}., ${p.birth_date.split("-").reverse().join(".")}`;
    $("patient").title = "Пациент из демонстрационного контекста МИС (/demo/context.json)";
    await loadProfiles();
    setStatus("ready");
  } catch (error) {
    setStatus("error", error.message.includes("401") || error.message.includes("token")
      ? "нужен токен доступа: откройте страницу с ?token=…" : error.message);
  }
  refreshButtons();
}

main();
