import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// Clinic settings for admins: channels with the webhook URL to give each provider (secrets shown
/// once, when created), the knowledge base the assistant answers from, and the assistant itself.
struct SettingsView {
    var clinic: Clinic
    var channels: [ClinicChannel]
    var webhookBase: String
    var articles: [KnowledgeRepository.Article]
    var assistantJSON: String
    var schedulingJSON: String
    var stagesJSON: String
    var scoringJSON: String
    /// Consultants with their cap, hours and teams as JSON, for round-robin assignment.
    var consultants: [(User, String)]

    /// A JSON document edited in place and sent back whole: the API's own validation answers.
    static func editor(id: String, label: String, api: String, method: String, json: String, rows: Int = 10) -> HTML {
        """
        <form class="json-document" data-api="\(api)" data-method="\(method)">
        <label for="\(id)">\(label)</label><textarea id="\(id)" name="document" rows="\(rows)" spellcheck="false">\(json)</textarea>
        <button type="submit">Save</button>
        <p class="error" role="alert" hidden></p>
        </form>
        """
    }

    var html: HTML {
        let api = "/console/api/v1/clinics/\(clinic.id.lowercased)"
        let channelRows: [HTML] = channels.map { channel in
            """
            <tr><td>\(channel.provider.displayName)</td><td>\(channel.name)</td><td><code>\(webhookBase)/hooks/\(channel.provider.rawValue)/\(channel.id.lowercased)</code></td>
            <td>\(channel.active ? "active" : "off")\(channel.settings.sandbox ? " · sandbox" : "")</td></tr>
            """
        }
        let providers: [HTML] = Provider.allCases.map { "<option value=\"\($0.rawValue)\">\($0.displayName)</option>" }
        let kinds: [HTML] = KnowledgeRepository.Article.kinds.map { "<option value=\"\($0)\">\($0)</option>" }
        let articleRows: [HTML] = articles.map { article in
            "<li><strong>\(article.title)</strong> <span class=\"meta\">\(article.kind)</span><div>\(article.body)</div></li>"
        }
        return """
            <h1>Settings</h1>
            <section aria-labelledby="channels"><h2 id="channels">Channels</h2>
            <table><thead><tr><th>Provider</th><th>Name</th><th>Webhook URL (give it to the provider)</th><th>State</th></tr></thead>
            <tbody>\(channelRows.isEmpty ? ["<tr><td colspan=\"4\">No channel yet.</td></tr>"] : channelRows)</tbody></table>
            <form class="json" data-api="\(api)/channels" data-show-result="credentials">
            <h3>Connect a channel</h3>
            <label for="provider">Provider</label><select id="provider" name="provider">\(providers)</select>
            <label for="channel-name">Name</label><input id="channel-name" name="name" required maxlength="100">
            <label for="business-number">Business number (optional)</label><input id="business-number" name="business_number">
            <label for="account-id">Provider account id: Meta phone_number_id, Evolution instance, Chatwoot inbox (optional)</label><input id="account-id" name="business_account_id">
            <button type="submit">Connect</button>
            <p class="error" role="alert" hidden></p>
            <pre class="result" hidden aria-live="polite"></pre>
            </form></section>
            <section aria-labelledby="knowledge"><h2 id="knowledge">Knowledge base</h2>
            <ul class="list">\(articleRows.isEmpty ? ["<li>No article yet: the LLM assistant answers only from what is here.</li>"] : articleRows)</ul>
            <form class="json" data-api="\(api)/knowledge">
            <h3>Add an article</h3>
            <label for="kind">Kind</label><select id="kind" name="kind">\(kinds)</select>
            <label for="title">Title</label><input id="title" name="title" required maxlength="200">
            <label for="body">Text</label><textarea id="body" name="body" rows="4" required></textarea>
            <button type="submit">Add</button>
            <p class="error" role="alert" hidden></p>
            </form></section>
            <section aria-labelledby="team"><h2 id="team">Team: caps, working hours and teams</h2>
            \(consultants.isEmpty ? ["<p>No consultant yet.</p>"] : consultants.map { user, json in
                Self.editor(id: "user-\(user.id.lowercased)", label: "\(user.name) (\(user.email))", api: "\(api)/users/\(user.id.lowercased)/assignment", method: "PUT", json: json, rows: 6)
            })</section>
            <section aria-labelledby="stages"><h2 id="stages">Pipeline stages</h2>
            <p>In order; outcome open, won or lost. Stages that hold open leads cannot be removed.</p>
            \(Self.editor(id: "stages-json", label: "Stages (JSON)", api: "\(api)/stages", method: "PUT", json: stagesJSON))</section>
            <section aria-labelledby="scoring"><h2 id="scoring">Scoring rules, routing and LLM</h2>
            <p>Words added to the standard vocabulary, departments by procedure and language, and the OpenAI-compatible endpoint (set llm_api_key to change the key).</p>
            \(Self.editor(id: "scoring-json", label: "Scoring (JSON)", api: "\(api)/settings/scoring", method: "PUT", json: scoringJSON, rows: 14))</section>
            <section aria-labelledby="assistant"><h2 id="assistant">Assistant</h2>
            <p>On or off, templates or the LLM, the price list, WhatsApp templates per language and quiet hours (see docs/assistant.md).</p>
            <form class="json-document" data-api="\(api)/settings/assistant" data-method="PUT">
            <label for="assistant-json">Settings (JSON)</label><textarea id="assistant-json" name="document" rows="14" spellcheck="false">\(assistantJSON)</textarea>
            <button type="submit">Save</button>
            <p class="error" role="alert" hidden></p>
            </form></section>
            <section aria-labelledby="scheduling"><h2 id="scheduling">Scheduling and follow-ups</h2>
            <p>Appointment types, reminder hours, no-show follow-up, recalls per procedure, follow-up templates, consent period, raw-webhook retention,
            deposits closing a lead as won, missed-call text-back (see docs/scheduling.md).</p>
            \(Self.editor(id: "scheduling-json", label: "Scheduling (JSON)", api: "\(api)/settings/scheduling", method: "PUT", json: schedulingJSON, rows: 14))</section>
            """
    }
}
