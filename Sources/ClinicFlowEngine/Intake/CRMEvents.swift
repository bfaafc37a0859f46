import ClinicFlowDomain
import Foundation

/// Payloads of the events on a contact's stream (`contact-<id>`): the timeline's raw material.
public enum CRMEvents {
    public struct ContactCreated: Codable, Sendable, Equatable {
        public var contactID: UUID
        public var source: String
        public var identities: [String]
    }

    public struct IdentitiesLinked: Codable, Sendable, Equatable {
        public var contactID: UUID
        public var identities: [String]
    }

    public struct ContactMerged: Codable, Sendable, Equatable {
        public var sourceID: UUID
        public var targetID: UUID
        public var closedLeadIDs: [UUID]
        public var by: UUID?
    }

    public struct LeadCreated: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var stage: String
        public var source: String?
        public var channelID: UUID?
        public var department: String?
        public var utm: UTM
        public var procedure: String?
    }

    public struct LeadStageChanged: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var from: String
        public var to: String
        public var status: LeadStatus
        public var by: UUID?
        public var reason: String?
    }

    public struct LeadAssigned: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var ownerID: UUID?
        public var previousOwnerID: UUID?
        public var by: UUID?
        public var reason: String
    }

    public struct LeadUpdated: Codable, Sendable, Equatable {
        public var leadID: UUID
        public var fields: [String]
        public var by: UUID?
    }

    /// Message text stays in the messages table (erasable in one place); the event points at it.
    public struct MessageRecorded: Codable, Sendable, Equatable {
        public var messageID: UUID
        public var conversationID: UUID
        public var channelID: UUID
        public var direction: Message.Direction
        public var mediaKind: MediaKind?
        public var author: String
    }

    public struct MessageStatusChanged: Codable, Sendable, Equatable {
        public var messageID: UUID
        public var status: String
        public var errorCode: String?
    }

    public struct NoteAdded: Codable, Sendable, Equatable {
        public var noteID: UUID
        public var leadID: UUID?
        public var text: String
        public var by: UUID
    }

    public struct Booking: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var booking: BookingEvent
    }

    public struct Payment: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var payment: PaymentEvent
    }

    public struct Call: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var call: CallEvent
    }

    public struct FormSubmitted: Codable, Sendable, Equatable {
        public var leadID: UUID?
        public var form: FormLead
    }
}
