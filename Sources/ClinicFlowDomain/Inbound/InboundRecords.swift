import Foundation

/// A person created or changed in another system (Chatwoot contact, Twenty person, HubSpot contact).
public struct ContactUpsert: Sendable, Equatable, Codable {
    public var system: Provider
    public var externalID: String
    public var name: String?
    public var email: String?
    public var phone: String?
    public var deleted: Bool
    /// Property names the source says changed, when it says.
    public var changedFields: [String]

    public init(
        system: Provider, externalID: String, name: String? = nil, email: String? = nil, phone: String? = nil,
        deleted: Bool = false, changedFields: [String] = []
    ) {
        self.system = system
        self.externalID = externalID
        self.name = name
        self.email = email
        self.phone = phone
        self.deleted = deleted
        self.changedFields = changedFields
    }
}

public struct BookingEvent: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        case created, rescheduled, cancelled, requested, rejected, paid, noShow = "no_show", meetingEnded = "meeting_ended"
    }

    public var bookingUID: String
    public var action: Action
    public var title: String?
    public var startsAt: Date?
    public var endsAt: Date?
    public var timeZone: String?
    public var attendeeName: String?
    public var attendeeEmail: String?
    public var attendeePhone: String?
    public var organizerEmail: String?
    public var eventType: String?
    /// On a reschedule, the booking it replaces.
    public var previousBookingUID: String?
    public var cancellationReason: String?

    public init(
        bookingUID: String, action: Action, title: String? = nil, startsAt: Date? = nil, endsAt: Date? = nil,
        timeZone: String? = nil, attendeeName: String? = nil, attendeeEmail: String? = nil, attendeePhone: String? = nil,
        organizerEmail: String? = nil, eventType: String? = nil, previousBookingUID: String? = nil,
        cancellationReason: String? = nil
    ) {
        self.bookingUID = bookingUID
        self.action = action
        self.title = title
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.attendeeName = attendeeName
        self.attendeeEmail = attendeeEmail
        self.attendeePhone = attendeePhone
        self.organizerEmail = organizerEmail
        self.eventType = eventType
        self.previousBookingUID = previousBookingUID
        self.cancellationReason = cancellationReason
    }
}

public struct PaymentEvent: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case succeeded, failed, pending, refunded, expired
    }

    /// The provider's event type, e.g. `checkout.session.completed`.
    public var providerType: String
    public var objectID: String
    public var state: State
    /// In the currency's minor unit (cents), as Stripe sends it.
    public var amountMinor: Int?
    public var currency: String?
    public var customerID: String?
    public var email: String?
    public var phone: String?
    public var name: String?
    public var metadata: [String: String]
    /// The payment behind the object (a checkout session's payment intent): one deposit however many
    /// events report it.
    public var paymentID: String?

    public init(
        providerType: String, objectID: String, state: State, amountMinor: Int? = nil, currency: String? = nil,
        customerID: String? = nil, email: String? = nil, phone: String? = nil, name: String? = nil,
        metadata: [String: String] = [:], paymentID: String? = nil
    ) {
        self.paymentID = paymentID
        self.providerType = providerType
        self.objectID = objectID
        self.state = state
        self.amountMinor = amountMinor
        self.currency = currency
        self.customerID = customerID
        self.email = email
        self.phone = phone
        self.name = name
        self.metadata = metadata
    }
}

public struct CallEvent: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable {
        case started, ringing, inProgress = "in_progress", ended, missed
    }

    public var callID: String
    public var phase: Phase
    public var from: String?
    public var to: String?
    public var direction: String?
    public var durationSeconds: Int?
    public var transcript: String?
    public var summary: String?
    public var endedReason: String?
    public var recordingURL: String?

    public init(
        callID: String, phase: Phase, from: String? = nil, to: String? = nil, direction: String? = nil,
        durationSeconds: Int? = nil, transcript: String? = nil, summary: String? = nil, endedReason: String? = nil,
        recordingURL: String? = nil
    ) {
        self.callID = callID
        self.phase = phase
        self.from = from
        self.to = to
        self.direction = direction
        self.durationSeconds = durationSeconds
        self.transcript = transcript
        self.summary = summary
        self.endedReason = endedReason
        self.recordingURL = recordingURL
    }
}

/// Campaign attribution from the landing page's URL.
public struct UTM: Sendable, Equatable, Codable {
    public var source: String?
    public var medium: String?
    public var campaign: String?
    public var term: String?
    public var content: String?

    public init(source: String? = nil, medium: String? = nil, campaign: String? = nil, term: String? = nil, content: String? = nil) {
        self.source = source
        self.medium = medium
        self.campaign = campaign
        self.term = term
        self.content = content
    }

    public var isEmpty: Bool { [source, medium, campaign, term, content].allSatisfy { $0 == nil } }
}

public struct FormLead: Sendable, Equatable, Codable {
    public var formID: String?
    public var name: String?
    public var email: String?
    public var phone: String?
    public var message: String?
    public var procedure: String?
    public var utm: UTM
    public var pageURL: String?
    public var referrer: String?
    /// The person ticked the consent box; its wording is the form's, kept in `fields`.
    public var consent: Bool?
    /// Every other field the form sent.
    public var fields: [String: String]

    public init(
        formID: String? = nil, name: String? = nil, email: String? = nil, phone: String? = nil, message: String? = nil,
        procedure: String? = nil, utm: UTM = .init(), pageURL: String? = nil, referrer: String? = nil,
        consent: Bool? = nil, fields: [String: String] = [:]
    ) {
        self.formID = formID
        self.name = name
        self.email = email
        self.phone = phone
        self.message = message
        self.procedure = procedure
        self.utm = utm
        self.pageURL = pageURL
        self.referrer = referrer
        self.consent = consent
        self.fields = fields
    }
}
