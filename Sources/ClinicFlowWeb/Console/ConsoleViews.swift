import ClinicFlowDomain
import Foundation

/// The Kanban board: a column per stage, a card per lead with who, how hot, whose and how long
/// they have waited. Cards are draggable for consultants and above.
struct PipelineBoard {
    /// Cards per column: a column with more shows its most recently updated ones and "N+".
    static let perColumn = 100

    var clinic: Clinic
    var stages: [PipelineStage]
    /// Each stage's cards, newest first, and whether the stage has more than are shown.
    var columns: [String: (leads: [Lead], more: Bool)]
    var names: [UUID: String]
    var owners: [UUID: String]
    var conversations: [UUID: UUID]
    var canMove: Bool
    var now: Date

    var html: HTML {
        let columns: [HTML] = stages.map { stage in
            let (cards, more) = self.columns[stage.key] ?? ([], false)
            return """
                <section class="column" data-stage="\(stage.key)" aria-labelledby="stage-\(stage.key)">
                <h2 id="stage-\(stage.key)">\(stage.name) <span class="count">\(cards.count)\(more ? "+" : "")</span></h2>
                <ol class="cards">\(cards.map(card))</ol>
                </section>
                """
        }
        return "<div id=\"board\" class=\"board\" data-clinic=\"\(clinic.id.lowercased)\">\(columns)</div>"
    }

    private func card(_ lead: Lead) -> HTML {
        let name = names[lead.contactID] ?? "Unknown"
        let temperature = lead.temperature?.rawValue ?? "NEW"
        let waiting: HTML = lead.firstResponseAt == nil && lead.status == .open
            ? "<span class=\"waiting\" title=\"Waiting for a first answer\">waiting \(Self.duration(now.timeIntervalSince(lead.firstInboundAt ?? lead.createdAt)))</span>" : ""
        let link: HTML = conversations[lead.contactID].map { "<a href=\"/clinics/\(clinic.id.lowercased)/conversations/\($0.lowercased)\">\(name)</a>" } ?? "\(name)"
        let urgent: HTML = lead.urgent ? "<span class=\"urgent\">URGENT</span> " : ""
        return """
            <li class="card temp-\(temperature.lowercased())" data-lead="\(lead.id.lowercased)" draggable="\(canMove ? "true" : "false")" tabindex="0">
            <div class="name">\(urgent)\(link)</div>
            <div class="meta"><span class="temp">\(temperature)</span> <span class="score">\(lead.score.map { "\($0)/5" } ?? "–")</span>
            <span class="owner">\(lead.ownerID.flatMap { owners[$0] } ?? "unassigned")</span></div>
            <div class="meta">\(lead.procedure ?? "") \(waiting)</div>
            </li>
            """
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = max(0, Int(seconds / 60))
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h" }
        return "\(minutes / 1440) d"
    }
}

/// One conversation: the transcript, the assistant's stage, takeover, and the reply box.
struct ConversationView {
    var clinic: Clinic
    var conversation: Conversation
    var contactName: String
    var messages: [Message]
    var canReply: Bool
    var timeZone: TimeZone

    /// The part the live feed refreshes.
    var transcript: HTML {
        let stage = conversation.assistantStage?.rawValue ?? "not started"
        let takeover: HTML = conversation.humanTakeover
            ? "<p class=\"state\">A person has taken over; the assistant is paused.</p>"
            : "<p class=\"state\">Assistant stage: <strong>\(stage)</strong></p>"
        return """
            <div id="conversation" data-conversation="\(conversation.id.lowercased)">
            \(takeover)
            <ol class="transcript">\(messages.map(line))</ol>
            </div>
            """
    }

    var html: HTML {
        let action = conversation.humanTakeover ? "handback" : "takeover"
        let actionLabel = conversation.humanTakeover ? "Hand back to the assistant" : "Take over"
        let base = "/console/api/v1/clinics/\(clinic.id.lowercased)/conversations/\(conversation.id.lowercased)"
        let controls: HTML = canReply ? """
            <button type="button" class="secondary" data-post="\(base)/\(action)">\(actionLabel)</button>
            <form class="reply" data-api="\(base)/messages">
            <label for="reply-text">Reply</label>
            <textarea id="reply-text" name="text" rows="3" maxlength="4096" required></textarea>
            <button type="submit">Send</button>
            <p class="error" role="alert" hidden></p>
            </form>
            """ : ""
        return """
            <h1>\(contactName)</h1>
            <p><a href="/clinics/\(clinic.id.lowercased)/contacts/\(conversation.contactID.lowercased)">Contact details, timeline and consent</a></p>
            \(transcript)
            \(controls)
            """
    }

    private func line(_ message: Message) -> HTML {
        let who = message.direction == .inbound ? "contact" : (message.author == "assistant" ? "assistant" : "staff")
        let time = ConsoleFormat.minute(message.sentAt, timeZone)
        let status: HTML = message.direction == .outbound ? " · <span class=\"status\">\(message.status)</span>" : ""
        let error: HTML = message.error.map { "<div class=\"msg-error\">\($0)</div>" } ?? ""
        return """
            <li class="msg \(who)"><div class="body">\(message.body ?? "[\(message.mediaKind?.rawValue ?? "media")]")</div>
            <div class="when">\(who) · \(time)\(status)</div>\(error)</li>
            """
    }
}

struct ConversationList {
    var clinic: Clinic
    var items: [(Conversation, String)]

    var html: HTML {
        let rows: [HTML] = items.map { conversation, name in
            let stage = conversation.humanTakeover ? "taken over" : (conversation.assistantStage?.rawValue ?? "–")
            return """
                <li><a href="/clinics/\(clinic.id.lowercased)/conversations/\(conversation.id.lowercased)">\(name)</a>
                <span class="meta">\(stage)</span></li>
                """
        }
        return "<h1>Conversations</h1><ul class=\"list\" id=\"conversations\">\(rows)</ul>"
    }
}
