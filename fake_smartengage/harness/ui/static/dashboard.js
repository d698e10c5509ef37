// The dashboard's behaviour. Everything it shows or changes goes through the harness API under
// /_fake/ (the same routes tests use); it keeps full API keys in memory only and shows them masked.
"use strict";

(() => {
  const API = document.body.dataset.api;
  const TOKEN_REQUIRED = document.body.dataset.tokenRequired === "true";
  const TOKEN_KEY = "fake-smartengage.admin-token";
  const POLL_MS = 1000;
  const JOURNAL_ROWS = 500;
  const SUBSCRIBERS_SHOWN = 200;
  const SEARCH_RESULTS = 100;
  // Names and emails longer than this are cut in the lists; a subscriber's detail shows them whole.
  const LONGEST_SHOWN = 200;

  const $ = (id) => document.getElementById(id);

  let state = { accounts: [] };
  const openAvatars = new Set(); // "<tenant index>:<avatar id>" of the avatars shown open
  let entries = new Map(); // journal entries by id
  let lastId = 0;
  let pollTimer = null;
  let running = false;
  let generation = 0; // bumped on every stop, so that a poll in flight from before does not go on
  let stateTimer = null;
  let faultCount = 0;

  // ---- helpers -------------------------------------------------------------------------------

  function h(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  function mask(key) {
    // The same rule as the server's: enough of the key to tell keys apart.
    return `${key.slice(0, Math.min(6, Math.floor(key.length / 3)))}…`;
  }

  function cut(text) {
    if (typeof text !== "string" || text.length <= LONGEST_SHOWN) return text;
    // Not between the two halves of a character outside the BMP.
    const end = /[\uD800-\uDBFF]/.test(text[LONGEST_SHOWN - 1]) ? LONGEST_SHOWN - 1 : LONGEST_SHOWN;
    return `${text.slice(0, end)}…`;
  }

  function plural(count, one, many = `${one}s`) {
    return `${count} ${count === 1 ? one : many}`;
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  function say(text, isError = false) {
    const message = $("message");
    message.textContent = text;
    message.classList.toggle("error", isError);
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, { query, body } = {}) {
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const search = query ? `?${new URLSearchParams(query)}` : "";
    let response;
    try {
      response = await fetch(`${API}${path}${search}`, { method, headers, body, cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, "The server does not answer");
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (response.status === 401) {
      askForToken(token ? "The server refused that admin token." : "");
      throw new ApiError(401, "The admin token is missing or wrong");
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message ? data.error.message : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, message);
    }
    return data;
  }

  // Runs a control's action, reporting how it went in the status line.
  async function act(button, action) {
    if (button) button.disabled = true;
    try {
      const done = await action();
      if (done) say(done);
    } catch (error) {
      if (error.status !== 401) say(error.message, true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  // ---- admin token ---------------------------------------------------------------------------

  function askForToken(problem) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    $("dashboard").hidden = true;
    $("forget-token").hidden = true;
    $("token-panel").hidden = false;
    $("token-error").textContent = problem || "";
    $("token-input").value = "";
    $("token-input").focus();
  }

  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value);
    try {
      await api("GET", "/faults"); // any guarded route tells whether the token is right
    } catch (error) {
      if (error.status !== 401) $("token-error").textContent = error.message;
      return;
    }
    $("token-panel").hidden = true;
    start();
  });

  $("forget-token").addEventListener("click", () => askForToken(""));

  // ---- state ---------------------------------------------------------------------------------

  async function loadState() {
    state = await api("GET", "/state");
    renderState();
    renderSearch();
  }

  function refreshStateSoon() {
    clearTimeout(stateTimer);
    stateTimer = setTimeout(() => loadState().catch((error) => say(error.message, true)), 150);
  }

  function subscriberName(subscriber) {
    if (subscriber.full_name) return subscriber.full_name;
    const parts = [subscriber.first_name, subscriber.last_name].filter(Boolean);
    return parts.length ? parts.join(" ") : "";
  }

  function catalogueTable(title, rows, idKey, nameKey) {
    return h(
      "div",
      { class: "catalogue" },
      h("h5", {}, `${title} (${rows.length})`),
      rows.length
        ? h(
            "table",
            { class: "compact" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "ID"), h("th", { scope: "col" }, "Name"))),
            h("tbody", {}, rows.map((row) => h("tr", {}, h("td", {}, String(row[idKey])), h("td", {}, cut(row[nameKey])))))
          )
        : h("p", { class: "muted" }, "none")
    );
  }

  function openButton(tenant, avatar, subscriber) {
    const name = subscriberName(subscriber);
    return h(
      "button",
      {
        type: "button",
        class: "link",
        "aria-label": `Open subscriber ${subscriber.id}${name ? `, ${cut(name)}` : ""}`,
        onclick: () => openSubscriber(tenant, avatar, subscriber.id),
      },
      "Open"
    );
  }

  function subscriberTable(tenant, avatar) {
    const subscribers = avatar.subscribers || [];
    if (!subscribers.length) return h("p", { class: "muted" }, "No subscribers.");
    const shown = subscribers.slice(0, SUBSCRIBERS_SHOWN);
    return h(
      "div",
      {},
      h(
        "table",
        { class: "subscribers" },
        h("caption", { class: "visually-hidden" }, `Subscribers of avatar ${avatar.avatar_id}`),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, "ID"), h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Email"),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Details")))
        ),
        h(
          "tbody",
          {},
          shown.map((subscriber) =>
            h(
              "tr",
              {},
              h("td", {}, String(subscriber.id)),
              h("td", {}, cut(subscriberName(subscriber)) || h("span", { class: "muted" }, "—")),
              h("td", {}, cut(subscriber.email) || h("span", { class: "muted" }, "—")),
              h("td", {}, openButton(tenant, avatar, subscriber))
            )
          )
        )
      ),
      subscribers.length > shown.length
        ? h("p", { class: "muted" }, `Showing ${shown.length} of ${subscribers.length}; search by email to find the others.`)
        : null
    );
  }

  function renderAvatar(tenantIndex, account, avatar) {
    const id = `${tenantIndex}:${avatar.avatar_id}`;
    const subscribers = (avatar.subscribers || []).length;
    const details = h(
      "details",
      { class: "avatar", open: openAvatars.has(id), "data-avatar": avatar.avatar_id },
      h(
        "summary",
        {},
        h("span", { class: "avatar-name" }, `Avatar ${avatar.avatar_id}`, avatar.brand_name ? ` · ${cut(avatar.brand_name)}` : ""),
        h(
          "span",
          { class: "counts" },
          `${plural(avatar.tags.length, "tag")}, ${plural(avatar.custom_fields.length, "custom field")}, ` +
            `${plural(avatar.sequences.length, "sequence")}, ${plural(subscribers, "subscriber")}`
        )
      ),
      h(
        "div",
        { class: "avatar-body" },
        h(
          "div",
          { class: "catalogues" },
          catalogueTable("Tags", avatar.tags, "tag_id", "tag_name"),
          catalogueTable("Custom fields", avatar.custom_fields, "custom_field_id", "custom_field_name"),
          catalogueTable("Sequences", avatar.sequences, "sequence_id", "sequence_name")
        ),
        h("h5", {}, `Subscribers (${subscribers})`),
        subscriberTable(account, avatar)
      )
    );
    details.addEventListener("toggle", () => {
      if (details.open) openAvatars.add(id);
      else openAvatars.delete(id);
    });
    return details;
  }

  function renderState() {
    const accounts = state.accounts || [];
    const container = $("tenants");
    container.replaceChildren(
      ...[].concat(accounts.length
        ? accounts.map((account, index) =>
            h(
              "section",
              { class: "tenant", "aria-labelledby": `tenant-${index}` },
              h(
                "h3",
                { id: `tenant-${index}` },
                "Tenant ",
                h("code", {}, mask(account.api_key)),
                h("span", { class: "counts" }, ` ${plural(account.avatars.length, "avatar")}`)
              ),
              account.avatars.length
                ? account.avatars.map((avatar) => renderAvatar(index, account, avatar))
                : h("p", { class: "muted" }, "No avatars.")
            )
          )
        : h("p", { class: "muted" }, "No tenants."))
    );
  }

  // ---- search --------------------------------------------------------------------------------

  function renderSearch() {
    const query = $("search").value.trim().toLowerCase();
    const container = $("search-results");
    if (!query) {
      container.replaceChildren();
      return;
    }
    const found = [];
    for (const account of state.accounts || []) {
      for (const avatar of account.avatars) {
        for (const subscriber of avatar.subscribers || []) {
          if (subscriber.email && subscriber.email.toLowerCase().includes(query)) found.push([account, avatar, subscriber]);
        }
      }
    }
    const shown = found.slice(0, SEARCH_RESULTS);
    container.replaceChildren(
      h(
        "div",
        { class: "search-results" },
        h("h3", {}, `${plural(found.length, "subscriber")} with “${query}” in the email`),
        shown.length
          ? h(
              "table",
              { class: "subscribers" },
              h(
                "thead",
                {},
                h("tr", {}, h("th", { scope: "col" }, "Email"), h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Where"),
                  h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Details")))
              ),
              h(
                "tbody",
                {},
                shown.map(([account, avatar, subscriber]) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, cut(subscriber.email)),
                    h("td", {}, cut(subscriberName(subscriber)) || h("span", { class: "muted" }, "—")),
                    h("td", {}, `subscriber ${subscriber.id} of avatar ${avatar.avatar_id}, tenant `, h("code", {}, mask(account.api_key))),
                    h("td", {}, openButton(account, avatar, subscriber))
                  )
                )
              )
            )
          : null,
        found.length > shown.length ? h("p", { class: "muted" }, `Showing the first ${shown.length}.`) : null
      )
    );
  }

  $("search").addEventListener("input", renderSearch);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    renderSearch();
  });

  // ---- details dialog ------------------------------------------------------------------------

  function showDetail(title, content) {
    $("detail-title").textContent = title;
    $("detail-body").replaceChildren(...content);
    const dialog = $("detail");
    if (!dialog.open) dialog.showModal();
    $("detail-close").focus();
  }

  $("detail-close").addEventListener("click", () => $("detail").close());
  $("detail").addEventListener("click", (event) => {
    if (event.target === $("detail")) $("detail").close(); // a click on the backdrop
  });

  function definitionList(pairs) {
    return h(
      "dl",
      { class: "pairs" },
      pairs.map(([name, value]) => [
        h("dt", {}, name),
        h("dd", {}, value === null || value === undefined ? h("span", { class: "muted" }, "null") : value),
      ])
    );
  }

  function jsonBlock(label, value) {
    return h("section", { class: "json" }, h("h3", {}, label), h("pre", { tabindex: "0" }, h("code", {}, pretty(value))));
  }

  async function openSubscriber(account, avatar, subscriberId) {
    let subscriber;
    try {
      subscriber = await api("GET", `/subscribers/${subscriberId}`, {
        query: { api_key: account.api_key, avatar_id: avatar.avatar_id },
      });
    } catch (error) {
      if (error.status !== 401) say(error.message, true);
      return;
    }
    // Every scalar the subscriber object has, in its order: the lists are shown below.
    const fields = Object.keys(subscriber).filter((field) => !Array.isArray(subscriber[field]));
    showDetail(`Subscriber ${subscriber.id}${subscriber.full_name ? ` · ${cut(subscriber.full_name)}` : ""}`, [
      h(
        "p",
        { class: "muted" },
        `Avatar ${avatar.avatar_id}${avatar.brand_name ? ` (${cut(avatar.brand_name)})` : ""} of tenant `,
        h("code", {}, mask(account.api_key))
      ),
      definitionList(fields.map((field) => [field, subscriber[field]])),
      h("h3", {}, `Tags (${subscriber.tags.length})`),
      subscriber.tags.length
        ? h("ul", { class: "tags" }, subscriber.tags.map((tag) => h("li", {}, tag)))
        : h("p", { class: "muted" }, "none"),
      h("h3", {}, `Custom fields (${subscriber.custom_fields.length})`),
      subscriber.custom_fields.length
        ? h(
            "table",
            { class: "compact" },
            h("thead", {}, h("tr", {}, ["ID", "Name", "Value"].map((name) => h("th", { scope: "col" }, name)))),
            h("tbody", {}, subscriber.custom_fields.map((field) =>
              h("tr", {}, h("td", {}, field.custom_field_id), h("td", {}, field.custom_field_name), h("td", {}, field.custom_value))))
          )
        : h("p", { class: "muted" }, "none"),
      h("h3", {}, `Sequences (${subscriber.sequences.length})`),
      subscriber.sequences.length
        ? h(
            "table",
            { class: "compact" },
            h("thead", {}, h("tr", {}, ["ID", "Name", "Status"].map((name) => h("th", { scope: "col" }, name)))),
            h("tbody", {}, subscriber.sequences.map((sequence) =>
              h("tr", {}, h("td", {}, sequence.sequence_id), h("td", {}, sequence.sequence_name), h("td", {}, sequence.status))))
          )
        : h("p", { class: "muted" }, "none"),
      jsonBlock("As the API returns it", subscriber),
    ]);
  }

  // ---- journal -------------------------------------------------------------------------------

  function statusClass(status) {
    if (status >= 500) return "status s5xx";
    if (status >= 400) return "status s4xx";
    if (status >= 300) return "status s3xx";
    return "status s2xx";
  }

  function clockTime(iso) {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return iso;
    const pad = (number, width = 2) => String(number).padStart(width, "0");
    return `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}.${pad(when.getMilliseconds(), 3)}`;
  }

  function journalRow(entry, fresh) {
    const open = () => openRequest(entry.id);
    return h(
      "tr",
      { class: fresh ? "fresh" : null, "data-id": entry.id, onclick: (event) => { if (event.target.tagName !== "BUTTON") open(); } },
      h("td", { class: "number" }, String(entry.id)),
      h("td", {}, h("time", { datetime: entry.time }, clockTime(entry.time))),
      h("td", {}, h("span", { class: "method" }, entry.method)),
      h("td", { class: "path" }, h("button", { type: "button", class: "link", onclick: open, title: "Show the parsed request and the response" },
        entry.path + (entry.query ? `?${entry.query}` : ""))),
      h("td", {}, statusMark(entry.status), faultMark(entry), divergenceMark(entry)),
      h("td", { class: "number" }, entry.duration_ms.toFixed(1)),
      h("td", {}, entry.api_key ? h("code", {}, entry.api_key) : h("span", { class: "muted" }, "none"))
    );
  }

  // A network fault sends no status at all.
  function statusMark(status) {
    return status === null ? h("span", { class: "status s5xx" }, "no answer") : h("span", { class: statusClass(status) }, String(status));
  }

  function faultState(entry) {
    return `fault ${entry.fault} (${entry.fault_kind}): ${entry.state_changed ? "the state changed" : "the state did not change"}`;
  }

  function faultMark(entry) {
    if (entry.fault === null || entry.fault === undefined) return null;
    return h("span", { class: "fault-mark", title: faultState(entry) }, ` fault ${entry.fault}`);
  }

  // With --upstream: an answer whose shape differs from what the fake would serve.
  function divergenceMark(entry) {
    if (!entry.divergences || !entry.divergences.length) return null;
    return h("span", { class: "divergence", title: entry.divergences.join("\n") }, " diverges");
  }

  function divergenceSection(entry) {
    if (entry.divergences === null || entry.divergences === undefined) return null;
    return h("section", { class: "json" }, h("h3", {}, "Upstream answer against the fake's shape"),
      entry.divergences.length
        ? h("ul", { class: "divergences" }, entry.divergences.map((divergence) => h("li", {}, divergence)))
        : h("p", { class: "muted" }, "Conforms: the fake would answer in the same shape."));
  }

  function addEntries(newEntries, fresh) {
    // newEntries are newest first, all newer than what is shown.
    const rows = $("journal-rows");
    const fragment = document.createDocumentFragment();
    for (const entry of newEntries) {
      entries.set(entry.id, entry);
      fragment.append(journalRow(entry, fresh));
    }
    rows.prepend(fragment);
    while (rows.children.length > JOURNAL_ROWS) {
      entries.delete(Number(rows.lastElementChild.dataset.id));
      rows.lastElementChild.remove();
    }
    $("journal-empty").hidden = rows.children.length > 0;
  }

  function openRequest(id) {
    const entry = entries.get(id);
    if (!entry) return;
    showDetail(`Request ${entry.id} · ${entry.method} ${entry.path} → ${entry.status ?? "no answer"}`, [
      definitionList([
        ["time", entry.time],
        ["method", entry.method],
        ["path", entry.path],
        ["query", entry.query || h("span", { class: "muted" }, "none")],
        ["content type", entry.content_type || h("span", { class: "muted" }, "none")],
        ["key", entry.api_key],
        ["status", statusMark(entry.status)],
        ["duration", `${entry.duration_ms} ms`],
        ...(entry.fault === null || entry.fault === undefined ? [] : [["fault", faultState(entry)]]),
      ]),
      entry.sent === null
        ? h("section", { class: "json" }, h("h3", {}, "Parameters, as sent"),
            h("p", { class: "muted" }, "Unreadable: the body could not be parsed."))
        : jsonBlock("Parameters, as sent", entry.sent),
      entry.form === null
        ? h("section", { class: "json" }, h("h3", {}, "Parameters, as the route parsed them"),
            h("p", { class: "muted" }, "Not parsed: no route read them (a fault or the rate limit answered first, "
              + "the route does not exist, or it refused them)."))
        : jsonBlock("Parameters, as the route parsed them", entry.form),
      divergenceSection(entry),
      jsonBlock("Response body", entry.response),
    ]);
  }

  async function pollJournal() {
    pollTimer = null;
    const mine = generation;
    if (!running) return;
    try {
      if ($("live").checked && !document.hidden) {
        const fresh = lastId > 0;
        const found = await api("GET", "/requests", { query: { since: lastId, limit: JOURNAL_ROWS } });
        if (found.length) {
          lastId = Math.max(lastId, found[0].id);
          addEntries(found, fresh);
          if (found.some((entry) => entry.method !== "GET" && (entry.status < 400 || entry.state_changed))) refreshStateSoon();
          if (faultCount) loadFaults().catch(() => {});
        }
        $("journal-status").textContent = "Newest first, updating live. Choose a request to see its parameters and answer.";
        $("journal-status").classList.remove("error");
      }
    } catch (error) {
      if (error.status === 401) return;
      $("journal-status").textContent = `Live updates failed: ${error.message}. Retrying…`;
      $("journal-status").classList.add("error");
    }
    if (running && mine === generation) pollTimer = setTimeout(pollJournal, POLL_MS);
  }

  $("live").addEventListener("change", () => {
    if ($("live").checked && running && pollTimer === null) pollJournal();
  });

  // ---- faults --------------------------------------------------------------------------------

  async function loadFaults() {
    const faults = await api("GET", "/faults");
    faultCount = faults.length;
    const container = $("faults");
    if (!faults.length) {
      container.replaceChildren(h("p", { class: "muted" }, "No faults."));
      return;
    }
    container.replaceChildren(
      h(
        "table",
        { class: "compact faults" },
        h("caption", { class: "visually-hidden" }, "Faults, in the order they fire"),
        h("thead", {}, h("tr", {}, ["#", "Method", "Route", "Does", "Left", "Fired", ""].map((name) =>
          h("th", { scope: "col" }, name || h("span", { class: "visually-hidden" }, "Remove"))))),
        h(
          "tbody",
          {},
          faults.map((fault) => {
            const does = describeFault(fault);
            return h(
              "tr",
              { class: fault.remaining === 0 ? "spent" : null },
              h("td", {}, String(fault.id)),
              h("td", {}, fault.method),
              h("td", {}, fault.path, fault.api_key ? h("span", { class: "muted" }, ` (key ${fault.api_key})`) : null),
              h("td", {}, does),
              h("td", {}, fault.remaining === null ? "until removed" : String(fault.remaining)),
              h("td", {}, String(fault.fired)),
              h("td", {}, h("button", {
                type: "button",
                class: "link",
                "aria-label": `Remove fault ${fault.id}`,
                onclick: (event) => act(event.currentTarget, async () => {
                  await api("DELETE", `/faults/${fault.id}`);
                  await loadFaults();
                  return `Fault ${fault.id} removed`;
                }),
              }, "Remove"))
            );
          })
        )
      )
    );
  }

  const KIND_DOES = {
    reset: () => "reset the connection",
    empty: () => "close without a byte",
    truncated: () => "cut the answer",
    garbage: () => "send garbage",
    hang: (fault) => `hang ${fault.delay_ms} ms`,
  };

  function describeFault(fault) {
    const wait = fault.delay_ms !== null && fault.kind !== "hang" ? `wait ${fault.delay_ms} ms` : null;
    const act = fault.kind === "status" ? (fault.status !== null ? `answer ${fault.status}` : null) : KIND_DOES[fault.kind](fault);
    let does = [wait, act].filter(Boolean).join(", then ");
    if (fault.when === "after") does = `after the route: ${does}`;
    if (fault.rate < 1) does += ` (${Math.round(fault.rate * 100)}% of requests, seed ${fault.seed})`;
    if (fault.params) does += ` when sent ${Object.entries(fault.params).map(([name, value]) => `${name}=${value}`).join("&")}`;
    return does;
  }

  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const number = (name) => (form.elements[name].value.trim() === "" ? null : Number(form.elements[name].value));
    const kind = form.elements.kind.value;
    const when = form.elements.when.value;
    // Only a status fault, or a truncated one before the route, answers a status of its own.
    const answers = kind === "status" || (kind === "truncated" && when === "before");
    const params = [...new URLSearchParams(form.elements.params.value.trim())];
    const spec = {
      method: form.elements.method.value,
      path: form.elements.path.value.trim(),
      kind,
      when,
      status: answers ? number("status") : null,
      delay_ms: number("delay_ms"),
      times: number("times"),
      rate: number("rate") ?? 1,
      seed: number("seed") ?? 0,
      params: params.length ? Object.fromEntries(params) : null,
    };
    act(event.submitter, async () => {
      if (kind === "status" && spec.status === null && spec.delay_ms === null) throw new Error("A fault needs a status, a delay, or both");
      const fault = await api("POST", "/faults", { body: JSON.stringify(spec) });
      await loadFaults();
      return `Fault ${fault.id} added: ${fault.method} ${fault.path}: ${describeFault(fault)}` +
        (fault.times === null ? " until removed" : `, ${plural(fault.times, "time")}`);
    });
  });

  $("clear-faults").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      await api("DELETE", "/faults");
      await loadFaults();
      return "Faults cleared";
    })
  );

  // ---- other controls ------------------------------------------------------------------------

  $("reset").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      await api("POST", "/reset");
      await loadState();
      return "Server reset to its start state";
    })
  );

  $("clear-journal").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      await api("DELETE", "/requests");
      entries = new Map();
      $("journal-rows").replaceChildren();
      $("journal-empty").hidden = false;
      return "Journal cleared";
    })
  );

  $("refresh").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      await Promise.all([loadState(), loadFaults()]);
      return "State refreshed";
    })
  );

  $("fixture-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("fixture-file").files[0];
    act(event.submitter, async () => {
      if (!file) throw new Error("Choose a fixture file first");
      const text = await file.text();
      try {
        JSON.parse(text);
      } catch (error) {
        throw new Error(`${file.name} is not JSON: ${error.message}`);
      }
      await api("PUT", "/state", { body: text });
      await loadState();
      return `Loaded ${file.name}`;
    });
  });

  // ---- start ---------------------------------------------------------------------------------

  // The fault form offers every route the server answers, in both spellings.
  async function loadRoutes() {
    const routes = await api("GET", "/routes");
    $("fault-path").placeholder = routes.length ? `e.g. ${routes[routes.length - 1].path}` : "";
    $("routes").replaceChildren(
      ...routes.flatMap((route) => [route.path, route.other_path]).map((path) => h("option", { value: path }))
    );
  }

  function stop() {
    running = false;
    generation += 1;
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  async function start() {
    $("dashboard").hidden = false;
    $("forget-token").hidden = !TOKEN_REQUIRED;
    running = true;
    try {
      await Promise.all([loadState(), loadFaults(), loadRoutes()]);
    } catch (error) {
      if (error.status === 401) return;
      say(error.message, true);
    }
    pollJournal();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && running) refreshStateSoon();
  });

  if (TOKEN_REQUIRED && !sessionStorage.getItem(TOKEN_KEY)) askForToken("");
  else start();
})();
