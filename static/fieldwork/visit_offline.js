/* The home-visit form on a village cadre's phone, offline first.
   - The draft is saved on every keystroke (localStorage; photos in IndexedDB), so a reload or a
     dropped connection loses nothing.
   - "Save visit" puts the visit in a queue on the phone (IndexedDB) with its client id (UUID);
     the queue is sent when the network returns. The portal stores a client id once, so a
     visit sent twice (a lost answer, two tabs) is stored once.
   - The count of waiting visits is always shown.
   - A callback visit (受益回访) chooses which enrolments of the household it calls back, with
     each one's answers. The enrolments come with the household list (fetched whenever the
     phone is online and kept for offline use), so the choice works offline. For a household
     the phone knows no enrolment of, the cadre gives the household's answers instead; the
     portal applies them, when the visit is sent, to every enrolment of the household active
     on the visit date. */
(function () {
  "use strict";
  const app = document.getElementById("visit-app");
  if (!app) return;
  const form = document.getElementById("visit-form");
  const user = app.dataset.user;
  const DRAFT_KEY = "visit-draft:" + user;
  const HOUSEHOLDS_KEY = "visit-households:" + user;
  const DB_NAME = "portal-visits";
  const $ = (id) => document.getElementById(id);

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // --- Photos are made small on the phone before they wait or travel: a 12-megapixel picture
  // (4-8 MB) becomes a JPEG of at most PHOTO_MAX_SIDE px on its long side (a few hundred kB),
  // turned upright by its EXIF orientation, without EXIF (no GPS). The server does the same again
  // and checks the file, so a picture this browser cannot decode (HEIC) is sent as it is.
  const PHOTO_MAX_SIDE = Number(app.dataset.photoMaxSide) || 1600;
  const PHOTO_KEEP_BYTES = 1024 * 1024; // a small picture that fits is kept as taken
  async function shrinkPhoto(file) {
    if (!file.type.startsWith("image/") || typeof createImageBitmap !== "function") return file;
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= PHOTO_KEEP_BYTES) {
        bitmap.close();
        return file;
      }
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
      if (!blob || (scale === 1 && blob.size >= file.size)) return file;
      const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    } catch (error) {
      return file;
    }
  }

  // --- IndexedDB: the queue ("queue", keyed by client_id) and the draft's photos ("photos")
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("queue", { keyPath: "client_id" });
        request.result.createObjectStore("photos");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function store(name, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const queueAll = () => store("queue", "readonly", (s) => s.getAll());
  const queuePut = (item) => store("queue", "readwrite", (s) => s.put(item));
  const queueDelete = (id) => store("queue", "readwrite", (s) => s.delete(id));
  const photosGet = () => store("photos", "readonly", (s) => s.get(user));
  const photosPut = (files) => store("photos", "readwrite", (s) => s.put(files, user));

  // --- the draft
  let draft = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null") || newDraft();
  function newDraft() {
    return { client_id: uuid(), household: "", household_label: "", visited_on: app.dataset.today, purpose: "", notes: "", callback: {}, callbacks: {}, concerns: [] };
  }
  function saveDraft() {
    draft.household = $("household-id").value;
    draft.visited_on = $("visited-on").value;
    draft.purpose = $("purpose").value;
    draft.notes = $("notes").value;
    // answers for the whole household: only when the phone knows no enrolment of it
    draft.callback = {};
    if (!$("callback-household").hidden) {
      form.querySelectorAll("#callback-household .household-answer").forEach((box) => {
        draft.callback[box.dataset.key] = box.checked;
      });
    }
    // one entry per enrolment ticked, keyed by the enrolment id
    draft.callbacks = {};
    document.querySelectorAll("#callback-enrolments .callback-enrolment").forEach((row) => {
      if (!row.querySelector(".enrolment-include").checked) return;
      const answers = {};
      row.querySelectorAll(".enrolment-answer").forEach((box) => { answers[box.dataset.key] = box.checked; });
      draft.callbacks[row.dataset.enrolment] = answers;
    });
    draft.concerns = [...document.querySelectorAll("#concerns .concern")].map((row) => ({
      category: row.querySelector(".concern-category").value,
      description: row.querySelector(".concern-description").value,
    }));
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }
  function addConcernRow(item) {
    const row = $("concern-template").content.firstElementChild.cloneNode(true);
    if (item) {
      row.querySelector(".concern-category").value = item.category;
      row.querySelector(".concern-description").value = item.description;
    }
    row.querySelector(".concern-remove").addEventListener("click", () => { row.remove(); saveDraft(); });
    $("concerns").appendChild(row);
    return row;
  }
  function showDraft() {
    $("household-id").value = draft.household;
    $("household-chosen").textContent = draft.household_label || "";
    $("visited-on").value = draft.visited_on;
    $("purpose").value = draft.purpose;
    $("notes").value = draft.notes;
    $("callback-answers").hidden = draft.purpose !== "callback";
    renderCallbacks();
    form.querySelectorAll("#callback-household .household-answer").forEach((box) => {
      box.checked = !!(draft.callback || {})[box.dataset.key];
    });
    answersEnabled();
    $("concerns").replaceChildren();
    draft.concerns.forEach(addConcernRow);
    photosGet().then((files) => { $("photo-count").textContent = files && files.length ? "📷 " + files.length : ""; });
  }

  // --- households (with their active enrolments): fetched when online, kept for offline use
  function households() { return JSON.parse(localStorage.getItem(HOUSEHOLDS_KEY) || "[]"); }
  function refreshHouseholds() {
    return fetch(app.dataset.households, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((rows) => {
        localStorage.setItem(HOUSEHOLDS_KEY, JSON.stringify(rows));
        renderCallbacks();
      })
      .catch(() => null);
  }
  // The household's enrolments as this phone knows them; null when it knows none.
  function householdEnrolments(id) {
    const household = households().find((h) => String(h.id) === String(id));
    return household && Array.isArray(household.enrolments) && household.enrolments.length ? household.enrolments : null;
  }
  function renderCallbacks() {
    const box = $("callback-enrolments");
    box.replaceChildren();
    const known = draft.household ? householdEnrolments(draft.household) : null;
    $("callback-household").hidden = !!known;
    $("callback-choice").hidden = !known;
    (known || []).forEach((enrolment) => {
      const row = $("enrolment-template").content.firstElementChild.cloneNode(true);
      const saved = (draft.callbacks || {})[enrolment.id];
      row.dataset.enrolment = enrolment.id;
      const include = row.querySelector(".enrolment-include");
      include.id = `enrolment-${enrolment.id}`;
      include.checked = !!saved;
      const label = row.querySelector(".enrolment-label");
      label.htmlFor = include.id;
      label.textContent = `${enrolment.project} (${enrolment.year}) · ${enrolment.person}`;
      row.querySelector(".enrolment-answers").hidden = !saved;
      row.querySelectorAll(".enrolment-answer").forEach((answer) => {
        answer.id = `enrolment-${enrolment.id}-${answer.dataset.key}`;
        answer.nextElementSibling.htmlFor = answer.id;
        answer.checked = !!(saved && saved[answer.dataset.key]);
      });
      box.appendChild(row);
    });
    answersEnabled();
  }
  // Nobody reached: nothing to answer.
  function answersEnabled() {
    document.querySelectorAll("#callback-enrolments .callback-enrolment, #callback-household").forEach((group) => {
      const reached = group.querySelector("[data-key=reached]");
      if (!reached) return;
      group.querySelectorAll("[data-key]").forEach((box) => {
        if (box !== reached) box.disabled = !reached.checked;
      });
    });
  }
  function callbackPayload(item) {
    const chosen = Object.entries(item.callbacks || {});
    if (chosen.length) {
      return ["callbacks", chosen.map(([id, a]) => ({
        enrolment: Number(id),
        reached: !!a.reached,
        knew_policy: a.reached ? !!a.knew_policy : null,
        received_money: a.reached ? !!a.received_money : null,
        satisfied: a.reached ? !!a.satisfied : null,
      }))];
    }
    const answers = item.callback || {};
    if (!Object.keys(answers).length) return null;
    const reached = !!answers.reached;
    const household = { reached };
    for (const key of ["knew_policy", "received_money", "satisfied"]) {
      household[key] = reached && key in answers ? !!answers[key] : null;
    }
    return ["callback", household];
  }
  function search(term) {
    const results = $("household-results");
    results.replaceChildren();
    term = term.trim().toLowerCase();
    if (!term) return;
    households()
      .filter((h) => h.head.includes(term) || h.pinyin.includes(term) || h.number.includes(term))
      .slice(0, 20)
      .forEach((h) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "list-group-item list-group-item-action household-option";
        button.textContent = `${h.head || "—"} · ${h.number} ${h.address || ""}`;
        button.addEventListener("click", () => {
          draft.household_label = button.textContent;
          draft.household = String(h.id);
          draft.callbacks = {};
          $("household-id").value = h.id;
          $("household-chosen").textContent = button.textContent;
          results.replaceChildren();
          $("household-search").value = "";
          renderCallbacks();
          saveDraft();
        });
        results.appendChild(button);
      });
  }

  // --- the queue and sending
  function message(text, kind) {
    const box = $("visit-message");
    box.textContent = text;
    box.className = "small mb-2 text-" + (kind || "muted");
  }
  async function showCount() {
    const items = await queueAll();
    $("queue-count").textContent = String(items.length);
    $("net-state").textContent = navigator.onLine ? app.dataset.netOnline : app.dataset.netOffline;
    return items;
  }
  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : form.querySelector("[name=csrfmiddlewaretoken]").value;
  }
  let sending = false;
  async function sendQueue() {
    if (sending || !navigator.onLine) return showCount();
    sending = true;
    try {
      for (const item of await queueAll()) {
        const body = new FormData();
        for (const key of ["client_id", "household", "visited_on", "purpose", "notes"]) body.append(key, item[key]);
        body.append("concerns", JSON.stringify(item.concerns));
        const callback = item.purpose === "callback" ? callbackPayload(item) : null;
        if (callback) body.append(callback[0], JSON.stringify(callback[1]));
        (item.photos || []).forEach((file, i) => body.append("photos", file, file.name || `photo-${i + 1}.jpg`));
        let response;
        try {
          response = await fetch(app.dataset.api, {
            method: "POST",
            body,
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          });
        } catch (error) {
          message(app.dataset.msgOffline, "warning");
          break; // no network: try again later, nothing is lost
        }
        if (response.status === 200 || response.status === 201) {
          await queueDelete(item.client_id);
        } else if (response.status === 400) {
          // The portal refused it: keep it (nothing lost) and say why.
          const detail = await response.text();
          item.error = detail;
          await queuePut(item);
          message(`${app.dataset.msgRefused} ${detail}`, "danger");
        } else {
          break; // logged out or server trouble: keep and retry later
        }
      }
    } finally {
      sending = false;
    }
    const left = await showCount();
    if (!left.length) message(app.dataset.msgSent, "success");
  }

  // --- wiring
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", (event) => {
    if (event.target.id === "purpose") $("callback-answers").hidden = event.target.value !== "callback";
    if (event.target.classList.contains("enrolment-include")) {
      const row = event.target.closest(".callback-enrolment");
      row.querySelector(".enrolment-answers").hidden = !event.target.checked;
      // a visit usually meets the beneficiary: reached is ticked when the enrolment is chosen
      if (event.target.checked) row.querySelector("[data-key=reached]").checked = true;
    }
    answersEnabled();
    if (event.target.id === "photos") {
      const chosen = [...event.target.files];
      $("photo-count").textContent = chosen.length ? "📷 …" : "";
      Promise.all(chosen.map(shrinkPhoto))
        .then(photosPut)
        .then(() => { $("photo-count").textContent = chosen.length ? "📷 " + chosen.length : ""; });
    }
    saveDraft();
  });
  $("household-search").addEventListener("input", (event) => search(event.target.value));
  $("add-concern").addEventListener("click", () => { addConcernRow().querySelector("textarea").focus(); saveDraft(); });
  $("sync-now").addEventListener("click", () => refreshHouseholds().then(sendQueue));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saveDraft();
    if (!draft.household || !draft.visited_on || !draft.purpose) {
      message(app.dataset.msgMissing, "danger");
      return;
    }
    const photos = (await photosGet()) || [];
    await queuePut({ ...draft, photos, concerns: draft.concerns.filter((c) => c.description.trim()) });
    await photosPut([]);
    draft = newDraft();
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    form.reset();
    showDraft();
    message(app.dataset.msgSaved, "success");
    await showCount();
    sendQueue();
  });
  window.addEventListener("online", () => refreshHouseholds().then(sendQueue));
  window.addEventListener("offline", showCount);
  setInterval(sendQueue, 30000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.sw, { scope: "/" }).catch(() => null);
  }
  showDraft();
  showCount().then(() => (navigator.onLine ? refreshHouseholds().then(sendQueue) : null));
})();
