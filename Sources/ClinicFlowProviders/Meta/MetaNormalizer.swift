import ClinicFlowDomain
import Foundation

/// Turns Meta's batched webhook into one event per message and per status.
enum MetaNormalizer {
    static func events(from webhook: MetaWebhook, provider: Provider) -> [InboundEvent] {
        var events: [InboundEvent] = []
        for entry in webhook.entry {
            for change in entry.changes where change.field == "messages" {
                events += messageEvents(change.value, provider: provider)
                events += statusEvents(change.value, provider: provider)
            }
        }
        return events
    }

    /// Dedupe ids for a delivery: every message id and status transition it carries.
    static func ids(in webhook: MetaWebhook) -> [String] {
        webhook.entry.flatMap(\.changes).flatMap { change in
            (change.value.messages ?? []).map(\.id) + (change.value.statuses ?? []).map { statusKey($0.id, $0.status) }
        }
    }

    /// A status update is its own delivery: `sent` and `read` for one message are two.
    static func statusKey(_ id: String, _ status: String) -> String { "\(id):\(status)" }

    static func messageEvents(_ value: MetaWebhook.Value, provider: Provider) -> [InboundEvent] {
        let names = Dictionary((value.contacts ?? []).compactMap { contact in
            contact.wa_id.map { ($0, contact.profile?.name) }
        }, uniquingKeysWith: { first, _ in first })
        return (value.messages ?? []).map { message in
            let (text, media) = content(of: message)
            let sentAt = Timestamps.unixSeconds(message.timestamp)
            let referral = message.referral.map {
                InboundMessage.Referral(sourceURL: $0.source_url, sourceType: $0.source_type, sourceID: $0.source_id, headline: $0.headline)
            }
            let inbound = InboundMessage(
                providerMessageID: message.id,
                senderPhone: Phones.international(message.from),
                senderName: names[message.from] ?? nil,
                senderExternalID: message.from,
                text: text,
                mediaKind: media,
                businessNumber: Phones.international(value.metadata?.display_phone_number),
                businessAccountID: value.metadata?.phone_number_id,
                sentAt: sentAt,
                referral: referral
            )
            return InboundEvent(provider: provider, providerEventID: message.id, occurredAt: sentAt, body: .message(inbound))
        }
    }

    static func statusEvents(_ value: MetaWebhook.Value, provider: Provider) -> [InboundEvent] {
        (value.statuses ?? []).compactMap { status in
            guard let state = MessageStatusUpdate.State(rawValue: status.status) else { return nil }
            let at = Timestamps.unixSeconds(status.timestamp)
            let error = status.errors?.first
            let update = MessageStatusUpdate(
                providerMessageID: status.id, state: state, recipient: Phones.international(status.recipient_id), at: at,
                errorCode: error?.code?.value, errorTitle: error?.title,
                conversationExpiresAt: Timestamps.unixSeconds(status.conversation?.expiration_timestamp)
            )
            return InboundEvent(provider: provider, providerEventID: "status:\(status.id):\(status.status)", occurredAt: at, body: .messageStatus(update))
        }
    }

    /// The words a person sent, and what else came with them.
    static func content(of message: MetaWebhook.Message) -> (String?, MediaKind?) {
        switch message.type ?? "text" {
        case "text": (message.text?.body, nil)
        case "image": (message.image?.caption, .image)
        case "video": (message.video?.caption, .video)
        case "document": (message.document?.caption, .document)
        case "audio": (nil, .audio)
        case "sticker": (nil, .sticker)
        case "button": (message.button?.text, .button)
        case "interactive": (message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title, .interactive)
        case "reaction": (message.reaction?.emoji, .reaction)
        case "location": ([message.location?.name, message.location?.address].compactMap { $0 }.joined(separator: ", ").nilIfEmpty, .location)
        case "contacts": (nil, .contacts)
        default: (nil, .unsupported)
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
