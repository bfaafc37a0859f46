import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// A contact's page: who they are, their leads with score history and reasons, consent,
/// appointments, the timeline, and (for consultants) merging a duplicate into them.
struct ContactView {
    var clinic: Clinic
    var contact: Contact
    var optedOut: Bool
    var leads: [(Lead, [(score: LeadScore, at: Date)])]
    var consent: [ConsentRepository.Entry]
    var appointments: [SchedulingRepository.Appointment]
    var practitioners: [UUID: String]
    var timeline: [RecordedEvent]
    var canMerge: Bool
    var timeZone: TimeZone
    /// The next free slots, offered for booking (consultants and up); empty for viewers.
    var freeSlots: [Slot] = []

    var html: HTML {
        let details: [HTML] = [
            contact.phone.map { "<dt>Phone</dt><dd>\($0)</dd>" }, contact.email.map { "<dt>Email</dt><dd>\($0)</dd>" },
            "<dt>Messages</dt><dd>\(optedOut ? "opted out: transactional messages only" : "allowed")</dd>",
        ].compactMap { $0 }
        let merge: HTML = canMerge ? """
            <section aria-labelledby="merge"><h2 id="merge">Merge a duplicate into this contact</h2>
            <form class="json" data-api="/console/api/v1/clinics/\(clinic.id.lowercased)/contacts/\(contact.id.lowercased)/merge">
            <label for="other">The duplicate's contact id</label><input id="other" name="other_contact_id" required pattern="[0-9a-fA-F-]{36}">
            <button type="submit">Merge</button><p class="error" role="alert" hidden></p></form></section>
            """ : ""
        return """
            <h1>\(contact.name ?? contact.phone ?? contact.email ?? "Unknown")</h1>
            <dl class="facts">\(details)</dl>
            <section aria-labelledby="leads"><h2 id="leads">Leads and scores</h2>\(leads.map(lead))</section>
            <section aria-labelledby="appointments"><h2 id="appointments">Appointments</h2>
            <ul class="list">\(appointments.isEmpty ? ["<li>None yet.</li>"] : appointments.map(appointment))</ul>
            \(booking)</section>
            <section aria-labelledby="consent"><h2 id="consent">Consent</h2>
            <ul class="list">\(consent.isEmpty ? ["<li>No consent recorded.</li>"] : consent.map(consentLine))</ul></section>
            <section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2><ol class="list timeline">\(timeline.map(event))</ol></section>
            \(merge)
            """
    }

    private func lead(_ entry: (Lead, [(score: LeadScore, at: Date)])) -> HTML {
        let (lead, scores) = entry
        let rows: [HTML] = scores.map { score, at in
            "<tr><td>\(format(at))</td><td>\(score.score)/5 \(score.temperature.rawValue)</td><td>\(score.reasons.joined(separator: "; "))</td><td>\(score.scorer)\(score.fallbackReason.map { " (fallback: \($0))" } ?? "")</td></tr>"
        }
        return """
            <article class="lead"><h3>\(lead.stage) · \(lead.status.rawValue)\(lead.urgent ? " · URGENT" : "")</h3>
            <p class="meta">source \(lead.source ?? "–") · procedure \(lead.procedure ?? "–") · opened \(format(lead.createdAt))\(deposit(lead))</p>
            <table><caption class="visually-hidden">Score history</caption><thead><tr><th>When</th><th>Score</th><th>Reasons</th><th>Scorer</th></tr></thead>
            <tbody>\(rows.isEmpty ? ["<tr><td colspan=\"4\">Not scored yet.</td></tr>"] : rows)</tbody></table></article>
            """
    }

    /// A paid deposit (Stripe), in the lead's currency.
    private func deposit(_ lead: Lead) -> String {
        guard let minor = lead.depositMinor, minor > 0 else { return "" }
        return " · deposit paid " + MoneyFormat.format(cents: Int(minor), currency: lead.currency ?? "", language: lead.language)
    }

    private var api: String { "/console/api/v1/clinics/\(clinic.id.lowercased)" }

    /// One small form per free slot: a click books it (reminders follow).
    private var booking: HTML {
        guard canMerge else { return "" }
        guard !freeSlots.isEmpty else { return "<p class=\"meta\">No free slot in the next two weeks: add practitioners' hours in Settings.</p>" }
        let forms: [HTML] = freeSlots.map { slot in
            let label = "\(format(slot.startsAt)) · \(practitioners[slot.practitionerID] ?? "practitioner")"
            return """
                <li><form class="json inline" data-api="\(api)/appointments">
                <input type="hidden" name="contact_id" value="\(contact.id.lowercased)"><input type="hidden" name="practitioner_id" value="\(slot.practitionerID.lowercased)">
                <input type="hidden" name="starts_at" value="\(slot.startsAt.formatted(.iso8601))">
                <span>\(label)</span> <button type="submit" class="small" aria-label="Book \(label)">Book</button><p class="error" role="alert" hidden></p></form></li>
                """
        }
        return "<h3>Book a free slot</h3><ul class=\"list slots\">\(forms)</ul>"
    }

    private func appointment(_ appointment: SchedulingRepository.Appointment) -> HTML {
        let path = "\(api)/appointments/\(appointment.id.lowercased)"
        let actions: [HTML] = canMerge
            ? AppointmentStatus.allCases.filter { appointment.status.canMove(to: $0) }.map { next in
                "<button type=\"button\" class=\"small\(next == .cancelled ? " secondary" : "")\" data-patch=\"\(path)\" data-body='{\"status\":\"\(next.rawValue)\"}'>\(Self.action(next))</button>"
            } : []
        return "<li data-appointment=\"\(appointment.id.lowercased)\">\(format(appointment.startsAt)) with \(practitioners[appointment.practitionerID] ?? "a practitioner") · <strong>\(appointment.status.rawValue)</strong> · \(appointment.source) \(actions)</li>"
    }

    static func action(_ status: AppointmentStatus) -> String {
        switch status {
        case .booked: "Book"
        case .confirmed: "Confirm"
        case .cancelled: "Cancel"
        case .noShow: "No-show"
        case .done: "Done"
        }
    }

    private func consentLine(_ entry: ConsentRepository.Entry) -> HTML {
        let kind = switch entry.kind {
        case .optOut: "opted out"
        case .optIn: "opted in"
        case .expired: "consent expired"
        }
        return "<li>\(format(entry.createdAt)) · \(kind) · \(entry.source): \(entry.evidence)</li>"
    }

    private func event(_ event: RecordedEvent) -> HTML {
        "<li><span class=\"meta\">\(format(event.occurredAt))</span> \(event.type.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ".", with: " · "))</li>"
    }

    private func format(_ date: Date) -> String { ConsoleFormat.minute(date, timeZone) }
}
