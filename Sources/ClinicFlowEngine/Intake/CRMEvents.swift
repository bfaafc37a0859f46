import ClinicFlowDomain
import Foundation

/// Payloads of the events on a contact's stream (`contact-<id>`): the timeline's raw material.
public enum CRMEvents {
    public struct ContactCreated: Codable, Sendable, Equatable {
        public var contactID: UUID
        public var source: String
        public var identities: [String]

        public init(contactID: UUID, source: String, identities: [String]) {
            self.contactID = contactID
            self.source = source
            self.identities = identities
        }
    }

    public struct IdentitiesLinked: Codable, Sendable, Equatable {
        public var contactID: UUID
        public var identities: [String]

        public init(contactID: UUID, identities: [String]) {
            self.contactID = contactID
            self.identities = identities
        }
    }

    public struct ContactMerged: Codable, Sendable, Equatable {
        public var sourceID: UUID
        public var targetID: UUID
        public var closedLeadIDs: [UUID]
        public var by: UUID?

        public init(sourceID: UUID, targetID: UUID, closedLeadIDs: [UUID], by: UUID?) {
            self.sourceID = sourceID
            self.targetID = targetID
            self.closedLeadIDs = closedLeadIDs
            self.by = by
        }
    }

    public struct LeadCreated: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var stage: String
        public var source: String?
        public var channelID: UUID?
        public var department: String?
        public var utm: UTM
        public var procedure: String?

        public init(leadID: UUID, stage: String, source: String?, channelID: UUID?, department: String?, utm: UTM, procedure: String?) {
            self.leadID = leadID
            self.stage = stage
            self.source = source
            self.channelID = channelID
            self.department = department
            self.utm = utm
            self.procedure = procedure
        }
    }

    public struct LeadStageChanged: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var from: String
        public var to: String
        public var status: LeadStatus
        public var by: UUID?
        public var reason: String?

        public init(leadID: UUID, from: String, to: String, status: LeadStatus, by: UUID?, reason: String?) {
            self.leadID = leadID
            self.from = from
            self.to = to
            self.status = status
            self.by = by
            self.reason = reason
        }
    }

    public struct LeadAssigned: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var ownerID: UUID?
        public var previousOwnerID: UUID?
        public var by: UUID?
        public var reason: String

        public init(leadID: UUID, ownerID: UUID?, previousOwnerID: UUID?, by: UUID?, reason: String) {
            self.leadID = leadID
            self.ownerID = ownerID
            self.previousOwnerID = previousOwnerID
            self.by = by
            self.reason = reason
        }
    }

    public struct LeadUpdated: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var fields: [String]
        public var by: UUID?

        public init(leadID: UUID, fields: [String], by: UUID?) {
            self.leadID = leadID
            self.fields = fields
            self.by = by
        }
    }

    /// Message text stays in the messages table (erasable in one place); the event points at it.
    public struct MessageRecorded: Codable, Sendable, Equatable {
        public var messageID: UUID
        public var conversationID: UUID
        public var channelID: UUID
        public var direction: Message.Direction
        public var mediaKind: MediaKind?
        public var author: String

        public init(messageID: UUID, conversationID: UUID, channelID: UUID, direction: Message.Direction, mediaKind: MediaKind?, author: String) {
            self.messageID = messageID
            self.conversationID = conversationID
            self.channelID = channelID
            self.direction = direction
            self.mediaKind = mediaKind
            self.author = author
        }
    }

    public struct MessageStatusChanged: Codable, Sendable, Equatable {
        public var messageID: UUID
        public var status: String
        public var errorCode: String?

        public init(messageID: UUID, status: String, errorCode: String?) {
            self.messageID = messageID
            self.status = status
            self.errorCode = errorCode
        }
    }

    public struct NoteAdded: Codable, Sendable, Equatable {
        public var noteID: UUID
        public var leadID: UUID?
        public var text: String
        public var by: UUID

        public init(noteID: UUID, leadID: UUID?, text: String, by: UUID) {
            self.noteID = noteID
            self.leadID = leadID
            self.text = text
            self.by = by
        }
    }

    public struct Booking: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var booking: BookingEvent

        public init(leadID: UUID?, booking: BookingEvent) {
            self.leadID = leadID
            self.booking = booking
        }
    }

    public struct Payment: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var payment: PaymentEvent

        public init(leadID: UUID?, payment: PaymentEvent) {
            self.leadID = leadID
            self.payment = payment
        }
    }

    public struct Call: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var call: CallEvent

        public init(leadID: UUID?, call: CallEvent) {
            self.leadID = leadID
            self.call = call
        }
    }

    public struct FormSubmitted: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var form: FormLead

        public init(leadID: UUID?, form: FormLead) {
            self.leadID = leadID
            self.form = form
        }
    }

    public struct LeadScored: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var score: LeadScore

        public init(leadID: UUID, score: LeadScore) {
            self.leadID = leadID
            self.score = score
        }
    }

    public struct TriageFlagged: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var flags: [Triage.Flag]

        public init(leadID: UUID, flags: [Triage.Flag]) {
            self.leadID = leadID
            self.flags = flags
        }
    }
}
