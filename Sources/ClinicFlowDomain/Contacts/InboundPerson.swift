import Foundation

/// Who an inbound event is about, in the clinic's terms: identities to match on and a name to show.
public struct InboundPerson: Sendable, Equatable {
    public var identities: [ContactIdentity]
    public var name: String?
    public var phone: PhoneNumber?
    public var email: String?

    /// Reads the person out of an event; phones are normalised in the clinic's region.
    /// Events that are not about a person (message statuses) give nil.
    public init?(_ event: InboundEvent, defaultRegion: String) {
        var identities: [ContactIdentity] = []
        var name: String?
        var phoneText: String?
        var emailText: String?
        func external(_ kind: ContactIdentity.Kind, _ value: String?) {
            if let value, !value.isEmpty { identities.append(.init(kind: kind, value: value)) }
        }
        switch event.body {
        case .message(let message):
            name = message.senderName
            phoneText = message.senderPhone
            emailText = message.senderEmail
            switch event.provider {
            case .meta, .dialog360, .twilio: external(.whatsapp, message.senderExternalID)
            case .evolution: external(.evolution, message.senderExternalID)
            case .chatwoot: external(.chatwoot, message.senderExternalID)
            default: break
            }
        case .contactUpsert(let contact):
            name = contact.name
            phoneText = contact.phone
            emailText = contact.email
            switch contact.system {
            case .chatwoot: external(.chatwoot, contact.externalID)
            case .twenty: external(.twenty, contact.externalID)
            case .hubspot: external(.hubspot, contact.externalID)
            default: break
            }
        case .booking(let booking):
            name = booking.attendeeName
            phoneText = booking.attendeePhone
            emailText = booking.attendeeEmail
        case .payment(let payment):
            name = payment.name
            phoneText = payment.phone
            emailText = payment.email
            external(.stripe, payment.customerID)
        case .call(let call):
            // Inbound calls are from the person; the clinic's number is `to`.
            phoneText = call.direction?.contains("outbound") == true ? call.to : call.from
        case .formLead(let lead):
            name = lead.name
            phoneText = lead.phone
            emailText = lead.email
        case .messageStatus:
            return nil
        }
        let phone = PhoneNumber.normalize(phoneText, defaultRegion: defaultRegion)
        let email = EmailAddress.normalize(emailText)
        if let phone { identities.insert(.phone(phone), at: 0) }
        if let email { identities.append(.init(kind: .email, value: email)) }
        guard !identities.isEmpty else { return nil }
        self.identities = identities
        self.name = name?.trimming(.whitespacesAndNewlines).nilIfBlank
        self.phone = phone
        self.email = email
    }
}

extension String {
    var nilIfBlank: String? { trimming(.whitespacesAndNewlines).isEmpty ? nil : self }
}
