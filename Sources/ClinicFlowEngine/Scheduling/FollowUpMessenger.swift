import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// Queues a follow-up (reminder, no-show, recall, booking confirmation, missed-call text-back) to a
/// contact through the outbox: in the conversation on a channel that can send, in the contact's
/// language, with the follow-up's own approved template for outside WhatsApp's window.
struct FollowUpMessenger {
    let components: EngineComponents

    enum Skipped: Equatable, CustomStringConvertible {
        case noChannel, noPhone

        var description: String {
            switch self {
            case .noChannel: "the clinic has no channel that can send messages"
            case .noPhone: "the contact has no phone number"
            }
        }
    }

    /// Queues the message; the reason it cannot go when there is one (callers for whom the follow-up
    /// simply does not apply then ignore it). `key` makes it once.
    @discardableResult
    func send(
        _ kind: FollowUpKind, contactID: UUID, clinic: Clinic, when: Date? = nil, practitioner: String? = nil, preferredProvider: Provider? = nil,
        key: String, correlationID: String?, on database: any Database
    ) async throws -> Skipped? {
        guard let contact = try await components.contacts.find(id: contactID, clinicID: clinic.id, on: database) else { return .noPhone }
        guard let conversation = try await conversation(for: contact, clinic: clinic, preferred: preferredProvider, on: database) else { return .noChannel }
        let language = try await components.leads.leads(contactID: contactID, clinicID: clinic.id, on: database).first?.language
            ?? LanguageGuess.of(region: clinic.defaultRegion)
        let timeZone = TimeZone(identifier: clinic.timeZone) ?? .gmt
        let values = FollowUpPhrases.Values(
            name: contact.name, clinic: clinic.name, when: when.map { FollowUpPhrases.when($0, timeZone: timeZone, language: language) }, practitioner: practitioner
        )
        let settings = try await components.scoring.schedulingSettings(clinicID: clinic.id, on: database)
        let template = settings.template(kind, language: language).map { PreparedTemplate(template: $0, parameters: $0.filled(values.placeholders)) }
        try await Outbox(components: components).enqueue(
            .init(
                conversation: conversation, text: FollowUpPhrases.text(kind, language: language, values), purpose: Self.purpose(kind), author: "clinicflow",
                key: key, template: template, correlationID: correlationID
            ),
            on: database
        )
        return nil
    }

    /// Reminders and confirmations are what the patient asked for; a no-show nudge or a recall is not,
    /// so opt-outs, expired consent and quiet hours stop or hold those.
    static func purpose(_ kind: FollowUpKind) -> MessagePurpose {
        switch kind {
        case .reminder, .bookingConfirmation: .transactional
        case .missedCall: .reply
        case .noShow, .recall: .proactive
        }
    }

    /// The contact's latest conversation on a channel that sends (the preferred provider's first),
    /// else a new one on the clinic's first such channel.
    private func conversation(for contact: Contact, clinic: Clinic, preferred: Provider?, on database: any Database) async throws -> Conversation? {
        let channels = try await components.channels.list(clinicID: clinic.id, on: database)
            .filter { $0.active && MessageSenders.canSend($0.provider) }
        let byID = Dictionary(channels.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let conversations = try await components.conversations.list(clinicID: clinic.id, contactID: contact.id, limit: 50, on: database).items
            .filter { byID[$0.channelID] != nil }
        if let preferred, let found = conversations.first(where: { byID[$0.channelID]?.provider == preferred }) { return found }
        if preferred == nil, let found = conversations.first { return found }
        let candidates = channels.filter { $0.provider != .chatwoot && (preferred == nil || $0.provider == preferred) }
        guard contact.phone != nil, let channel = candidates.first else { return nil }
        return try await components.conversations.conversation(clinicID: clinic.id, contactID: contact.id, channelID: channel.id, externalID: nil, on: database)
    }
}
