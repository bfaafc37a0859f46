import Vapor

/// The console's stylesheet and script, served from memory: no build step, no CDN.
enum ConsoleAssets {
    static func response(_ file: String) throws -> Response {
        let (body, type): (String, HTTPMediaType) = switch file {
        case "console.css": (css, HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"]))
        case "console.js": (js, HTTPMediaType(type: "application", subType: "javascript", parameters: ["charset": "utf-8"]))
        default: throw Abort(.notFound, reason: "no asset \(file)")
        }
        var headers = HTTPHeaders()
        headers.contentType = type
        headers.add(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }

    static let css = """
        :root { --ink: #1d2733; --muted: #5b6b7c; --line: #d8dee6; --bg: #f5f7fa; --hot: #c0392b; --warm: #d98e04; --cold: #2e6da4; --accent: #0b7a75; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        header.top { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: center; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; color: var(--ink); }
        nav a { margin-right: 1rem; text-decoration: none; }
        nav a[aria-current=page] { font-weight: 700; border-bottom: 2px solid var(--accent); }
        .logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        .who { color: var(--muted); font-size: .9em; }
        button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary, .logout button { background: #fff; color: var(--accent); }
        main { padding: 1rem; }
        .board { display: flex; gap: .75rem; overflow-x: auto; align-items: flex-start; padding-bottom: 1rem; }
        .column { flex: 0 0 15rem; background: #eef1f5; border-radius: 8px; padding: .5rem; min-height: 6rem; }
        .column.drop { outline: 2px dashed var(--accent); }
        .column h2 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; margin: .25rem .25rem .5rem; color: var(--muted); }
        .count { float: right; }
        .cards { list-style: none; margin: 0; padding: 0; display: grid; gap: .5rem; }
        .card { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 6px; padding: .5rem .6rem; }
        .card[draggable=true] { cursor: grab; }
        .card.temp-hot { border-left-color: var(--hot); } .card.temp-warm { border-left-color: var(--warm); } .card.temp-cold { border-left-color: var(--cold); }
        .card .name { font-weight: 600; }
        .meta { color: var(--muted); font-size: .85em; }
        .urgent { background: var(--hot); color: #fff; border-radius: 4px; padding: 0 .3rem; font-size: .75em; }
        .waiting { color: var(--hot); }
        .live { font-size: .8em; color: var(--muted); margin: 0 0 .5rem; }
        .transcript { list-style: none; padding: 0; display: grid; gap: .5rem; max-width: 46rem; }
        .msg { padding: .5rem .75rem; border-radius: 10px; max-width: 80%; background: #fff; border: 1px solid var(--line); }
        .msg.assistant, .msg.staff { margin-left: auto; background: #e6f4f3; }
        .msg .when { color: var(--muted); font-size: .78em; }
        .msg-error, .error { color: var(--hot); }
        .reply { display: grid; gap: .4rem; max-width: 46rem; margin-top: .75rem; }
        textarea, input { font: inherit; padding: .5rem; border: 1px solid var(--line); border-radius: 6px; width: 100%; }
        .list { list-style: none; padding: 0; } .list li { padding: .5rem 0; border-bottom: 1px solid var(--line); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; } .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; max-width: 60rem; background: #fff; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; max-width: 60rem; }
        .kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; display: grid; }
        .kpi-value { font-size: 1.6rem; font-weight: 700; } .kpi-label { color: var(--muted); font-size: .85em; }
        .chart { max-width: 60rem; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        .bar { fill: var(--accent); } .bar-label, .bar-value { font-size: 13px; fill: var(--ink); }
        section { margin: 1.25rem 0; }
        form.json, form.json-document { display: grid; gap: .4rem; max-width: 46rem; margin-top: .75rem; }
        form.json.inline { display: flex; align-items: center; gap: .6rem; margin: 0; }
        button.small { padding: .15rem .55rem; font-size: .85rem; margin-left: .3rem; }
        button.small.secondary { background: #fff; color: var(--accent); }
        select { font: inherit; padding: .45rem; border: 1px solid var(--line); border-radius: 6px; }
        pre.result { background: #fff8e1; border: 1px solid var(--warm); padding: .75rem; white-space: pre-wrap; }
        code { font-size: .85em; word-break: break-all; } .lead h3 { margin: .5rem 0 .25rem; font-size: 1rem; }
        body.signin main { max-width: 22rem; margin: 10vh auto; background: #fff; padding: 1.5rem; border-radius: 10px; border: 1px solid var(--line); }
        body.signin form { display: grid; gap: .5rem; }
        @media (max-width: 640px) { .column { flex-basis: 80vw; } .logout .who { display: none; } }
        """

    static let js = """
        "use strict";
        (() => {
          const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
          const api = (method, path, body) => fetch(path, {
            method, credentials: "same-origin",
            headers: Object.assign({ "X-CSRF-Token": csrf }, body ? { "Content-Type": "application/json" } : {}),
            body: body ? JSON.stringify(body) : undefined,
          }).then(async (response) => {
            if (!response.ok) { const problem = await response.json().catch(() => ({})); throw new Error(problem.reason || response.statusText); }
            return response.status === 204 ? null : response.json();
          });

          // Kanban: drag a card to another column to change its stage.
          const board = () => document.getElementById("board");
          const refreshBoard = () => {
            const current = board(); if (!current) return;
            fetch(location.pathname + "/board", { credentials: "same-origin" }).then((r) => r.text()).then((html) => {
              const next = new DOMParser().parseFromString(html, "text/html").getElementById("board");
              if (next) { current.replaceWith(next); wireBoard(); }
            });
          };
          const wireBoard = () => {
            const root = board(); if (!root) return;
            const clinic = root.dataset.clinic;
            root.querySelectorAll('.card[draggable="true"]').forEach((card) => {
              card.addEventListener("dragstart", (event) => { event.dataTransfer.setData("text/plain", card.dataset.lead); event.dataTransfer.effectAllowed = "move"; });
            });
            root.querySelectorAll(".column").forEach((column) => {
              column.addEventListener("dragover", (event) => { event.preventDefault(); column.classList.add("drop"); });
              column.addEventListener("dragleave", () => column.classList.remove("drop"));
              column.addEventListener("drop", (event) => {
                event.preventDefault(); column.classList.remove("drop");
                const lead = event.dataTransfer.getData("text/plain");
                const card = root.querySelector('[data-lead="' + lead + '"]');
                if (!lead || !card || card.closest(".column") === column) return;
                column.querySelector(".cards").appendChild(card);
                api("PATCH", "/console/api/v1/clinics/" + clinic + "/leads/" + lead, { stage: column.dataset.stage })
                  .catch((error) => alert("The lead was not moved: " + error.message))
                  .finally(refreshBoard);
              });
            });
          };
          wireBoard();

          // Conversation: reply through the outbox, take over or hand back.
          const reply = document.querySelector("form.reply");
          const refreshConversation = () => {
            const current = document.getElementById("conversation"); if (!current) return;
            fetch(location.pathname + "/transcript", { credentials: "same-origin" }).then((r) => r.text()).then((html) => {
              const next = new DOMParser().parseFromString(html, "text/html").getElementById("conversation");
              if (next) current.replaceWith(next);
            });
          };
          if (reply) {
            reply.addEventListener("submit", (event) => {
              event.preventDefault();
              const text = reply.querySelector("textarea"), error = reply.querySelector(".error");
              api("POST", reply.dataset.api, { text: text.value })
                .then(() => { text.value = ""; error.hidden = true; location.reload(); })
                .catch((problem) => { error.textContent = problem.message; error.hidden = false; });
            });
          }
          // Small forms posted as JSON to the console API (merge, …): reload on success, say why not.
          // Empty optional fields are left out; a form with data-show-result shows that part of the answer
          // (a new channel's secrets, shown once) instead of reloading.
          document.querySelectorAll("form.json, form.json-document").forEach((form) => {
            form.addEventListener("submit", (event) => {
              event.preventDefault();
              const error = form.querySelector(".error"), result = form.querySelector(".result");
              let body;
              try {
                body = form.classList.contains("json-document")
                  ? JSON.parse(form.querySelector("textarea").value)
                  : Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ""));
              } catch (problem) { error.textContent = "Not valid JSON: " + problem.message; error.hidden = false; return; }
              api(form.dataset.method || "POST", form.dataset.api, body)
                .then((answer) => {
                  if (form.dataset.showResult && result) {
                    error.hidden = true;
                    result.textContent = "Shown once, copy them now:\\n" + JSON.stringify(answer[form.dataset.showResult] || {}, null, 2) + "\\nWebhook URL: " + (answer.webhook_url || "");
                    result.hidden = false;
                  } else { location.reload(); }
                })
                .catch((problem) => { error.textContent = problem.message; error.hidden = false; });
            });
          });
          document.querySelectorAll("button[data-patch]").forEach((button) => {
            button.addEventListener("click", () => api("PATCH", button.dataset.patch, JSON.parse(button.dataset.body)).then(() => location.reload()).catch((error) => alert(error.message)));
          });
          document.querySelectorAll("button[data-post]").forEach((button) => {
            button.addEventListener("click", () => api("POST", button.dataset.post).then(() => location.reload()).catch((error) => alert(error.message)));
          });

          // Live: the clinic's events; refresh what is on screen, a little after a burst settles.
          const match = location.pathname.match(/^\\/clinics\\/([0-9a-f-]{36})/);
          if (match && window.EventSource) {
            let timer = null;
            const feed = new EventSource("/clinics/" + match[1] + "/events");
            const status = document.getElementById("live");
            feed.addEventListener("open", () => { if (status) status.textContent = "Live"; });
            feed.addEventListener("error", () => { if (status) status.textContent = "Reconnecting…"; });
            feed.addEventListener("change", () => {
              clearTimeout(timer);
              timer = setTimeout(() => { refreshBoard(); refreshConversation(); }, 250);
            });
          }
        })();
        """
}
